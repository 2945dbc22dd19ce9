// SearchService.export's paging against a store that answers asynchronously: pages in order, the
// next page asked for before the consumer has the current one, and nothing left dangling when the
// consumer stops early.

import { describe, expect, it } from 'vitest';
import { fixedClock } from '../core/clock.js';
import type { EventContent, SearchRequest, Store } from '../store/store.js';
import { SearchService } from './search.js';

const T0 = Date.UTC(2026, 10, 20);

function content(seq: number): EventContent {
  return {
    seq,
    ts: T0 + Math.floor(seq / 3) * 1000,
    received: T0,
    source: 'test',
    body: `{"message":"event ${seq}"}`,
    columns: [null, null, null, null, null, null],
  };
}

/** A store holding `n` events that answers each page on a later tick and records when it was asked. */
function pagedStore(n: number, options: { failAfter?: number } = {}) {
  const events = Array.from({ length: n }, (_, i) => content(i + 1)).sort(
    (a, b) => b.ts - a.ts || b.seq - a.seq,
  );
  const asked: SearchRequest[] = [];
  const store = {
    compileFilter: () => undefined,
    async searchContent(request: SearchRequest): Promise<EventContent[]> {
      asked.push(request);
      await new Promise((r) => setTimeout(r, 1));
      if (options.failAfter !== undefined && asked.length > options.failAfter) throw new Error('gone');
      const after = request.after;
      const rest = after
        ? events.filter((e) => e.ts < after.ts || (e.ts === after.ts && e.seq < after.seq))
        : events;
      return rest.slice(0, request.limit);
    },
  };
  return { store: store as unknown as Store, asked };
}

describe('SearchService.export', () => {
  it('writes every event once, newest first, across pages', async () => {
    const { store } = pagedStore(95);
    const search = new SearchService(store, fixedClock(T0));
    let text = '';
    let events = 0;
    for await (const chunk of search.export(search.prepare(''), 'ndjson', { pageSize: 10 })) {
      text += chunk.data.toString('utf8');
      events += chunk.events;
    }
    const seqs = text
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { stele: { seq: number } }).stele.seq);
    expect(events).toBe(95);
    expect(seqs).toHaveLength(95);
    expect(new Set(seqs).size).toBe(95);
    const order = seqs.map((seq) => [content(seq).ts, seq] as const);
    for (let i = 1; i < order.length; i++) {
      const [ts, seq] = order[i]!;
      const [prevTs, prevSeq] = order[i - 1]!;
      expect(ts < prevTs || (ts === prevTs && seq < prevSeq)).toBe(true);
    }
  });

  it('asks for the next page before handing out the current one', async () => {
    const { store, asked } = pagedStore(50);
    const search = new SearchService(store, fixedClock(T0));
    const pages = search.export(search.prepare(''), 'ndjson', { pageSize: 10 });
    const first = await pages.next();
    expect(first.value?.events).toBe(10);
    // The second page is already on its way, continuing after the first page's last event.
    expect(asked).toHaveLength(2);
    expect(asked[1]!.after).toEqual({ ts: content(41).ts, seq: 41 });
    await pages.return(undefined);
  });

  it('lets a consumer stop while a page it will not read fails', async () => {
    const { store, asked } = pagedStore(50, { failAfter: 1 });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const search = new SearchService(store, fixedClock(T0));
      for await (const chunk of search.export(search.prepare(''), 'ndjson', { pageSize: 10 })) {
        expect(chunk.events).toBe(10);
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
      expect(asked).toHaveLength(2);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('reports a page that fails to a consumer still reading', async () => {
    const { store } = pagedStore(50, { failAfter: 2 });
    const search = new SearchService(store, fixedClock(T0));
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const chunk of search.export(search.prepare(''), 'ndjson', { pageSize: 10 })) {
          seen.push(chunk.events);
        }
      })(),
    ).rejects.toThrow('gone');
    expect(seen).toEqual([10, 10]);
  });
});
