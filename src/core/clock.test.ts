import { describe, expect, it } from 'vitest';
import { formatTimestamp, isoTimestamp } from './clock.js';

describe('isoTimestamp', () => {
  it('is exactly Date#toISOString across the range it formats itself and past it', () => {
    const samples = [
      0, 1, 999, 1000, 86_399_999, 86_400_000, 951_782_400_000, 951_868_799_999, 253_402_300_799_999,
    ];
    let x = 123_456_789;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
      samples.push(Math.floor((x / 2_147_483_648) * 253_402_300_800_000));
    }
    samples.push(-1, -86_400_001, 253_402_300_800_000, 8.64e15, -8.64e15);
    for (const ms of samples) expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
  });

  it('gives undefined for what Date cannot format, where formatTimestamp throws', () => {
    expect(isoTimestamp(NaN)).toBeUndefined();
    expect(isoTimestamp(8.64e15 + 1)).toBeUndefined();
    expect(() => formatTimestamp(NaN)).toThrow(RangeError);
  });
});
