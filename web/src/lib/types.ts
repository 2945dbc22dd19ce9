// Shapes of the API replies the console reads (src/server/openapi.ts is the reference).

export type AuditEvent = Record<string, unknown> & {
  '@timestamp': string;
  stele: { seq: number; received?: string; source?: string };
};

export interface EventPage {
  events: AuditEvent[];
  next_cursor: string | null;
}

export interface AggregateGroup {
  keys: Record<string, string | null>;
  count: number;
  failures: number;
  failure_ratio: number;
  distinct?: number;
  first: string;
  last: string;
}

export interface AggregateReply {
  by: string[];
  total: number;
  failures: number;
  groups: AggregateGroup[];
}

export interface HistogramBucket {
  start: string;
  count: number;
  failures?: number;
}

export interface HistogramReply {
  interval_ms: number;
  total: number;
  buckets: HistogramBucket[];
}

export type AlertStatus = 'open' | 'acknowledged' | 'closed';

export interface Alert {
  id: number;
  rule: { id: string | null; title: string; level: string | null };
  group: Record<string, unknown> | null;
  status: AlertStatus;
  count: number;
  first_seq: number;
  last_seq: number;
  first_time: string;
  last_time: string;
  created: string;
  updated: string;
}

export interface InclusionProof {
  index: number;
  treeSize: number;
  entry: string;
  leafHash: string;
  hashes: string[];
  checkpoint: string;
}

export interface LedgerKey {
  verifierKey: string;
  origin: string;
}

export type TimelineEvent = AuditEvent & { annotations?: string[] };
