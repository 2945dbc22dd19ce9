// The WAL must stay bounded while readers never pause (src/store/sqlite/wal-guard.ts). Two reader
// threads hold 20 ms read transactions back to back, half a transaction apart, so every automatic
// checkpoint finds a reader on an older snapshot and the WAL cannot start over; the guard's RESTART
// checkpoint waits for those short reads instead.

import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { WalGuard } from '../src/store/sqlite/wal-guard.js';
import { tempDir } from './helpers/server.js';

const READER = path.join(import.meta.dirname, 'helpers', 'wal-reader.mjs');
const BATCHES = 80; // of 1,000 rows of 500 bytes: about 45 MB of WAL frames
const LIMIT = 4 * 1024 * 1024;

let cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

/** Writes BATCHES transactions with two busy readers; returns the largest WAL size seen. */
async function write(guarded: boolean): Promise<{ peak: number; guard?: WalGuard }> {
  const dir = tempDir();
  const file = path.join(dir, 'wal.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)');
  cleanup.push(
    () => fs.rmSync(dir, { recursive: true, force: true }),
    () => {
      db.close();
    },
  );
  const readers = [0, 10].map((offsetMs) => new Worker(READER, { workerData: { file, offsetMs } }));
  cleanup.push(() => Promise.all(readers.map((w) => w.terminate())));
  await Promise.all(readers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const guard = guarded ? new WalGuard(db, { maxBytes: LIMIT, everyMs: 0, waitMs: 200 }) : undefined;
  const insert = db.prepare('INSERT INTO t (b) VALUES (?)');
  const blob = Buffer.alloc(500, 7);
  const batch = db.transaction(() => {
    for (let i = 0; i < 1000; i++) insert.run(blob);
  });
  let peak = 0;
  for (let i = 0; i < BATCHES; i++) {
    batch();
    guard?.afterCommit();
    peak = Math.max(peak, fs.statSync(`${file}-wal`).size);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return guard ? { peak, guard } : { peak };
}

describe('WAL guard', () => {
  it('without it, overlapping readers let the WAL grow with every commit', async () => {
    const { peak } = await write(false);
    expect(peak).toBeGreaterThan(30 * 1024 * 1024);
  });

  it('with it, the WAL starts over and stays near its limit', async () => {
    const { peak, guard } = await write(true);
    expect(guard!.stats.restarts).toBeGreaterThan(0);
    // A try can find a reader descheduled mid-read on a busy machine: each failed one lets a batch through.
    expect(peak).toBeLessThan(LIMIT + 8 * 1024 * 1024);
  });
});
