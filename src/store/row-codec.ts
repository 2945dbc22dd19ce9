// How an event is laid out in a row. Fields that have an indexed column are stored only there and
// left out of the JSON body, so a value is not stored twice; Stele's own seq, received and source
// are columns too, and so is `@timestamp` (the `ts` column) whenever the column gives it back exactly. decodeRow puts everything back, and is the one way a stored event is read, by
// the API, the ledger hasher and the verifier alike.

import type { AuditEvent, StoredEvent } from '../core/event.js';

/** Body paths moved to columns, with the column key they go to. */
export const COLUMN_FIELDS = [
  ['event', 'action'],
  ['event', 'outcome'],
  ['event', 'dataset'],
  ['user', 'name'],
  ['host', 'name'],
  ['session', 'id'],
] as const;

export type ColumnValues = Array<string | null>;

export interface EncodedBody {
  body: string;
  /** Values of COLUMN_FIELDS, in order; null when absent. */
  columns: ColumnValues;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Splits an event into its JSON body and column values. `stele.seq`, `stele.received` and
 * `stele.source` are dropped (the caller stores them as columns). An object emptied by taking its
 * field out is dropped too, and recreated on decode. With `ts` (the row's `@timestamp` in epoch ms),
 * `@timestamp` is left out of the body when it is exactly `ts` in the form validation gives it (UTC
 * with milliseconds), so decoding restores the same string; any other spelling stays in the body.
 */
export function encodeBody(event: AuditEvent, ts?: number): EncodedBody {
  const copy: Obj = { ...event };
  if (ts !== undefined && copy['@timestamp'] === isoTimestamp(ts)) delete copy['@timestamp'];
  const columns: ColumnValues = [];
  for (const [parent, key] of COLUMN_FIELDS) {
    const obj = copy[parent];
    const value = isObj(obj) ? obj[key] : undefined;
    if (typeof value !== 'string' || !isObj(obj)) {
      columns.push(null);
      continue;
    }
    columns.push(value);
    const { [key]: _taken, ...rest } = obj;
    if (Object.keys(rest).length > 0) copy[parent] = rest;
    else delete copy[parent];
  }
  if (isObj(copy.stele)) {
    const { seq: _s, received: _r, source: _src, ...own } = copy.stele;
    if (Object.keys(own).length > 0) copy.stele = own;
    else delete copy.stele;
  }
  return { body: JSON.stringify(copy), columns };
}

export interface RowParts {
  seq: number;
  /** `@timestamp` in epoch ms: restores it when the body left it out. */
  ts: number;
  received: number;
  source: string;
  body: string;
  columns: ColumnValues;
}

export function decodeRow(row: RowParts): StoredEvent {
  const parsed = JSON.parse(row.body) as Obj;
  // Restored first, where an event's JSON usually has it; a body that kept its own spelling wins.
  const event =
    parsed['@timestamp'] === undefined ? { '@timestamp': isoTimestamp(row.ts), ...parsed } : parsed;
  COLUMN_FIELDS.forEach(([parent, key], i) => {
    const value = row.columns[i];
    if (value === null || value === undefined) return;
    const obj = isObj(event[parent]) ? (event[parent] as Obj) : (event[parent] = {});
    obj[key] = value;
  });
  event.stele = {
    ...(isObj(event.stele) ? event.stele : {}),
    seq: row.seq,
    received: new Date(row.received).toISOString(),
    source: row.source,
  };
  return event as StoredEvent;
}

/** `@timestamp` as validation writes it: RFC 3339 UTC with milliseconds. */
function isoTimestamp(ts: number): string | undefined {
  const date = new Date(ts);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
