// How an event is laid out in a row. Fields that have an indexed column are stored only there and
// left out of the JSON body, so a value is not stored twice; Stele's own seq, received and source
// are columns too, and so is `@timestamp` (the `ts` column) whenever the column gives it back exactly. decodeRow puts everything back, and is the one way a stored event is read, by
// the API, the ledger hasher and the verifier alike.

import { formatTimestamp, isoTimestamp } from '../core/clock.js';
import type { AuditEvent, StoredEvent } from '../core/event.js';
import { Utf8Builder } from '../core/utf8-builder.js';
import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
} from '../core/json-chars.js';

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
  event.stele = storedStele(event.stele, row);
  return event as StoredEvent;
}

/**
 * The `stele` object of a stored event: the sender's own members (a producer) if `own` is an
 * object, then seq, received and source from the row, whatever the sender put there.
 */
export function storedStele(
  own: unknown,
  row: Pick<RowParts, 'seq' | 'received' | 'source'>,
): StoredEvent['stele'] {
  return {
    ...(isObj(own) ? own : {}),
    seq: row.seq,
    received: receivedText(row.received),
    source: row.source,
  };
}

/**
 * The JSON text of the stored event, byte for byte `JSON.stringify(decodeRow(row))`, spliced into
 * the stored body text instead of parsing and re-serializing it (exports write millions of these).
 * The body is JSON.stringify output, so re-serializing it would give the same text; only the
 * column values and Stele's own fields are inserted, where decodeRow puts them: at the end of their
 * object, or in an object appended at the end. A body of another shape takes the slow way.
 */
export function eventJson(row: RowParts): string {
  const out = new Utf8Builder(row.body.length * 2);
  appendEventJson(row, out);
  return out.take().toString('utf8');
}

/**
 * eventJson written onto `out`, for a caller that writes many events at once (an export page): the
 * body is encoded once and its pieces moved into place around the inserted members.
 */
export function appendEventJson(row: RowParts, out: Utf8Builder): void {
  if (!spliceColumns(row, out)) out.push(JSON.stringify(decodeRow(row)));
}

/** Top-level objects the columns go into, by key, in COLUMN_FIELDS order and then `stele`. */
const SPLICED = ['event', 'user', 'host', 'session', 'stele'] as const;
/** Which SPLICED object each of COLUMN_FIELDS goes into. */
const PARENT_OF = COLUMN_FIELDS.map(([parent]) => SPLICED.indexOf(parent));
/** The COLUMN_FIELDS indexes of each SPLICED object's members. */
const COLUMNS_OF = SPLICED.map((_, k) => PARENT_OF.flatMap((parent, i) => (parent === k ? [i] : [])));
const STELE = SPLICED.indexOf('stele');
/** Member names as written: first in their object, or after another member. */
const MEMBER_OF = COLUMN_FIELDS.map(([, key]) => `"${key}":`);
const NEXT_MEMBER_OF = MEMBER_OF.map((member) => ',' + member);
/** The opening of a SPLICED object appended at the end of the body. */
const OBJECT_OF = SPLICED.map((name) => `"${name}":{`);
const NEXT_OBJECT_OF = OBJECT_OF.map((open) => ',' + open);

/** Arrival times repeat for a whole batch: the ISO text of the last one is kept. */
let lastReceived = NaN;
let lastReceivedText = '';

function receivedText(received: number): string {
  if (received !== lastReceived) {
    lastReceivedText = formatTimestamp(received);
    lastReceived = received;
  }
  return lastReceivedText;
}

function spliceColumns(row: RowParts, out: Utf8Builder): boolean {
  const body = row.body;
  const ends = topLevelObjectEnds(body);
  if (ends === undefined) return false;
  // decodeRow restores a @timestamp that the body left to the ts column as the event's first key,
  // which JSON.stringify writes after any integer-like key: such a body takes the slow way.
  let stamp: string | undefined;
  if (ends[HAS_TIMESTAMP] === -1) {
    stamp = isoTimestamp(row.ts);
    if (stamp === undefined || ends[INDEX_KEY_FIRST] !== -1) return false;
  }
  // The SPLICED objects that get members, as bits: those with a column value, and `stele` always.
  let pending = 1 << STELE;
  for (let i = 0; i < PARENT_OF.length; i++) {
    if (row.columns[i] !== null && row.columns[i] !== undefined) pending |= 1 << PARENT_OF[i]!;
  }
  out.beginSplice(body);
  if (stamp !== undefined) {
    out.spliceTo(1);
    out.push('"@timestamp":"');
    out.push(stamp);
    out.push(body.length > 2 ? '",' : '"');
  }
  // Present objects get their members before their closing brace, in body order.
  for (;;) {
    let next = -1;
    for (let k = 0; k < SPLICED.length; k++) {
      if ((pending & (1 << k)) !== 0 && ends[k]! !== -1 && (next < 0 || ends[k]! < ends[next]!)) next = k;
    }
    if (next < 0) break;
    const at = ends[next]!;
    out.spliceTo(at);
    pushMembers(row, next, body.charCodeAt(at - 1) !== OPEN_BRACE, out);
    pending &= ~(1 << next);
  }
  // Absent ones are appended, in SPLICED order, before the body's own closing brace.
  const last = body.length - 1;
  out.spliceTo(last);
  let comma = stamp !== undefined || body.charCodeAt(last - 1) !== OPEN_BRACE;
  for (let k = 0; k < SPLICED.length; k++) {
    if ((pending & (1 << k)) === 0) continue;
    out.push(comma ? NEXT_OBJECT_OF[k]! : OBJECT_OF[k]!);
    pushMembers(row, k, false, out);
    out.push('}');
    comma = true;
  }
  out.endSplice();
  return true;
}

