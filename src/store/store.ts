// The storage contract. Every dialect (SQLite now, PostgreSQL later) implements it; nothing outside
// src/store/ knows which one it talks to. Methods are async so a networked database fits.

import { StoreError } from '../core/errors.js';
import type { StoredEvent } from '../core/event.js';
import type { Predicate } from '../query/plan.js';
import { decodeRow, type ColumnValues, type RowParts } from './row-codec.js';
import type { ErasureMaterial } from '../ledger/entry.js';

/** A ledger node: the hash of the complete subtree of 2^level leaves starting at leaf index*2^level. */
export interface StoredNode {
  level: number;
  index: number;
  hash: Buffer;
}

/** One admitted event, ready to be written. */
export interface EventRecord {
  seq: number;
  /** `@timestamp` as epoch milliseconds. */
  ts: number;
  /** Arrival time, epoch milliseconds. */
  received: number;
  /** Which source or API key sent it. */
  source: string;
  /** The event as JSON, without the fields kept in columns (see row-codec.ts). */
  body: string;
  /** Column-stored field values, in row-codec.ts COLUMN_FIELDS order. */
  columns: ColumnValues;
  /** RFC 9162 leaf hash of the ledger entry. */
  leafHash: Buffer;
  /** Random seed the per-field salts of personal data are derived from. */
  seed: Buffer;
  /** Values of the indexed fields, precomputed by the writer so every dialect indexes the same. */
  fields: IndexedFields;
}

/** Indexed values that are not plain copies of an event field (those are `columns`). */
export interface IndexedFields {
  /** Source IP as the 16 bytes of its comparable form (query/plan.ts), so CIDR becomes a range. */
  sourceIp: Buffer | null;
  producerId: string | null;
  producerSeq: number | null;
}

export interface ProducerState {
  id: string;
  /** Highest producer sequence number seen. */
  lastSeq: number;
  /** How many producer sequence numbers were skipped (a jump from 4 to 7 counts 2). */
  gaps: number;
  events: number;
}

export interface CheckpointRecord {
  size: number;
  rootHash: Buffer;
  /** The signed note, exactly as issued. */
  note: string;
  created: number;
}

/** Everything one group commit writes, in one durable transaction. */
export interface AppendBatch {
  events: EventRecord[];
  nodes: StoredNode[];
  /** Serialized tree frontier after the batch (restores the tree on restart). */
  frontier: string;
  producers: ProducerState[];
  checkpoint?: CheckpointRecord;
}

export interface LedgerState {
  /** Number of entries = the next `stele.seq`. */
  size: number;
  frontier: string | null;
  producers: ProducerState[];
}

/** A row read back, with the columns needed to rebuild the event and its ledger entry. */
export interface EventRow {
  seq: number;
  ts: number;
  received: number;
  source: string;
  body: string | null;
  /** Column-stored field values, in row-codec.ts COLUMN_FIELDS order. */
  columns: ColumnValues;
  leafHash: Buffer;
  seed: Buffer | null;
  /** Commitments of erased personal values and salts of the kept ones; null when nothing was erased. */
  erased: ErasureMaterial | null;
}

/** An event's content without its ledger material: what decodeRow (and an export) needs. */
export type EventContent = Pick<EventRecord, 'seq' | 'ts' | 'received' | 'source' | 'body' | 'columns'>;

/** New content for an event whose personal data is erased; its leaf hash does not change. */
export interface ErasureUpdate {
  seq: number;
  body: string;
  columns: ColumnValues;
  erased: ErasureMaterial;
}

export interface SearchRequest {
  /** Compiled filter; undefined matches every event. */
  where?: SqlFilter;
  from?: number;
  to?: number;
  limit: number;
  /** Continue after this position (newest first: events older than it). */
  after?: { ts: number; seq: number };
  /**
   * Stop at this position, inclusive (newest first: no event older than it): with `after`, a page
   * bounded on both sides, which a parallel export reads beside the others (store.pageEnds).
   */
  through?: { ts: number; seq: number };
  /** Only events with seq <= this (a snapshot that stays stable while events arrive). */
  maxSeq?: number;
  /** `desc` (default): newest first, `after` = older than it; `asc`: oldest first, `after` = newer. */
  order?: 'asc' | 'desc';
}

