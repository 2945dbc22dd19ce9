// Admission checks for one incoming event: shape (from the schema), nesting depth and timestamp.
// Returns a normalized copy or the first problem, named by field.

import { TypeCompiler } from '@sinclair/typebox/compiler';
import { formatTimestamp } from './clock.js';
import { AuditEventSchema, MAX_EVENT_DEPTH, type AuditEvent } from './event.js';

const checker = TypeCompiler.Compile(AuditEventSchema);

export interface FieldProblem {
  field: string;
  message: string;
}

/** On success, `ts` is `@timestamp` in epoch milliseconds. */
export type Validated = { ok: true; event: AuditEvent; ts: number } | ({ ok: false } & FieldProblem);

// RFC 3339 section 5.6 date-time; lower-case t/z and a space separator are allowed by its note.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 timestamp to epoch milliseconds, or returns undefined.
 * Sub-millisecond digits are truncated; a leap second (:60) is accepted as the next second.
 */
export function parseRfc3339(value: string): number | undefined {
  return readRfc3339(value)?.ms;
}

/**
 * parseRfc3339, and whether `value` is already in the form validation gives `@timestamp` (UTC with
 * milliseconds, `formatTimestamp`), as nearly every sender writes it: then it is kept as it came.
 */
function readRfc3339(value: string): { ms: number; canonical: boolean } | undefined {
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || second > 60) return undefined;
  // Date.UTC reads years 0-99 as 1900-1999: those take Date.parse below.
  if (value[10] === 'T' && zone === 'Z' && fraction?.length === 4 && second < 60 && year >= 100) {
    const ms = Date.UTC(year, month - 1, day, Number(h), Number(mi), second, Number(fraction.slice(1)));
    return { ms, canonical: true };
  }
  const ms = Date.parse(value.replace(' ', 'T').replace(/:60(?=[.Zz+-])/, ':59'));
  if (Number.isNaN(ms)) return undefined;
  return { ms: second === 60 ? ms + 1000 : ms, canonical: false };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Depth of nested objects and arrays, computed without recursion; stops counting past `limit`. */
export function nestingDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return max;
}

function pointerToField(path: string): string {
  return path
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

/** Validates and normalizes one event: `@timestamp` becomes UTC with milliseconds. */
export function validateEvent(input: unknown): Validated {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, field: '', message: 'an event must be a JSON object' };
  }
  if (nestingDepth(input, MAX_EVENT_DEPTH) > MAX_EVENT_DEPTH) {
    return { ok: false, field: '', message: `nested deeper than ${MAX_EVENT_DEPTH} levels` };
  }
  const event = input as Record<string, unknown>;
  if (event['@timestamp'] === undefined) return { ok: false, field: '@timestamp', message: 'required' };
  if (!checker.Check(input)) {
    const first = checker.Errors(input).First();
    const field = first ? pointerToField(first.path) : '';
    return { ok: false, field, message: first ? describe(first.message, first.value) : 'invalid' };
  }
  const stamp = event['@timestamp'] as string;
  const read = readRfc3339(stamp);
  if (read === undefined) {
    return {
      ok: false,
      field: '@timestamp',
      message: 'not an RFC 3339 date-time (e.g. 2026-01-31T12:00:00Z)',
    };
  }
  const normalized = read.canonical ? stamp : formatTimestamp(read.ms);
  return { ok: true, event: { ...(input as AuditEvent), '@timestamp': normalized }, ts: read.ms };
}

function describe(message: string, value: unknown): string {
  const got = value === undefined ? 'missing' : Array.isArray(value) ? 'array' : typeof value;
  return `${message.toLowerCase()} (got ${got})`;
}
