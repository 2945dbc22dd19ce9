// Timestamps of syslog-style logs: the year-less BSD form (`Mmm dd hh:mm:ss`, RFC 3164 4.1.2) read in
// an IANA zone with the year inferred from a reference time, and the RFC 3339 forms rsyslog writes.

import { formatTimestamp, zoneFormatter, zoneOffsetAt } from '../core/clock.js';

const MONTHS: Record<string, number> = {
  Jan: 1,
  Feb: 2,
  Mar: 3,
  Apr: 4,
  May: 5,
  Jun: 6,
  Jul: 7,
  Aug: 8,
  Sep: 9,
  Oct: 10,
  Nov: 11,
  Dec: 12,
};

/** A wall-clock time without year or zone, as a BSD syslog header gives it. */
export interface BsdTime {
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** Index just after the timestamp (spaces after it not included). */
  end: number;
}

/** Month numbers by the three letters of their name, as char codes packed in one number. */
const MONTHS_BY_CODE = new Map(
  Object.entries(MONTHS).map(([name, n]) => [
    monthCode(name.charCodeAt(0), name.charCodeAt(1), name.charCodeAt(2)),
    n,
  ]),
);

function monthCode(a: number, b: number, c: number): number {
  return (a << 16) | (b << 8) | c;
}

/** The value of the digit at `i`, or -1. */
function digitAt(text: string, i: number): number {
  const c = text.charCodeAt(i) - 0x30;
  return c >= 0 && c <= 9 ? c : -1;
}

/** The two-digit number at `i`, or -1. */
function twoDigitsAt(text: string, i: number): number {
  const a = digitAt(text, i);
  const b = digitAt(text, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * Reads `Mmm dd hh:mm:ss[.frac]` at `pos` (one or two spaces before the day, which syslogd pads
 * with a space: "Jul  7"; some writers use "Jul 7" or "07"; up to nine fraction digits, of which
 * milliseconds are kept); undefined if absent or out of range. Read character by character: a
 * regular expression with its captures cost a fifth of the whole parse of an sshd line.
 */
export function matchBsdTime(text: string, pos: number): BsdTime | undefined {
  const month = MONTHS_BY_CODE.get(
    monthCode(text.charCodeAt(pos), text.charCodeAt(pos + 1), text.charCodeAt(pos + 2)),
  );
  if (month === undefined || text.charCodeAt(pos + 3) !== 0x20) return undefined;
  let i = pos + 4;
  if (text.charCodeAt(i) === 0x20) i++;
  let day = digitAt(text, i++);
  if (day < 0) return undefined;
  const second = digitAt(text, i);
  if (second >= 0) {
    day = day * 10 + second;
    i++;
  }
  if (text.charCodeAt(i) !== 0x20) return undefined;
  const hour = twoDigitsAt(text, i + 1);
  const minute = twoDigitsAt(text, i + 4);
  const sec = twoDigitsAt(text, i + 7);
  if (hour < 0 || minute < 0 || sec < 0) return undefined;
  if (text.charCodeAt(i + 3) !== 0x3a || text.charCodeAt(i + 6) !== 0x3a) return undefined;
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60) return undefined;
  i += 9;
  let millisecond = 0;
  if (text.charCodeAt(i) === 0x2e && digitAt(text, i + 1) >= 0) {
    let digits = 0;
    for (i++; digits < 9 && digitAt(text, i) >= 0; i++, digits++) {
      if (digits < 3) millisecond = millisecond * 10 + digitAt(text, i);
    }
    for (; digits < 3; digits++) millisecond *= 10;
  }
  return { month, day, hour, minute, second: sec, millisecond, end: i };
}

/** An RFC 3339-like timestamp; `offsetMinutes` is undefined when the text carries no zone. */
export interface IsoTime {
  wall: number;
  offsetMinutes: number | undefined;
  end: number;
}

// rsyslog's RFC3339 template, journald's short-iso (offset without colon), or no zone at all.
const ISO_STAMP = /(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?/y;

/** Reads an ISO 8601 / RFC 3339 date-time at `pos`; `wall` is the written time as if it were UTC. */
export function matchIsoTime(text: string, pos: number): IsoTime | undefined {
  ISO_STAMP.lastIndex = pos;
  const m = ISO_STAMP.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const wall =
    Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), ms) + (second === 60 ? 1000 : 0);
  return { wall, offsetMinutes: parseOffset(m[8]), end: ISO_STAMP.lastIndex };
}

