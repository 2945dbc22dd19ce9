// Export readers when things go wrong: a consumer that stops early leaves no failure behind and the
// readers stop on close; readers that cannot open the store fail the export with the reason instead
// of hanging it. (That they write the same bytes as one thread is in search-api.case.ts.)

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/core/clock.js';
import { exportWorkerScript } from '../src/query/export-readers.js';
import { SearchService } from '../src/query/search.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/store.js';
import { startTestServer, tempDir, type TestServer } from './helpers/server.js';

const T0 = Date.UTC(2026, 10, 20, 8);

describe('export readers', () => {
  let server: TestServer;
  let store: Store;
  let maxSeq: number;

  beforeAll(async () => {
    expect(exportWorkerScript(), 'the export worker is built (npm run build)').toBeDefined();
    server = await startTestServer();
    const events = Array.from({ length: 3000 }, (_, i) => ({
      '@timestamp': new Date(T0 + i * 1000).toISOString(),
      event: { action: 'ssh.login', outcome: 'success', dataset: 'linux.auth' },
      user: { name: `user-${i % 7}` },
      message: `event ${i}`,
    }));
    expect((await server.post(JSON.stringify(events))).status).toBe(200);
    store = await openStore({ data: server.dataDir }, { readonly: true });
    maxSeq = (await store.loadLedgerState()).size - 1;
  });
  afterAll(async () => {
    await store?.close();
    await server?.close();
  });

  it('lets a consumer stop early, and stops on close', async () => {
    const search = new SearchService(store, systemClock, { count: 2, target: { data: server.dataDir } });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let chunks = 0;
      for await (const chunk of search.export(search.prepare(''), 'ndjson', { maxSeq, pageSize: 100 })) {
        expect(chunk.events).toBe(100);
        // Past the pages written here: the readers have pages in hand when the consumer leaves.
        if (++chunks === 5) break;
      }
      await new Promise((r) => setTimeout(r, 100));
      expect(unhandled).toEqual([]);
      // A second export after the first was abandoned still reads everything.
      let events = 0;
      for await (const chunk of search.export(search.prepare(''), 'ndjson', { maxSeq, pageSize: 100 })) {
        events += chunk.events;
      }
      expect(events).toBe(maxSeq + 1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await search.close();
    }
  });

  it('fails the export with the reason when the readers cannot open the store', async () => {
    const missing = tempDir();
    const search = new SearchService(store, systemClock, { count: 2, target: { data: missing } });
    try {
      const chunks: number[] = [];
      await expect(
        (async () => {
          for await (const chunk of search.export(search.prepare(''), 'ndjson', { maxSeq, pageSize: 100 })) {
            chunks.push(chunk.events);
          }
        })(),
      ).rejects.toThrow(/no Stele data/);
      // The pages read here before the readers took over were handed out.
      expect(chunks).toEqual([100, 100]);
    } finally {
      await search.close();
      fs.rmSync(missing, { recursive: true, force: true });
    }
  });
});