/** The members SPLICED object `k` gets from the row, as decodeRow sets them. */
function pushMembers(row: RowParts, k: number, comma: boolean, out: Utf8Builder): void {
  if (k === STELE) {
    out.push(comma ? ',"seq":' : '"seq":');
    out.push(String(row.seq));
    out.push(',"received":"');
    out.push(receivedText(row.received));
    out.push('","source":');
    out.pushJsonString(row.source);
    return;
  }
  for (const i of COLUMNS_OF[k]!) {
    const value = row.columns[i];
    if (value === null || value === undefined) continue;
    out.push(comma ? NEXT_MEMBER_OF[i]! : MEMBER_OF[i]!);
    out.pushJsonString(value);
    comma = true;
  }
}

/** Slots of topLevelObjectEnds after the SPLICED ones: where a top-level `@timestamp` key is, and
 * whether the first key is an array index (JSON.stringify writes those first). */
const HAS_TIMESTAMP = SPLICED.length;
const INDEX_KEY_FIRST = SPLICED.length + 1;
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/**
 * Closing-brace positions of the spliced top-level objects in compact JSON text (-1: key absent),
 * then the HAS_TIMESTAMP and INDEX_KEY_FIRST slots (-1: no), or undefined when the text is not
 * what JSON.stringify makes of an object with such keys as plain objects (whitespace, an escaped or
 * repeated key, a non-object value under one of them).
 */
function topLevelObjectEnds(s: string): number[] | undefined {
  const ends = [-1, -1, -1, -1, -1, -1, -1];
  if (s.charCodeAt(0) !== OPEN_BRACE || s.charCodeAt(s.length - 1) !== CLOSE_BRACE) return undefined;
  if (s.length === 2) return ends;
  let i = 1;
  for (;;) {
    if (s.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = stringEnd(s, i);
    if (keyEnd < 0 || s.charCodeAt(keyEnd + 1) !== COLON) return undefined;
    const key = s.slice(i + 1, keyEnd);
    if (key === '@timestamp') ends[HAS_TIMESTAMP] = i;
    if (i === 1 && ARRAY_INDEX.test(key) && Number(key) < 2 ** 32 - 1) ends[INDEX_KEY_FIRST] = i;
    const valueStart = keyEnd + 2;
    const valueEnd = valueEndAt(s, valueStart);
    if (valueEnd < 0) return undefined;
    const k = splicedKey(s, i + 1, keyEnd);
    if (k >= 0) {
      if (ends[k] !== -1 || s.charCodeAt(valueStart) !== OPEN_BRACE) return undefined;
      ends[k] = valueEnd - 1;
    } else if (k === ESCAPED_KEY) {
      return undefined;
    }
    const next = s.charCodeAt(valueEnd);
    if (next === CLOSE_BRACE) return valueEnd === s.length - 1 ? ends : undefined;
    if (next !== COMMA) return undefined;
    i = valueEnd + 1;
  }
}

const ESCAPED_KEY = -2;

/** The SPLICED index of the key text s[start, end), -1 for another key, ESCAPED_KEY if escaped. */
function splicedKey(s: string, start: number, end: number): number {
  const length = end - start;
  if (length >= 4 && length <= 7) {
    for (let k = 0; k < SPLICED.length; k++) {
      if (SPLICED[k]!.length === length && s.startsWith(SPLICED[k]!, start)) return k;
    }
  }
  // An escaped key could spell one of ours (JSON.stringify never escapes these letters).
  const slash = s.indexOf('\\', start);
  return slash >= 0 && slash < end ? ESCAPED_KEY : -1;
}

/** Index of the quote closing the string that opens at `start`, or -1. */
function stringEnd(s: string, start: number): number {
  let j = start;
  for (;;) {
    j = s.indexOf('"', j + 1);
    if (j < 0) return -1;
    let k = j - 1;
    while (s.charCodeAt(k) === BACKSLASH) k--;
    if ((j - 1 - k) % 2 === 0) return j;
  }
}

/** Index just past the JSON value that starts at `start`, or -1. */
function valueEndAt(s: string, start: number): number {
  const c = s.charCodeAt(start);
  if (c === QUOTE) {
    const end = stringEnd(s, start);
    return end < 0 ? -1 : end + 1;
  }
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (let j = start; j < s.length; j++) {
      const d = s.charCodeAt(j);
      if (d === QUOTE) {
        j = stringEnd(s, j);
        if (j < 0) return -1;
      } else if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        if (--depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = start;
  while (j < s.length) {
    const d = s.charCodeAt(j);
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET) break;
    j++;
  }
  return j === start ? -1 : j;
}