/** Count by fields (query/aggregate.ts describes the semantics; it is also the reference). */
export interface AggregateRequest {
  predicate: Predicate;
  from?: number;
  to?: number;
  /** Group by these fields (0-3); an event counts once in each group of its values. */
  by: string[];
  /** Also count distinct values of this field per group. */
  distinct?: string;
  /** Groups by largest count (or `sort`), ties by keys; at most this many. */
  limit: number;
  sort?: 'count' | 'failures' | 'distinct';
}

export interface AggregateGroup {
  /** One per `by` field: the value as text (numbers and booleans by their JSON text), null if absent. */
  keys: Array<string | null>;
  count: number;
  /** Events with event.outcome = failure. */
  failures: number;
  distinct?: number;
  /** Earliest and latest @timestamp in the group, epoch ms. */
  first: number;
  last: number;
}

export interface HistogramRequest {
  predicate: Predicate;
  /** Bucket i covers [start + i * interval, start + (i + 1) * interval). */
  start: number;
  interval: number;
  from: number;
  to: number;
  failures?: boolean;
}

export interface HistogramBucket {
  start: number;
  count: number;
  failures?: number;
}

/**
 * Most distinct values of a CIDR block (SqlFilter.byValue) whose pages a store reads one by one:
 * each costs an index seek and at most a page of entries; a block with more is read as one range.
 */
export const MAX_PAGE_VALUES = 32;

/** A filter already compiled for the store's own dialect, with its parameters. */
export interface SqlFilter {
  sql: string;
  params: unknown[];
  /**
   * The same condition for a page read in time order, when the dialect has a better plan for that
   * (same placeholders, same parameters): SQLite scans the time index and tests full-text
   * candidates as a set instead of reading and sorting every candidate (sqlite-compiler.ts).
   */
  orderedSql?: string;
  /**
   * The condition as `column = value AND rest`, for a condition that is a CIDR block on an indexed
   * IP column (or has one among its top-level ANDs): a store may enumerate the column's distinct
   * values in [low, high] and merge one index-ordered page per value, rather than sort every entry
   * of a busy block (sqlite-store.ts). Bounds are in the dialect's stored form.
   */
  byValue?: { column: string; low: unknown; high: unknown; rest?: SqlFilter };
  /**
   * A full-text query whose matches include every event the condition matches (a term among its
   * top-level ANDs), and the condition without the full-text index (`exact`): SQLite reads a first
   * page from the term's newest candidates when that is provably the page (sqlite-store.ts).
   */
  newest?: { match: string; exact: SqlFilter };
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  scopes: string[];
  /** KDF output and parameters, `scrypt$N$r$p$salt$hash` (base64). */
  hash: string;
  created: number;
  revoked: number | null;
}

/** A stored alert (docs/detection.md): one rule + group, deduplicated within a window. */
export interface AlertRecord {
  id: number;
  ruleId: string | null;
  /** The rule's id, else its title: what dedup and suppression key on. */
  ruleKey: string;
  title: string;
  level: string | null;
  groupKey: string;
  group: Record<string, unknown> | null;
  status: 'open' | 'acknowledged' | 'closed';
  count: number;
  firstSeq: number;
  lastSeq: number;
  /** Event time of the first and last event, epoch ms. */
  firstTs: number;
  lastTs: number;
  created: number;
  updated: number;
}

export interface NewAlert {
  ruleKey: string;
  ruleId: string | null;
  title: string;
  level: string | null;
  groupKey: string;
  group: Record<string, unknown> | null;
  seq: number;
  ts: number;
}

/** One detection step, written in one transaction: alerts, first-seen keys, the cursor. */
export interface DetectionCommit {
  alerts: NewAlert[];
  /** Last ledger seq processed. */
  cursor: number;
  seen: string[];
  /** Sinks a new alert is queued for. */
  sinks: string[];
  dedupWindowMs: number;
  now: number;
}

