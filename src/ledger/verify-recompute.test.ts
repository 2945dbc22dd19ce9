// Tests of reading a range of rows for verification: every stored row of the range, once, in order.

import { describe, expect, it } from 'vitest';
import type { EventRow, Store } from '../store/store.js';
import { checkRange } from './verify-recompute.js';

/** A store holding expired rows (no body: nothing to recompute) at the given indexes. */
function storeWith(seqs: number[]): { store: Store; queries: number } {
  const rows: EventRow[] = seqs.map((seq) => ({
    seq,
    ts: 0,
    received: 0,
    source: 'test',
    body: null,
    columns: [],
    leafHash: Buffer.alloc(32),
    seed: null,
    erased: null,
  }));
  const counter = { store: undefined as unknown as Store, queries: 0 };
  counter.store = {
    async scanEvents(from: number, limit: number) {
      counter.queries++;
      return rows.filter((row) => row.seq >= from).slice(0, limit);
    },
  } as unknown as Store;
  return counter;
}

describe('checkRange', () => {
  it('returns exactly the stored rows of the range across several reads, with gaps', async () => {
    const present = Array.from({ length: 3000 }, (_, i) => i).filter((i) => i % 7 !== 3 && i !== 1100);
    const fake = storeWith(present);
    const rows = await checkRange(fake.store, [], 100, 2600);
    expect(rows.map((row) => row.seq)).toEqual(present.filter((i) => i >= 100 && i < 2600));
    expect(rows.every((row) => row.recomputed.kind === 'expired')).toBe(true);
    expect(fake.queries).toBeGreaterThan(1);
  });

  it('stops at the end of the log', async () => {
    const fake = storeWith([0, 1, 2, 5]);
    expect((await checkRange(fake.store, [], 0, 4096)).map((row) => row.seq)).toEqual([0, 1, 2, 5]);
    expect(fake.queries).toBe(1);
    expect(await checkRange(storeWith([]).store, [], 0, 10)).toEqual([]);
  });
});
