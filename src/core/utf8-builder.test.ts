import { describe, expect, it } from 'vitest';
import { Utf8Builder, utf8Length } from './utf8-builder.js';

/** A seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const UNITS = ['a', 'Z', '"', '\\', '\n', '\u0001', '\u007f', 'é', '€', '😀', '\ud800', '\udc00', '{', ','];

function text(next: () => number, max: number): string {
  let out = '';
  const length = Math.floor(next() * max);
  for (let i = 0; i < length; i++) out += UNITS[Math.floor(next() * UNITS.length)]!;
  return out;
}

/** What pushing `pieces` writes: each encoded on its own (a lone surrogate becomes U+FFFD). */
function encoded(pieces: string[]): Buffer {
  return Buffer.concat(pieces.map((piece) => Buffer.from(piece)));
}

describe('Utf8Builder', () => {
  it('writes each piece as Buffer.from does, across growth', () => {
    const next = random(7);
    const builder = new Utf8Builder(16);
    for (let round = 0; round < 50; round++) {
      const pieces = Array.from({ length: 1 + Math.floor(next() * 40) }, () => text(next, 80));
      for (const piece of pieces) builder.push(piece);
      expect(builder.take()).toEqual(encoded(pieces));
    }
  });

  it('writes a JSON string exactly as JSON.stringify does', () => {
    const next = random(11);
    const builder = new Utf8Builder(16);
    for (let i = 0; i < 500; i++) {
      const value = text(next, 40);
      builder.push('[');
      builder.pushJsonString(value);
      builder.push(']');
      expect(builder.take().toString()).toBe(JSON.stringify([value]));
    }
  });

  it('splices pushes into a text as if its slices had been pushed in turn', () => {
    const next = random(13);
    // A small buffer makes pushes between pieces move the waiting text, and grow the buffer.
    const builder = new Utf8Builder(16);
    for (let round = 0; round < 300; round++) {
      const spliced = text(next, 120);
      const pieces = ['>'];
      builder.push('>');
      builder.beginSplice(spliced);
      let at = 0;
      while (at < spliced.length && next() < 0.8) {
        let cut = at + Math.floor(next() * (spliced.length - at + 1));
        // Never inside a surrogate pair, as the contract asks.
        const before = spliced.charCodeAt(cut - 1);
        const after = spliced.charCodeAt(cut);
        if (before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff) cut++;
        builder.spliceTo(cut);
        pieces.push(spliced.slice(at, cut));
        const insert = text(next, next() < 0.1 ? 2000 : 30);
        if (next() < 0.5) {
          builder.push(insert);
          pieces.push(insert);
        } else {
          builder.pushJsonString(insert);
          pieces.push(JSON.stringify(insert));
        }
        at = cut;
      }
      builder.endSplice();
      pieces.push(spliced.slice(at), '<');
      builder.push('<');
      expect(builder.take()).toEqual(encoded(pieces));
    }
  });

  it('gives each page a buffer of its own', () => {
    const builder = new Utf8Builder(16);
    builder.push('first page');
    const first = builder.take();
    builder.push('second page, longer');
    builder.take();
    expect(first.toString()).toBe('first page');
  });
});

describe('utf8Length', () => {
  it('counts the bytes Buffer.write gives each range', () => {
    const next = random(17);
    for (let i = 0; i < 500; i++) {
      const value = text(next, 30);
      expect(utf8Length(value, 0, value.length)).toBe(Buffer.byteLength(value));
    }
  });
});