export interface AlertFilter {
  status?: string;
  rule?: string;
  level?: string;
  /** Alerts updated at or after this time (epoch ms). */
  since?: number;
  /** Alerts with an id below this (newest first paging). */
  beforeId?: number;
  limit: number;
}

export interface AlertSuppression {
  ruleKey: string;
  /** null: every group of the rule. */
  groupKey: string | null;
  until: number;
  reason: string;
  created: number;
}

export interface AlertDelivery {
  id: number;
  alertId: number;
  sink: string;
  attempts: number;
  nextAttempt: number;
}

export interface DeliveryOutcome {
  id: number;
  delivered: boolean;
  attempts: number;
  nextAttempt: number;
  error: string | null;
  /** Give up: move to the dead-letter table. */
  dead: boolean;
  now: number;
}

/** Alert and detection state (docs/detection.md); a dialect that has it says so with isAlertStore. */
export interface AlertStore {
  readonly supportsAlerts: true;
  /** Detection state: alerts, first-seen keys and the cursor of live detection, in one transaction. */
  recordDetections(commit: DetectionCommit): Promise<{ created: number[]; merged: number[] }>;
  seenKeys(keys: readonly string[]): Promise<Set<string>>;
  listAlerts(filter: AlertFilter): Promise<AlertRecord[]>;
  getAlert(id: number): Promise<(AlertRecord & { seqs: number[] }) | undefined>;
  updateAlertStatus(id: number, status: AlertRecord['status'], now: number): Promise<AlertRecord | undefined>;
  putSuppression(s: AlertSuppression): Promise<void>;
  listSuppressions(now: number): Promise<AlertSuppression[]>;
  dueDeliveries(now: number, limit: number): Promise<AlertDelivery[]>;
  recordDelivery(outcome: DeliveryOutcome): Promise<void>;
  listDeadLetters(): Promise<Array<AlertDelivery & { error: string | null; created: number }>>;
  /**
   * Erasure of derived copies of personal values (user names, addresses): first-seen keys that
   * contain them are deleted, and alert groups and suppressions holding them read "[erased]".
   */
  eraseDerived(values: readonly string[], replacement: string): Promise<{ seen: number; alerts: number }>;
}

export function isAlertStore(store: object): store is AlertStore {
  return (store as Partial<AlertStore>).supportsAlerts === true;
}

/** Seqs [first, last] whose event bodies a retention run removed (compliance/retention.ts). */
export interface ExpiredRange {
  first: number;
  last: number;
  /** Seq of the `stele.retention` ledger event that lists this range: verify requires it. */
  record: number;
  /** When the bodies were removed, epoch ms. */
  expired: number;
}

/**
 * Retention (docs/compliance.md); a dialect that has it says so with isRetentionStore. Verification
 * accepts an event without body only inside a recorded range, so both methods are needed for
 * expiry to stay verifiable. SQLite and PostgreSQL both have it.
 */
export interface RetentionStore {
  readonly supportsRetention: true;
  /**
   * In one transaction: removes the content of every event in the ranges that still has a body
   * (body, seed, erased material, column values and source IP become NULL; full-text rows are
   * deleted), keeping seq, ts, received, source and the leaf hash, and records the ranges. Freed
   * bytes are overwritten, so the values cannot be read back from disk. Resolves to the number of
   * events whose body was removed. From then on search, count, aggregate, histogram and timeExtent
   * no longer see those events.
   */
  expireEvents(ranges: readonly ExpiredRange[]): Promise<number>;
  /** Every recorded range, by first seq. */
  listExpiredRanges(): Promise<ExpiredRange[]>;
}

export function isRetentionStore(store: object): store is RetentionStore {
  return (store as Partial<RetentionStore>).supportsRetention === true;
}

/** The migration that adds tree levels 4, 12, 20, ... (every 4th level stored instead of every 8th). */
export const NODE_LEVELS_MIGRATION = '0400-ledger-nodes-every-4th-level';

export interface Store {
  readonly dialect: string;
  /** Creates or upgrades the schema. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /**
   * Readies the events for queries after a bulk copy (`stele migrate`) where the dialect needs it:
   * PostgreSQL's planner statistics and visibility map (VACUUM (ANALYZE)). SQLite has neither.
   */
  analyze?(): Promise<void>;

