// Time values of queries and API parameters: RFC 3339, date-only, and Elasticsearch-style date math
// relative to an injected `now` (`now-24h`, `now/d`, `2024-05-01||+1M/M`). All calendar work is UTC.

import { ValidationError } from '../core/errors.js';

/** The [start, end) epoch-ms interval a time value denotes: a day for `2024-05-01`, 1 ms for `now`. */
export interface TimeSpan {
  start: number;
  end: number;
}

type Unit = 'y' | 'M' | 'w' | 'd' | 'h' | 'm' | 's' | 'ms';

const FIXED_MS: Record<Exclude<Unit, 'y' | 'M'>, number> = {
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};
/** Largest |epoch ms| a JavaScript Date can hold (ECMA-262 21.4.1.1). */
const MAX_TIME = 8.64e15;

const ABSOLUTE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})?)?$/;
const MATH_OP = /([+-])(\d{1,9})([yMwdhHms])|\/([yMwdhHms])/gy;

/**
 * Resolves a time value to epoch ms: the start of the span it denotes, or with `roundUp` its last
 * millisecond (so `now/d` is today 00:00:00.000, or 23:59:59.999 rounded up). Throws ValidationError.
 */
export function resolveTime(value: string, now: number, options: { roundUp?: boolean } = {}): number {
  const span = resolveTimeSpan(value, now);
  if (span === undefined) {
    throw new ValidationError(
      `'${value.slice(0, 64)}' is not a time: expected RFC 3339 (2024-05-01T12:00:00Z), a date (2024-05-01) or now-15m, now/d`,
    );
  }
  return options.roundUp ? span.end - 1 : span.start;
}

/** The span a time value denotes, or undefined when it is not a time. */
export function resolveTimeSpan(value: string, now: number): TimeSpan | undefined {
  const [anchor, math, extra] = value.startsWith('now') ? ['now', value.slice(3)] : value.split('||');
  if (anchor === undefined || extra !== undefined || !Number.isFinite(now)) return undefined;
  const base: Span | undefined = anchor === 'now' ? { start: now, unit: 'ms' } : parseAbsolute(anchor);
  if (base === undefined) return undefined;
  const span = applyMath(base, math ?? '');
  if (span === undefined) return undefined;
  const end = add(span.start, span.unit, 1);
  if (!inRange(span.start) || !inRange(end)) return undefined;
  return { start: span.start, end };
}

/** Parses an absolute time (RFC 3339, or date-only, or without offset meaning UTC) to epoch ms. */
export function parseTime(value: string): number | undefined {
  return parseAbsolute(value)?.start;
}

interface Span {
  start: number;
  /** The precision of the value: the span is [start, start + 1 unit). */
  unit: Unit;
}

function parseAbsolute(value: string): Span | undefined {
  const m = ABSOLUTE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (Number(h ?? 0) > 23 || Number(mi ?? 0) > 59 || Number(s ?? 0) > 60) return undefined;
  const offset = zoneOffsetMinutes(zone);
  if (offset === undefined) return undefined;
  const millis = frac === undefined ? 0 : Math.trunc(Number(`0${frac}`) * 1000);
  const second = Number(s ?? 0);
  // A leap second (:60) counts as the first second of the next minute.
  const date = new Date(
    Date.UTC(2000, month - 1, day, Number(h ?? 0), Number(mi ?? 0), Math.min(second, 59), millis),
  );
  date.setUTCFullYear(year); // after Date.UTC, which maps years 0-99 to 1900-1999
  const start = date.getTime() + (second === 60 ? 1000 : 0) - offset * 60_000;
  const unit: Unit = h === undefined ? 'd' : s === undefined ? 'm' : frac === undefined ? 's' : 'ms';
  return inRange(start) ? { start, unit } : undefined;
}

function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 23 || minutes > 59) return undefined;
  return (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

// A sequence of `+N unit`, `-N unit` and `/unit` (round down to the unit), applied left to right.
function applyMath(base: Span, math: string): Span | undefined {
  let span = base;
  MATH_OP.lastIndex = 0;
  while (MATH_OP.lastIndex < math.length) {
    const op = MATH_OP.exec(math);
    if (op === null) return undefined;
    const [, sign, amount, addUnit, roundUnit] = op;
    if (roundUnit !== undefined) {
      const unit = normalizeUnit(roundUnit);
      span = { start: floorTo(span.start, unit), unit };
    } else {
      const n = Number(amount) * (sign === '-' ? -1 : 1);
      span = { start: add(span.start, normalizeUnit(addUnit ?? 's'), n), unit: span.unit };
    }
    if (!inRange(span.start)) return undefined;
  }
  return span;
}

function normalizeUnit(unit: string): Unit {
  return unit === 'H' ? 'h' : (unit as Unit);
}

function add(ms: number, unit: Unit, n: number): number {
  if (unit === 'y') return addMonths(ms, 12 * n);
  if (unit === 'M') return addMonths(ms, n);
  return ms + n * FIXED_MS[unit];
}

// Calendar months, clamping the day: 2024-03-31 minus 1M is 2024-02-29 (as Elasticsearch does).
function addMonths(ms: number, n: number): number {
  const date = new Date(ms);
  const total = date.getUTCFullYear() * 12 + date.getUTCMonth() + n;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const day = Math.min(date.getUTCDate(), daysInMonth(year, month + 1));
  if (!Number.isFinite(year) || Math.abs(year) > 300_000) return NaN;
  date.setUTCFullYear(year, month, day);
  return date.getTime();
}

function floorTo(ms: number, unit: Unit): number {
  const date = new Date(ms);
  if (unit === 'y' || unit === 'M') {
    const month = unit === 'y' ? 0 : date.getUTCMonth();
    const start = new Date(0);
    start.setUTCFullYear(date.getUTCFullYear(), month, 1);
    return start.getTime();
  }
  if (unit === 'w') {
    const day = floorTo(ms, 'd');
    const sinceMonday = (new Date(day).getUTCDay() + 6) % 7; // ISO 8601 weeks start on Monday
    return day - sinceMonday * FIXED_MS.d;
  }
  const size = FIXED_MS[unit];
  return Math.floor(ms / size) * size;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function inRange(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_TIME;
}
