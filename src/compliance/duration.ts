// Retention periods and report intervals as written in the configuration: `400d`, `12mo`, `6y`,
// `24h`. Months and years are calendar months and years (UTC), as regulations count them.

import { ValidationError } from '../core/errors.js';

export interface Duration {
  amount: number;
  unit: 'h' | 'd' | 'mo' | 'y';
  text: string;
}

const PATTERN = /^(\d{1,5})(h|d|mo|y)$/;

export function parseDuration(text: string, what = 'duration'): Duration {
  const m = PATTERN.exec(text.trim());
  if (!m || Number(m[1]) === 0) {
    throw new ValidationError(`${what}: '${text}' is not a period like 24h, 400d, 12mo or 6y`);
  }
  return { amount: Number(m[1]), unit: m[2] as Duration['unit'], text: text.trim() };
}

/** The instant `d` before `now` (epoch ms). */
export function subtractDuration(now: number, d: Duration): number {
  const t = new Date(now);
  switch (d.unit) {
    case 'h':
      return now - d.amount * 3_600_000;
    case 'd':
      return now - d.amount * 86_400_000;
    case 'mo':
      t.setUTCMonth(t.getUTCMonth() - d.amount);
      return t.getTime();
    case 'y':
      t.setUTCFullYear(t.getUTCFullYear() - d.amount);
      return t.getTime();
  }
}

/** Approximate length in ms, to compare two periods (a month counted as 31 days, a year as 366). */
export function durationMs(d: Duration): number {
  const day = 86_400_000;
  return { h: 3_600_000, d: day, mo: 31 * day, y: 366 * day }[d.unit] * d.amount;
}
