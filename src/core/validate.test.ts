import { describe, expect, it } from 'vitest';
import { formatTimestamp } from './clock.js';
import { parseRfc3339, validateEvent } from './validate.js';

/** Deterministic pseudo-random ms from year 0 to 9999. */
function instants(n: number): number[] {
  let x = 12345;
  const min = Date.UTC(0, 0, 1) - 1900 * 365.2425 * 86_400_000;
  const max = Date.parse('9999-12-31T23:59:59.999Z');
  return Array.from({ length: n }, () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return Math.floor(min + (x / 2 ** 31) * (max - min));
  });
}

function validTimestamp(stamp: string): { text: string; ts: number } {
  const v = validateEvent({ '@timestamp': stamp });
  if (!v.ok) throw new Error(`${stamp}: ${v.message}`);
  return { text: v.event['@timestamp'], ts: v.ts };
}

describe('@timestamp normalization', () => {
  it('keeps a UTC timestamp with milliseconds as it came, with the instant Date.parse reads', () => {
    for (const ms of instants(3000)) {
      const stamp = new Date(ms).toISOString();
      expect(validTimestamp(stamp)).toEqual({ text: stamp, ts: Date.parse(stamp) });
    }
  });

  it('writes every other spelling as UTC with milliseconds, of the same instant', () => {
    const spellings = (iso: string) => {
      const [date, time] = [iso.slice(0, 10), iso.slice(11, 19)];
      const ms = iso.slice(20, 23);
      return [
        `${date}t${time}.${ms}z`,
        `${date} ${time}.${ms}Z`,
        `${date}T${time}Z`,
        `${date}T${time}.${ms.slice(0, 1)}Z`,
        `${date}T${time}.${ms}987654Z`,
        `${date}T${time}.${ms}+00:00`,
        `${date}T${time}.${ms}-05:30`,
      ];
    };
    for (const ms of instants(500)) {
      for (const stamp of spellings(new Date(ms).toISOString())) {
        const { text, ts } = validTimestamp(stamp);
        expect(text, stamp).toBe(formatTimestamp(ts));
        expect(ts, stamp).toBe(parseRfc3339(stamp));
      }
    }
    expect(validTimestamp('2026-01-31T12:00:00Z')).toEqual({
      text: '2026-01-31T12:00:00.000Z',
      ts: Date.UTC(2026, 0, 31, 12),
    });
    expect(validTimestamp('2026-01-31T12:00:00.5+01:00').text).toBe('2026-01-31T11:00:00.500Z');
    expect(validTimestamp('0099-03-01T00:00:00.000Z').text).toBe('0099-03-01T00:00:00.000Z');
    expect(validTimestamp('0099-03-01T00:00:00.000Z').ts).toBe(Date.parse('0099-03-01T00:00:00.000Z'));
  });

  it('takes a leap second as the next second, and refuses impossible dates and times', () => {
    expect(validTimestamp('2016-12-31T23:59:60.000Z')).toEqual({
      text: '2017-01-01T00:00:00.000Z',
      ts: Date.UTC(2017, 0, 1),
    });
    for (const bad of [
      '2026-02-29T00:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-04-31T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '2026-01-01T00:60:00.000Z',
      '2026-01-01T00:00:61.000Z',
      '2026-01-01T00:00:00.000',
    ]) {
      expect(validateEvent({ '@timestamp': bad }), bad).toMatchObject({ ok: false, field: '@timestamp' });
    }
  });
});
