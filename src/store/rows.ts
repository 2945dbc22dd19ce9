// Table rows as both dialects return them, and how they become records: one mapping for both.

import type { AlertRecord, ApiKeyRecord } from './store.js';

export interface RawKeyRow {
  id: string;
  name: string;
  scopes: string;
  hash: string;
  created: number;
  revoked: number | null;
}

export interface RawAlertRow {
  id: number;
  rule_id: string | null;
  rule_key: string;
  title: string;
  level: string | null;
  group_key: string;
  grp: string | null;
  status: AlertRecord['status'];
  count: number;
  first_seq: number;
  last_seq: number;
  first_ts: number;
  last_ts: number;
  created: number;
  updated: number;
}

export function toKey(row: RawKeyRow): ApiKeyRecord {
  return { ...row, scopes: row.scopes.split(',').filter(Boolean) };
}

export function toAlert(r: RawAlertRow): AlertRecord {
  return {
    id: r.id,
    ruleId: r.rule_id,
    ruleKey: r.rule_key,
    title: r.title,
    level: r.level,
    groupKey: r.group_key,
    group: r.grp === null ? null : (JSON.parse(r.grp) as Record<string, unknown>),
    status: r.status,
    count: r.count,
    firstSeq: r.first_seq,
    lastSeq: r.last_seq,
    firstTs: r.first_ts,
    lastTs: r.last_ts,
    created: r.created,
    updated: r.updated,
  };
}
