// Derived fields the built-in rules read (docs/detection.md, "Derived fields"): facts that are not
// in one event alone. `detect.local_hour`/`local_weekday`/`off_hours` come from the event time in
// the configured time zone and working hours; `detect.first_seen_ip` from the logins seen before.

import { zoneFormatter, zoneOffsetAt } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';

export interface WorkingHours {
  /** ISO weekdays that are working days, 1 = Monday ... 7 = Sunday. */
  days: number[];
  /** Start and end of the working day, `HH:MM`, local time; end is exclusive. */
  start: string;
  end: string;
}

export const DEFAULT_WORKING_HOURS: WorkingHours = { days: [1, 2, 3, 4, 5], start: '08:00', end: '18:00' };

/** Keys of the first-seen state; synchronous so it can sit beside the detector. */
export interface SeenSet {
  has(key: string): boolean;
  add(key: string): void;
}

/** Successful logins whose source IP is tracked per user. */
export const LOGIN_ACTIONS = new Set([
  'ssh.login',
  'console.login',
  'ftp.login',
  'cloud.console_login',
  'cloud.root_login',
  'db.connect',
]);

export interface DerivedFields {
  local_hour?: number;
  local_weekday?: number;
  off_hours?: boolean;
  first_seen_ip?: boolean;
}

function minutes(hhmm: string, what: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  const h = Number(m?.[1]);
  const min = Number(m?.[2]);
  if (!m || h > 24 || min > 59 || h * 60 + min > 1440)
    throw new ConfigError(`detection.working_hours.${what}: '${hhmm}' is not HH:MM`);
  return h * 60 + min;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Hours whose offsets localClock remembers (about a year's worth). */
const MAX_HOURS = 8192;

export interface LocalClock {
  /** Minutes since local midnight. */
  minute: number;
  /** ISO weekday, 1 = Monday ... 7 = Sunday. */
  weekday: number;
}

/**
 * Local time of day and weekday in one IANA zone. The zone's offset from UTC is read once per UTC
 * hour: when it is the same at both ends of the hour, every instant of the hour has it (offsets
 * change months apart, never twice within an hour). An hour with a change in it, or a date
 * before the year 1 AD, is read minute by minute.
 */
export function localClock(timezone: string): (ms: number) => LocalClock {
  const zone = zoneFormatter(timezone);
  const offsetAt = (ms: number): number => zoneOffsetAt(zone, ms);
  const fromOffset = (ms: number, offset: number): LocalClock => {
    const local = ms + offset;
    const days = Math.floor(local / DAY);
    // 1970-01-01 was a Thursday (ISO weekday 4).
    return { minute: Math.floor((local - days * DAY) / MINUTE), weekday: ((((days + 3) % 7) + 7) % 7) + 1 };
  };
  // Offsets of the hours seen, NaN for an hour with a change in it: events from several sources
  // interleave hours, so one remembered hour is not enough.
  const hourOffsets = new Map<number, number>();
  let minuteKey = NaN;
  let minuteClock: LocalClock = { minute: 0, weekday: 1 };
  let plain: Intl.DateTimeFormat | undefined;
  return (ms) => {
    const hour = Math.floor(ms / HOUR);
    let hourOffset = hourOffsets.get(hour);
    if (hourOffset === undefined) {
      const first = offsetAt(hour * HOUR);
      hourOffset = first === offsetAt(hour * HOUR + HOUR - 1000) ? first : NaN;
      if (hourOffsets.size >= MAX_HOURS) hourOffsets.clear();
      hourOffsets.set(hour, hourOffset);
    }
    if (!Number.isNaN(hourOffset)) return fromOffset(ms, hourOffset);
    const minute = Math.floor(ms / MINUTE);
    if (minute !== minuteKey) {
      const offset = offsetAt(ms);
      minuteClock = Number.isNaN(offset) ? intlClock(ms) : fromOffset(ms, offset);
      minuteKey = minute;
    }
    return minuteClock;
  };

  /** The clock read from Intl alone, for dates before the year 1 AD. */
  function intlClock(ms: number): LocalClock {
    plain ??= new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
    const p: Record<string, string> = {};
    for (const part of plain.formatToParts(ms)) p[part.type] = part.value;
    return { minute: Number(p.hour) * 60 + Number(p.minute), weekday: WEEKDAYS[p.weekday ?? ''] ?? 0 };
  }
}

export interface DeriverOptions {
  timezone?: string;
  workingHours?: WorkingHours;
  seen?: SeenSet;
}

/** A bounded in-memory SeenSet (oldest keys forgotten first), for `stele detect`. */
export function memorySeenSet(max = 1_000_000): SeenSet {
  const keys = new Set<string>();
  return {
    has: (k) => keys.has(k),
    add(k) {
      if (keys.size >= max) keys.delete(keys.values().next().value as string);
      keys.add(k);
    },
  };
}

export const seenUserKey = (user: string): string => `u\u0000${user}`;
export const seenPairKey = (user: string, ip: string): string => `p\u0000${user}\u0000${ip}`;

/** The login (user, ip) of an event that the first-seen state tracks, if any. */
export function trackedLogin(event: Record<string, unknown>): { user: string; ip: string } | undefined {
  const ev = event.event as Record<string, unknown> | undefined;
  if (ev?.outcome !== 'success' || !LOGIN_ACTIONS.has(ev.action as string)) return undefined;
  const user = (event.user as Record<string, unknown> | undefined)?.name;
  const ip = (event.source as Record<string, unknown> | undefined)?.ip;
  return typeof user === 'string' && typeof ip === 'string' ? { user, ip } : undefined;
}

/** Returns a function computing an event's derived fields (and updating the first-seen state). */
export function createDeriver(
  options: DeriverOptions = {},
): (event: Record<string, unknown>) => DerivedFields {
  const hours = options.workingHours ?? DEFAULT_WORKING_HOURS;
  const start = minutes(hours.start, 'start');
  const end = minutes(hours.end, 'end');
  for (const d of hours.days) {
    if (!Number.isInteger(d) || d < 1 || d > 7)
      throw new ConfigError(`detection.working_hours.days: ${d} is not an ISO weekday (1-7)`);
  }
  const days = new Set(hours.days);
  const clock = localClock(options.timezone ?? 'UTC');
  const seen = options.seen ?? memorySeenSet();
  return (event) => {
    const out: DerivedFields = {};
    const ts = event['@timestamp'];
    const ms = typeof ts === 'string' ? Date.parse(ts) : NaN;
    if (!Number.isNaN(ms)) {
      const local = clock(ms);
      const inHours =
        days.has(local.weekday) &&
        (start <= end
          ? local.minute >= start && local.minute < end
          : local.minute >= start || local.minute < end);
      out.local_hour = Math.floor(local.minute / 60);
      out.local_weekday = local.weekday;
      out.off_hours = !inHours;
    }
    const login = trackedLogin(event);
    if (login) {
      const pair = seenPairKey(login.user, login.ip);
      const userKey = seenUserKey(login.user);
      const knownUser = seen.has(userKey);
      const knownPair = seen.has(pair);
      out.first_seen_ip = knownUser && !knownPair;
      if (!knownUser) seen.add(userKey);
      if (!knownPair) seen.add(pair);
    }
    return out;
  };
}
