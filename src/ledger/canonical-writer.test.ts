import { describe, expect, it } from 'vitest';
import { seededRandom, TRICKY_NUMBERS, TRICKY_STRINGS, trickyValue } from '../../test/helpers/tricky-json.js';
import { serializeChecked as canonicalize } from './canonical.js';
import { CanonicalWriter } from './canonical-writer.js';

/** The writer's bytes for `value`, or undefined when it declines. */
function written(value: unknown, capacity = 16): Buffer | undefined {
  const out = new CanonicalWriter(capacity);
  return out.writeValue(value, 0) ? Buffer.from(out.bytes.subarray(0, out.length)) : undefined;
}

/** The checked serializer's UTF-8 bytes (canonicalize without this writer), or undefined when it rejects the value. */
function reference(value: unknown): Buffer | undefined {
  try {
    return Buffer.from(canonicalize(value), 'utf8');
  } catch {
    return undefined;
  }
}

describe('CanonicalWriter', () => {
  it('writes the bytes of canonicalize for every string and number it is given', () => {
    for (const value of [...TRICKY_STRINGS, ...TRICKY_NUMBERS, true, false, null, [], {}]) {
      expect(written(value)?.toString('utf8'), JSON.stringify(value)).toBe(canonicalize(value));
    }
    // Every code unit below 0x100 alone, and every escape JSON.stringify makes.
    for (let c = 0; c < 0x100; c++) {
      const text = `a${String.fromCharCode(c)}b`;
      expect(written(text)?.toString('utf8'), `U+${c.toString(16)}`).toBe(canonicalize(text));
    }
  });

  it('agrees with canonicalize byte for byte on 3,000 random values, and declines only what it rejects', () => {
    const random = seededRandom(8785);
    for (let i = 0; i < 3000; i++) {
      const value = trickyValue(random, 5);
      expect(written(value), JSON.stringify(value)).toEqual(reference(value));
    }
  });

  it('declines what canonicalize rejects', () => {
    const deep: unknown[] = [];
    let inner = deep;
    for (let i = 0; i < 64; i++) inner.push((inner = []));
    const rejected: unknown[] = [
      'a\ud800',
      '\udc00b',
      '\ude00\ud83d',
      { ['\ud800']: 1 },
      [NaN],
      { a: Infinity },
      { a: undefined },
      [undefined],
      () => 1,
      new Date(0),
      { a: new Map() },
      10n,
      deep,
    ];
    for (const value of rejected) {
      expect(written(value)).toBeUndefined();
      expect(() => canonicalize(value)).toThrow();
    }
    // 63 levels below the top are still accepted, as by canonicalize.
    expect(written(deep[0])?.toString()).toBe(canonicalize(deep[0]));
  });

  it('sorts keys by UTF-16 code units, integer-like and "__proto__" keys included', () => {
    const value = JSON.parse(
      '{"b":1,"10":2,"9":3,"__proto__":{"y":1,"x":2},"\\ud83d\\ude00":4,"\\uffff":5,"A":6}',
    );
    expect(written(value)?.toString('utf8')).toBe(canonicalize(value));
    expect(written(value)?.toString('utf8')).toBe(
      '{"10":2,"9":3,"A":6,"__proto__":{"x":2,"y":1},"b":1,"😀":4,"\uffff":5}',
    );
  });

  it('grows its buffer for long output', () => {
    const value = { text: 'é'.repeat(10_000), list: Array.from({ length: 1000 }, (_, i) => i * 1.5) };
    expect(written(value, 1)?.toString('utf8')).toBe(canonicalize(value));
  });
});
