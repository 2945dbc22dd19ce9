import { describe, expect, it } from 'vitest';
import { Scanner } from './prefilter.js';

/** The rules marked by scanning `text`, as a sorted list. */
function scanned(scanner: Scanner, text: string, rules: number): number[] {
  const marks = new Uint32Array(rules);
  scanner.scan(text, marks, 7);
  return [...marks.keys()].filter((i) => marks[i] === 7);
}

describe('Scanner (Aho-Corasick)', () => {
  it('marks exactly the rules whose texts occur, on random texts over a small alphabet', () => {
    let seed = 99;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    // A small alphabet with a non-ASCII letter makes overlaps, shared prefixes and suffixes that
    // are other texts (the failure links' work) common.
    const alphabet = 'abcé/';
    const word = (len: number) =>
      Array.from({ length: len }, () => alphabet[random(alphabet.length)]).join('');
    for (let round = 0; round < 200; round++) {
      const texts = new Map<string, number[]>();
      const count = 1 + random(12);
      for (let r = 0; r < count; r++) {
        const t = word(1 + random(5));
        texts.set(t, [...(texts.get(t) ?? []), r]);
      }
      const scanner = new Scanner(texts);
      for (let k = 0; k < 20; k++) {
        const subject = word(random(30)) + (random(2) === 0 ? 'xyz' : '');
        const expected = [...texts]
          .filter(([t]) => subject.includes(t))
          .flatMap(([, rs]) => rs)
          .sort((a, b) => a - b);
        expect(scanned(scanner, subject, count), `${[...texts.keys()].join(',')} in ${subject}`).toEqual([
          ...new Set(expected),
        ]);
      }
    }
  });

  it('handles texts that are suffixes of one another', () => {
    const scanner = new Scanner(
      new Map([
        ['she', [0]],
        ['he', [1]],
        ['hers', [2]],
        ['his', [3]],
      ]),
    );
    expect(scanned(scanner, 'ushers', 4)).toEqual([0, 1, 2]);
    expect(scanned(scanner, 'this', 4)).toEqual([3]);
    expect(scanned(scanner, 'xyz', 4)).toEqual([]);
  });
});
