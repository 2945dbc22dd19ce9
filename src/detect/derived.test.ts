import { describe, expect, it } from 'vitest';
import { createDeriver, localClock } from './derived.js';

/** The local minute of day and ISO weekday straight from Intl, as a reference. */
function reference(timezone: string, ms: number): { minute: number; weekday: number } {
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
  for (const p of format.formatToParts(ms)) parts[p.type] = p.value;
  const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  return {
    minute: Number(parts.hour) * 60 + Number(parts.minute),
    weekday: weekdays.indexOf(parts.weekday!) + 1,
  };
}

// Whole-hour, half-hour (Lord Howe's DST is 30 minutes) and 45-minute offsets, both hemispheres,
// and a zone whose offset changed by seconds in its history (Amsterdam before 1937).
const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'Europe/Amsterdam',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'America/St_Johns',
  'Pacific/Kiritimati',
];

describe('localClock', () => {
  it('agrees with Intl minute by minute around offset changes', () => {
    const instants = [
      '2024-03-10T06:30:00Z', // New York springs forward at 07:00Z
      '2024-11-03T05:30:00Z',
      '2024-03-31T00:30:00Z', // Berlin at 01:00Z
      '2024-04-06T14:30:00Z', // Lord Howe, 30 minutes back at 15:00Z
      '2024-10-05T15:30:00Z',
      '2024-04-06T13:30:00Z', // Chatham at 14:00Z
      '1937-06-30T23:00:00Z', // Amsterdam: +00:19:32 to +00:20
      '1995-01-01T09:30:00Z', // Kiritimati skipped a day
    ].map(Date.parse);
    for (const zone of ZONES) {
      const clock = localClock(zone);
      for (const at of instants)
        for (let m = -90; m <= 90; m++) {
          const ms = at + m * 60_000 + 17_000;
          expect(clock(ms), `${zone} ${new Date(ms).toISOString()}`).toEqual(reference(zone, ms));
        }
    }
  });

  it('agrees with Intl at random instants from 1900 to 2100, in any order', () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const from = Date.parse('1900-01-01T00:00:00Z');
    const to = Date.parse('2100-01-01T00:00:00Z');
    for (const zone of ZONES) {
      const clock = localClock(zone);
      for (let i = 0; i < 500; i++) {
        const ms = Math.floor(from + random() * (to - from));
        expect(clock(ms), `${zone} ${new Date(ms).toISOString()}`).toEqual(reference(zone, ms));
      }
    }
  });

  it('reads years before 100 AD as themselves', () => {
    const ms = Date.parse('0050-06-15T12:34:00Z');
    expect(localClock('UTC')(ms)).toEqual(reference('UTC', ms));
  });

  it('reads the time from Intl alone before the year 1 AD', () => {
    const ms = Date.UTC(-50, 5, 15, 12, 34);
    expect(localClock('UTC')(ms)).toEqual(reference('UTC', ms));
  });

  it('rejects an unknown zone', () => {
    expect(() => localClock('Mars/Olympus')).toThrow(/not an IANA time zone/);
  });
});

describe('createDeriver', () => {
  it('marks off-hours by the configured zone and working days', () => {
    const derive = createDeriver({
      timezone: 'America/New_York',
      workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
    });
    // Monday 2024-07-01 08:59 and 09:00 in New York (UTC-4).
    expect(derive({ '@timestamp': '2024-07-01T12:59:00Z' })).toMatchObject({
      local_hour: 8,
      off_hours: true,
    });
    expect(derive({ '@timestamp': '2024-07-01T13:00:00Z' })).toMatchObject({
      local_hour: 9,
      local_weekday: 1,
      off_hours: false,
    });
    // Saturday.
    expect(derive({ '@timestamp': '2024-07-06T15:00:00Z' })).toMatchObject({
      local_weekday: 6,
      off_hours: true,
    });
  });
});
