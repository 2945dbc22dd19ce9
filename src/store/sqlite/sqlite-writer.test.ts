import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppendBatch } from '../store.js';
import { SqliteStore } from './sqlite-store.js';
import { SqliteBatchWriter } from './sqlite-writer.js';

function batch(first: number, count: number): AppendBatch {
  return {
    events: Array.from({ length: count }, (_, i) => ({
      seq: first + i,
      ts: 1_764_547_200_000 + first + i,
      received: 1_764_547_200_500,
      source: 'api:ingest',
      body: JSON.stringify({ message: `Accepted publickey for alice, event evt${first + i}x` }),
      columns: ['ssh.login', 'success', 'linux.auth', 'alice', 'web-1', null],
      leafHash: randomBytes(32),
      seed: randomBytes(32),
      fields: { sourceIp: null, producerId: null, producerSeq: null },
    })),
    nodes: [],
    frontier: `{"size":${first + count}}`,
    producers: [],
  };
}

describe('batches queued for the SQLite writer', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  function open(): SqliteStore {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stele-writer-'));
    dirs.push(dir);
    return new SqliteStore(dir);
  }

  it('are written together, searchable by their text', async () => {
    const store = open();
    const writer = new SqliteBatchWriter(store.raw);
    expect(writer.appendAll([batch(0, 3), batch(3, 2)])).toEqual([undefined, undefined]);
    expect((await store.scanEvents(0, 10)).map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
    const hits = store.raw
      .prepare('SELECT rowid FROM events_fts WHERE events_fts MATCH ?')
      .all('"evt" AND "t4x"');
    expect(hits).toEqual([{ rowid: 4 }]);
    await store.close();
  });

  it('count their events once per transaction, by hour and key, as the events are', async () => {
    const store = open();
    const writer = new SqliteBatchWriter(store.raw);
    // Users and outcomes vary within and across batches; an hour boundary falls inside the second.
    const vary = (b: AppendBatch) => {
      for (const e of b.events) {
        e.columns[1] = e.seq % 3 === 0 ? 'failure' : 'success';
        e.columns[3] = ['alice', 'bob', null][e.seq % 3] ?? null;
        e.ts = 1_764_547_200_000 - 3_600_000 + e.seq * 400_000;
      }
      return b;
    };
    expect(writer.appendAll([vary(batch(0, 7)), vary(batch(7, 9)), vary(batch(16, 5))])).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const counted = store.raw
      .prepare(
        'SELECT hour, dataset, outcome, user_name, n FROM event_counts WHERE n > 0 ORDER BY 1, 2, 3, 4',
      )
      .all();
    const recount = store.raw
      .prepare(
        `SELECT ts / 3600000 AS hour, dataset, outcome, user_name, COUNT(*) AS n FROM events
         GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
      )
      .all();
    expect(counted).toEqual(recount);
    expect(counted.length).toBeGreaterThan(6);
    await store.close();
  });

  it('fail one by one: a batch that cannot be written does not take the earlier ones with it', async () => {
    const store = open();
    const writer = new SqliteBatchWriter(store.raw);
    // The second batch skips seq 3, so the store refuses it; the third follows from it and fails too.
    const errors = writer.appendAll([batch(0, 3), batch(4, 2), batch(6, 1)]);
    expect(errors[0]).toBeUndefined();
    expect(errors[1]?.message).toMatch(/next seq is 3, batch starts at 4/);
    expect(errors[2]?.message).toMatch(/next seq is 3, batch starts at 6/);
    expect((await store.scanEvents(0, 10)).map((r) => r.seq)).toEqual([0, 1, 2]);
    await store.close();
  });
});