function parseOffset(zone: string | undefined): number | undefined {
  if (zone === undefined) return undefined;
  if (zone === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2));
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Converts wall-clock times of one IANA zone to epoch ms and infers missing years. */
export interface ZoneClock {
  readonly timezone: string;
  /** Epoch ms of a wall-clock time (expressed as a UTC epoch) in this zone. */
  wallToEpoch(wall: number): number;
  /**
   * Epoch ms of a year-less time: the latest year that puts it no more than `FUTURE_SLACK_MS` after
   * the reference time (a Dec 31 line read on Jan 1 is last year's; a Jan 1 line read on Dec 31 at
   * 23:59 is next year's, as a fast sender clock would write it). Undefined if the date never exists
   * in the years tried (Feb 30).
   */
  resolve(time: BsdTime): number | undefined;
  /** RFC 3339 UTC with milliseconds (`@timestamp`); the last value is cached, as lines come in bursts. */
  format(epoch: number): string;
}

/** How far in the future of the reference time a year-less timestamp may fall: about a month. */
export const FUTURE_SLACK_MS = 31 * 24 * 3600 * 1000;
const HOUR_MS = 3600 * 1000;
// Offsets are cached per wall-clock hour; zone transitions happen on the hour in practice.
const CACHE_LIMIT = 4096;

export function createZoneClock(now: number, timezone = 'UTC'): ZoneClock {
  const isUtc = timezone === 'UTC' || timezone === 'Etc/UTC';
  const zone = isUtc ? undefined : zoneFormatter(timezone);
  const offsets = new Map<number, number>();

  const offsetAt = (epoch: number): number => (zone ? zoneOffsetAt(zone, epoch) : 0);

  const wallToEpoch = (wall: number): number => {
    if (!zone) return wall;
    const hour = Math.floor(wall / HOUR_MS);
    let offset = offsets.get(hour);
    if (offset === undefined) {
      const first = offsetAt(hour * HOUR_MS);
      const second = offsetAt(hour * HOUR_MS - first);
      offset = second;
      if (offsets.size >= CACHE_LIMIT) offsets.clear();
      offsets.set(hour, offset);
    }
    return wall - offset;
  };

  const nowYear = new Date(now + offsetAt(now)).getUTCFullYear();
  const resolve = (t: BsdTime): number | undefined => {
    // Feb 29 may need to go back up to 8 years (1900-style century gaps) to find a leap year.
    for (let year = nowYear + 1; year >= nowYear - 8; year--) {
      if (t.day > daysInMonth(year, t.month)) continue;
      const wall = Date.UTC(
        year,
        t.month - 1,
        t.day,
        t.hour,
        t.minute,
        Math.min(t.second, 59),
        t.millisecond,
      );
      const epoch = wallToEpoch(wall) + (t.second === 60 ? 1000 : 0);
      if (epoch <= now + FUTURE_SLACK_MS) return epoch;
    }
    return undefined;
  };

  let lastEpoch = NaN;
  let lastText = '';
  const format = (epoch: number): string => {
    if (epoch !== lastEpoch) {
      lastText = formatTimestamp(epoch);
      lastEpoch = epoch;
    }
    return lastText;
  };

  return { timezone, wallToEpoch, resolve, format };
}

/**
 * The timestamp a log line starts with at `pos`: the BSD form, else RFC 3339, with where it ends;
 * `epoch` is undefined for a BSD date no year has (Feb 30). Undefined if neither form is there.
 */
export function readLogTime(
  text: string,
  pos: number,
  clock: ZoneClock,
): { epoch: number | undefined; end: number } | undefined {
  const bsd = matchBsdTime(text, pos);
  if (bsd) return { epoch: clock.resolve(bsd), end: bsd.end };
  const iso = matchIsoTime(text, pos);
  return iso ? { epoch: isoToEpoch(iso, clock), end: iso.end } : undefined;
}

/** Epoch ms of an ISO timestamp; zone-less ones are read in the clock's zone. */
export function isoToEpoch(time: IsoTime, clock: ZoneClock): number {
  if (time.offsetMinutes === undefined) return clock.wallToEpoch(time.wall);
  return time.wall - time.offsetMinutes * 60_000;
}
