import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { parseTime, resolveTime, resolveTimeSpan } from './time.js';

// Wednesday 2024-05-15 13:45:30.123 UTC.
const NOW = Date.UTC(2024, 4, 15, 13, 45, 30, 123);
const utc = (...args: [number, number, number?, number?, number?, number?, number?]) => Date.UTC(...args);
const iso = (ms: number) => new Date(ms).toISOString();
const at = (value: string) => iso(resolveTime(value, NOW));

describe('resolveTime: relative', () => {
  it.each([
    ['now', '2024-05-15T13:45:30.123Z'],
    ['now-15m', '2024-05-15T13:30:30.123Z'],
    ['now-24h', '2024-05-14T13:45:30.123Z'],
    ['now-24H', '2024-05-14T13:45:30.123Z'],
    ['now-7d', '2024-05-08T13:45:30.123Z'],
    ['now-2w', '2024-05-01T13:45:30.123Z'],
    ['now+30s', '2024-05-15T13:46:00.123Z'],
    ['now-1M', '2024-04-15T13:45:30.123Z'],
    ['now-1y', '2023-05-15T13:45:30.123Z'],
    ['now-1d-12h', '2024-05-14T01:45:30.123Z'],
  ])('%s', (value, want) => {
    expect(at(value)).toBe(want);
  });

  it.each([
    ['now/s', '2024-05-15T13:45:30.000Z'],
    ['now/m', '2024-05-15T13:45:00.000Z'],
    ['now/h', '2024-05-15T13:00:00.000Z'],
    ['now/d', '2024-05-15T00:00:00.000Z'],
    ['now/w', '2024-05-13T00:00:00.000Z'], // ISO weeks start on Monday
    ['now/M', '2024-05-01T00:00:00.000Z'],
    ['now/y', '2024-01-01T00:00:00.000Z'],
    ['now-1d/d', '2024-05-14T00:00:00.000Z'],
    ['now/d+8h', '2024-05-15T08:00:00.000Z'],
  ])('rounds %s down', (value, want) => {
    expect(at(value)).toBe(want);
  });

  it('rounds up to the last millisecond of the unit when asked', () => {
    expect(iso(resolveTime('now/d', NOW, { roundUp: true }))).toBe('2024-05-15T23:59:59.999Z');
    expect(iso(resolveTime('now/w', NOW, { roundUp: true }))).toBe('2024-05-19T23:59:59.999Z');
    expect(iso(resolveTime('now', NOW, { roundUp: true }))).toBe('2024-05-15T13:45:30.123Z');
  });

  it('rounds a Sunday to the Monday before', () => {
    expect(iso(resolveTime('now/w', utc(2024, 4, 19, 23)))).toBe('2024-05-13T00:00:00.000Z');
    expect(iso(resolveTime('now/w', utc(2024, 4, 13, 0)))).toBe('2024-05-13T00:00:00.000Z');
  });

  it('clamps the day when adding months', () => {
    expect(iso(resolveTime('now-1M', utc(2024, 2, 31, 10)))).toBe('2024-02-29T10:00:00.000Z');
    expect(iso(resolveTime('now+1y', utc(2024, 1, 29)))).toBe('2025-02-28T00:00:00.000Z');
    expect(iso(resolveTime('now-13M', utc(2024, 0, 31)))).toBe('2022-12-31T00:00:00.000Z');
  });
});

describe('resolveTime: absolute', () => {
  it.each([
    ['2024-05-01T12:00:00Z', utc(2024, 4, 1, 12)],
    ['2024-05-01T12:00:00.5Z', utc(2024, 4, 1, 12, 0, 0, 500)],
    ['2024-05-01T12:00:00.123456789Z', utc(2024, 4, 1, 12, 0, 0, 123)],
    ['2024-05-01t12:00:00z', utc(2024, 4, 1, 12)],
    ['2024-05-01 12:00:00+02:00', utc(2024, 4, 1, 10)],
    ['2024-05-01T12:00:00-05:30', utc(2024, 4, 1, 17, 30)],
    ['2024-05-01T12:00', utc(2024, 4, 1, 12)], // no offset: UTC
    ['2024-05-01', utc(2024, 4, 1)],
    ['2024-02-29', utc(2024, 1, 29)],
    ['0099-01-01', -59042995200000], // not 1999: two-digit years are not shifted
    ['2016-12-31T23:59:60Z', utc(2017, 0, 1)], // leap second
    ['2024-05-01||+1M/M', utc(2024, 5, 1)],
    ['2024-05-01T10:20:30Z||/h', utc(2024, 4, 1, 10)],
  ])('%s', (value, want) => {
    expect(resolveTime(value, NOW)).toBe(want);
  });

  it('denotes the span of the precision written', () => {
    const day = (d: number) => utc(2024, 4, d);
    expect(resolveTimeSpan('2024-05-01', NOW)).toEqual({ start: day(1), end: day(2) });
    expect(resolveTimeSpan('2024-05-01T10:00Z', NOW)).toEqual({
      start: utc(2024, 4, 1, 10),
      end: utc(2024, 4, 1, 10, 1),
    });
    expect(resolveTimeSpan('2024-05-01T10:00:05Z', NOW)).toEqual({
      start: utc(2024, 4, 1, 10, 0, 5),
      end: utc(2024, 4, 1, 10, 0, 6),
    });
    expect(resolveTimeSpan('2024-05-01T10:00:05.250Z', NOW)?.end).toBe(utc(2024, 4, 1, 10, 0, 5, 251));
    expect(resolveTimeSpan('now', NOW)).toEqual({ start: NOW, end: NOW + 1 });
    expect(resolveTimeSpan('now/M', NOW)).toEqual({ start: utc(2024, 4, 1), end: utc(2024, 5, 1) });
    expect(resolveTimeSpan('2024-05-01||+1d', NOW)).toEqual({ start: day(2), end: day(3) });
  });

  it.each([
    'yesterday',
    'now-',
    'now-1',
    'now-1x',
    'now/',
    'now-1d/',
    'now--1d',
    'now-1.5h',
    'now-1234567890d',
    'now-999999999y',
    'nowish',
    'now||-1d',
    '2024-13-01',
    '2024-02-30',
    '2023-02-29',
    '2024-05-01T24:00:00Z',
    '2024-05-01T12:60:00Z',
    '2024-05-01T12:00:00+24:00',
    '2024-05-01T12:00:00.Z',
    '2024-5-1',
    '20240501',
    '1715780730',
    '2024-05-01||+1d||+1d',
    '',
  ])('rejects %j', (value) => {
    expect(resolveTimeSpan(value, NOW)).toBeUndefined();
    expect(() => resolveTime(value, NOW)).toThrow(ValidationError);
  });

  it('names the value and the accepted forms in the error', () => {
    expect(() => resolveTime('yesterday', NOW)).toThrow(/'yesterday' is not a time: expected RFC 3339/);
  });

  it('rejects a non-finite reference time', () => {
    expect(resolveTimeSpan('now', NaN)).toBeUndefined();
    expect(resolveTimeSpan('2024-05-01', NaN)).toBeUndefined();
  });
});

describe('parseTime', () => {
  it('parses stored timestamps and refuses relative ones', () => {
    expect(parseTime('2024-05-15T13:45:30.123Z')).toBe(NOW);
    expect(parseTime('now')).toBeUndefined();
    expect(parseTime('garbage')).toBeUndefined();
  });
});
