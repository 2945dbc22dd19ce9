// Admission checks for one incoming event: shape (from the schema), the length of fields it does not
// name, nesting depth and timestamp. Returns a normalized copy or the first problem, named by field.

import { TypeCompiler } from '@sinclair/typebox/compiler';
import { formatTimestamp } from './clock.js';
import {
  AuditEventSchema,
  FREE_TEXT_FIELDS,
  MAX_EVENT_DEPTH,
  MAX_FIELD_CHARS,
  MAX_TEXT_CHARS,
  type AuditEvent,
} from './event.js';

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

/** Whether any string value or field name in `value` is longer than `max`, without recursion. */
function hasLongerString(value: unknown, max: number): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.length > max) return true;
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
    } else if (v !== null && typeof v === 'object') {
      for (const key in v) {
        if (key.length > max) return true;
        stack.push((v as Record<string, unknown>)[key]);
      }
    }
  }
  return false;
}

/**
 * The first field, by dotted path, whose value or name is longer than an ordinary field may be (a
 * free-text field's value than MAX_TEXT_CHARS). The schema bounds the fields it names; this bounds
 * the unknown ones it keeps. Most events have no string that long: the path walk runs only then.
 */
function findOverlongField(event: object): FieldProblem | undefined {
  if (!hasLongerString(event, MAX_FIELD_CHARS)) return undefined;
  const stack: Array<[unknown, string]> = [[event, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const max = FREE_TEXT_FIELDS.has(path) ? MAX_TEXT_CHARS : MAX_FIELD_CHARS;
      if (v.length > max) return { field: path, message: `longer than ${max} characters` };
    } else if (v !== null && typeof v === 'object') {
      // Reversed onto the stack, so the first field in the event is reported first.
      for (const [key, child] of Object.entries(v).reverse()) {
        const field = path === '' ? key : `${path}.${key}`;
        if (key.length > MAX_FIELD_CHARS) {
          return {
            field: `${field.slice(0, 64)}...`,
            message: `field name longer than ${MAX_FIELD_CHARS} characters`,
          };
        }
        stack.push([child, field]);
      }
    }
  }
  return undefined;
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
  const overlong = findOverlongField(input);
  if (overlong) return { ok: false, ...overlong };
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

/**
 * validateEvent, unless `ts` says it was done already: an event a parser validated comes with its
 * `@timestamp` in epoch ms (ParseResult.ts) and is taken as it is, so no event is validated twice.
 */
export function validateOnce(event: unknown, ts: number | undefined): Validated {
  return ts === undefined ? validateEvent(event) : { ok: true, event: event as AuditEvent, ts };
}

function describe(message: string, value: unknown): string {
  const got = value === undefined ? 'missing' : Array.isArray(value) ? 'array' : typeof value;
  return `${message.toLowerCase()} (got ${got})`;
}
