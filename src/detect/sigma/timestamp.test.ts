import { describe, expect, it } from 'vitest';
import { parseRfc3339 } from './timestamp.js';

describe('parseRfc3339', () => {
  it('gives what Date.parse gives for the forms it reads', () => {
    const cases = [
      '2024-01-01T00:00:00Z',
      '2024-06-30T23:59:59.999Z',
      '2024-01-01T00:00:00.1Z',
      '2024-01-01T00:00:00.123456789Z',
      '2024-01-01t12:34:56z',
      '2024-01-01 12:34:56Z',
      '2024-01-01T00:00:00+01:30',
      '2024-01-01T00:00:00.5-08:00',
      '2024-02-29T10:00:00Z',
      '2023-02-29T10:00:00Z', // rolls over to March 1st, as Date.parse does
      '2024-04-31T00:00:00Z',
      '1969-12-31T23:59:59.999Z',
      '0000-01-01T00:00:00Z',
      '1600-03-01T00:00:00Z',
      '9999-12-31T23:59:59Z',
    ];
    for (const s of cases) expect([s, parseRfc3339(s)]).toEqual([s, Date.parse(s)]);
  });

  it('matches Date.parse over every month and day of a leap cycle', () => {
    for (let t = Date.UTC(1999, 0, 1); t < Date.UTC(2004, 0, 1); t += 86_400_000 + 3_723_456) {
      const s = new Date(t).toISOString();
      expect(parseRfc3339(s)).toBe(t);
      expect(parseRfc3339(s.replace('Z', '+05:45'))).toBe(Date.parse(s.replace('Z', '+05:45')));
    }
  });

  it('leaves other forms to Date.parse (NaN)', () => {
    for (const s of [
      '2024-01-01T00:00:00', // local time
      '2024-01-01',
      '2024-01-01T24:00:00Z',
      '2024-01-01T00:00:60Z',
      '2024-13-01T00:00:00Z',
      '2024-01-01T00:00:00.Z',
      '2024-01-01T00:00:00+24:00',
      '2024-01-01T00:00:00Zjunk',
      '+002024-01-01T00:00:00Z',
      'Mon, 01 Jan 2024 00:00:00 GMT',
    ])
      expect([s, parseRfc3339(s)]).toEqual([s, NaN]);
  });
});