  loadLedgerState(): Promise<LedgerState>;
  /** Seqs already stored for these producer keys (`id` + `seq`), keyed `${id}\u0000${seq}`. */
  findProducerDuplicates(keys: Array<{ id: string; seq: number }>): Promise<Map<string, number>>;
  /** Writes one batch durably; resolves only once it is on disk. */
  append(batch: AppendBatch): Promise<void>;

  getEvent(seq: number): Promise<EventRow | undefined>;
  /** Rows in seq order from `fromSeq` (inclusive), at most `limit`. */
  scanEvents(fromSeq: number, limit: number): Promise<EventRow[]>;
  /** Compiles a planned query for this dialect; undefined when it matches everything. */
  compileFilter(predicate: Predicate): SqlFilter | undefined;
  search(request: SearchRequest): Promise<EventRow[]>;
  /** Like search, reading only the content of events that still have one (exports). */
  searchContent(request: SearchRequest): Promise<EventContent[]>;
  /**
   * Where the next pages of a search end: the position of the `request.limit`-th match after
   * `request.after`, of the `2 * limit`-th, and so on for at most `pages` pages, the last match
   * closing a partial last page. Reads positions only, so an export can hand whole pages, bounded
   * on both sides (SearchRequest.through), to readers working side by side.
   */
  pageEnds(request: SearchRequest, pages: number): Promise<Array<{ ts: number; seq: number }>>;
  count(where: SqlFilter | undefined, from?: number, to?: number): Promise<number>;
  /** Exact group counts; also the totals of the matching events. */
  aggregate(
    request: AggregateRequest,
  ): Promise<{ groups: AggregateGroup[]; total: number; failures: number }>;
  /** Non-empty buckets only, in time order. */
  histogram(request: HistogramRequest): Promise<HistogramBucket[]>;
  /** Earliest and latest @timestamp of the matching events. */
  timeExtent(
    predicate: Predicate,
    from?: number,
    to?: number,
  ): Promise<{ min: number; max: number } | undefined>;

  /**
   * Replaces the content of erased events (body, column values, seed -> null, source IP -> null) in
   * one transaction, overwriting the freed bytes, so the old values cannot be read back from disk.
   */
  eraseEvents(updates: ErasureUpdate[]): Promise<void>;

  readNodes(ids: ReadonlyArray<{ level: number; index: number }>): Promise<Array<Buffer | undefined>>;
  /**
   * Every how many levels interior nodes are stored: 4 once migration NODE_LEVELS_MIGRATION has run,
   * 8 in a database written by an older Stele and opened read-only since.
   */
  storedLevelStride(): Promise<number>;
  latestCheckpoint(): Promise<CheckpointRecord | undefined>;
  listCheckpoints(): Promise<CheckpointRecord[]>;

  /** Small settings fixed when the ledger is created (origin, personal fields). */
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;

  putApiKey(key: ApiKeyRecord): Promise<void>;
  getApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(): Promise<ApiKeyRecord[]>;

  /** Bytes the database occupies on disk (or reports as its size). */
  sizeBytes(): Promise<number>;
}

/** Rebuilds the stored event from a row, or undefined when its body has expired. */
export function rowToEvent(
  row: Pick<EventRow, 'seq' | 'ts' | 'received' | 'source' | 'body' | 'columns'>,
): StoredEvent | undefined {
  if (row.body === null) return undefined;
  return decodeRow(row as RowParts); // the body is a string: no copy of the row to say so
}

/** A batch that does not start where the ledger ends (both dialects' writers refuse it). */
export function seqMismatch(next: number, first: number): StoreError {
  return new StoreError(`ledger moved under this writer: next seq is ${next}, batch starts at ${first}`);
}

/** A checkpoint that does not cover exactly the ledger its batch leaves. */
export function checkpointMismatch(checkpoint: number, size: number): StoreError {
  return new StoreError(
    `ledger moved under this writer: checkpoint of size ${checkpoint} but the ledger holds ${size}`,
  );
}
