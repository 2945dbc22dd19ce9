// Time as a dependency, so tests can pin it.

import { ConfigError } from './errors.js';

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function fixedClock(start: number, stepMs = 0): Clock {
  let t = start;
  return {
    now() {
      const v = t;
      t += stepMs;
      return v;
    },
  };
}

/** Last ms of 9999-12-31: past it (and before 1970) Date's own formatting is used. */
const MAX_FAST_MS = 253_402_300_799_999;
const DAY_MS = 86_400_000;

/**
 * RFC 3339 UTC with milliseconds, the one timestamp form Stele writes: exactly what
 * `new Date(ms).toISOString()` gives, and undefined where that would throw (an invalid time). Ingest
 * formats several per event; integer arithmetic does it in a fraction of Date's time for the years
 * 1970-9999.
 */
export function isoTimestamp(ms: number): string | undefined {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_FAST_MS) {
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  // Civil date from days since 1970-01-01 (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  return `${year}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** RFC 3339 UTC with milliseconds, the one timestamp form Stele writes (throws on an invalid time). */
export function formatTimestamp(ms: number): string {
  return isoTimestamp(ms) ?? new Date(ms).toISOString();
}

/**
 * A formatter of one IANA zone's wall-clock time to the second, for zoneOffsetAt. An unknown zone
 * is a ConfigError naming it.
 */
export function zoneFormatter(timezone: string): Intl.DateTimeFormat {
  // Making one takes about a millisecond, and live detection makes its clock once per batch.
  let format = zoneFormatters.get(timezone);
  if (format) return format;
  format = newZoneFormatter(timezone);
  if (zoneFormatters.size >= 64) zoneFormatters.clear();
  zoneFormatters.set(timezone, format);
  return format;
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function newZoneFormatter(timezone: string): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch (err) {
    throw new ConfigError(`timezone: '${timezone}' is not an IANA time zone`, { cause: err });
  }
}

/**
 * The zone's wall-clock time minus UTC at `ms`, in ms (whole seconds: some historical offsets have
 * seconds), from a zoneFormatter; NaN before the year 1 AD.
 */
export function zoneOffsetAt(zone: Intl.DateTimeFormat, ms: number): number {
  const p: Record<string, string> = {};
  for (const part of zone.formatToParts(ms)) p[part.type] = part.value;
  const year = Number(p.year);
  if (p.era !== 'AD' || !(year >= 1)) return NaN;
  // Date.UTC reads the years 0-99 as 1900-1999; 400 Gregorian years are exactly 146,097 days.
  const shift = year < 100 ? 400 : 0;
  const wall =
    Date.UTC(
      year + shift,
      Number(p.month) - 1,
      Number(p.day),
      Number(p.hour),
      Number(p.minute),
      Number(p.second),
    ) -
    shift * 146_097 * DAY_MS;
  return wall - Math.floor(ms / 1000) * 1000;
}
