import { describe, expect, it } from 'vitest';
import { GroupTable, hashKey, type TableKey } from './group-table.js';

class Entry {
  index = -1;
  constructor(readonly key: TableKey) {}
}

/** Adds `key` under `hash` (a real one by default) unless present; returns its entry. */
function upsert(table: GroupTable<Entry>, key: TableKey, hash = hashKey(key)): Entry {
  const slot = table.find(key, hash);
  if (slot >= 0) return table.at(slot);
  const e = new Entry(key);
  table.insert(slot, hash, e);
  return e;
}

// A small deterministic generator, so a failure can be replayed.
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

describe('GroupTable', () => {
  it('finds what a Map finds through inserts and deletes, growing and shrinking', () => {
    const table = new GroupTable<Entry>();
    const oracle = new Map<TableKey, Entry>();
    const next = random(7);
    const keyOf = (n: number): TableKey => (n % 3 === 0 ? n : n % 3 === 1 ? `k${n}` : String(n));
    for (let step = 0; step < 40_000; step++) {
      // Grows to ~2,000 keys, then empties almost entirely, so the table shrinks again.
      const growing = step < 20_000 ? next() < 0.6 : next() < 0.3;
      const key = keyOf(Math.floor(next() * 3_000));
      if (growing) oracle.set(key, upsert(table, key));
      else {
        const e = table.get(key);
        expect(e).toBe(oracle.get(key));
        if (e !== undefined) {
          table.delete(e);
          expect(e.index).toBe(-1);
          oracle.delete(key);
        }
      }
      expect(table.size).toBe(oracle.size);
    }
    for (const [key, e] of oracle) expect(table.get(key)).toBe(e);
    for (let n = 0; n < 3_000; n++) if (!oracle.has(keyOf(n))) expect(table.get(keyOf(n))).toBeUndefined();
  });

  it('keeps entries reachable when they share a hash and wrap around the end', () => {
    const table = new GroupTable<Entry>();
    // 15 is the last slot of the initial 16: the run of equal hashes wraps to slot 0 and on.
    const entries = ['a', 'b', 'c', 'd', 'e'].map((k) => upsert(table, k, 15));
    const other = upsert(table, 'x', 1); // its own slot is taken by the run
    table.delete(entries[1] as Entry);
    table.delete(entries[0] as Entry);
    for (const k of ['c', 'd', 'e']) expect(table.at(table.find(k, 15)).key).toBe(k);
    expect(table.find('a', 15)).toBeLessThan(0);
    expect(table.find('b', 15)).toBeLessThan(0);
    expect(table.at(table.find('x', 1))).toBe(other);
    expect(table.size).toBe(4);
  });

  it('compares keys as a Map does (SameValueZero)', () => {
    const table = new GroupTable<Entry>();
    const nan = upsert(table, NaN);
    const zero = upsert(table, 0);
    const one = upsert(table, 1);
    const t = upsert(table, true);
    expect(upsert(table, Number('x'))).toBe(nan);
    expect(upsert(table, -0)).toBe(zero);
    expect(upsert(table, '1')).not.toBe(one);
    expect(upsert(table, 'true')).not.toBe(t);
    expect(upsert(table, false)).not.toBe(t);
    expect(table.size).toBe(7);
  });

  it('hashes are never 0 (the empty-slot mark)', () => {
    for (const k of ['', 'a', 0, -0, NaN, Infinity, true, false, '\u0000']) expect(hashKey(k)).not.toBe(0);
  });

  it('clear forgets every entry', () => {
    const table = new GroupTable<Entry>();
    const entries = Array.from({ length: 100 }, (_, i) => upsert(table, `k${i}`));
    table.clear();
    expect(table.size).toBe(0);
    expect(table.get('k5')).toBeUndefined();
    expect(entries.every((e) => e.index === -1)).toBe(true);
  });
});
