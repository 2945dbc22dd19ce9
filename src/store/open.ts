// Chooses the store from the configuration (--data: SQLite, --db: PostgreSQL), and guards an
// embedded data directory against two writers at once (two sequencers would fork the ledger).

import fs from 'node:fs';
import path from 'node:path';
import { SteleError } from '../core/errors.js';
import type { Store } from './store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { PostgresStore } from './postgres/postgres-store.js';

export interface StoreTarget {
  data: string;
  /** postgres://... (with ?schema=NAME), instead of the data directory. */
  db?: string | undefined;
  /** Schema for the PostgreSQL tables; wins over ?schema=; default `public` (docs/postgresql.md). */
  db_schema?: string | undefined;
}

export interface OpenOptions {
  readonly?: boolean;
  /** The process will write the ledger: batches go through a writer thread. */
  writer?: boolean;
  /** Most events one transaction holds (limits.max_batch_events), when batches are written together. */
  maxBatchEvents?: number;
}

export async function openStore(target: StoreTarget, options: OpenOptions = {}): Promise<Store> {
  if (target.db) {
    // A shared database is written by the sequencer only (src/cluster/); every node may open it.
    return PostgresStore.open({
      url: target.db,
      schema: target.db_schema,
      writer: options.writer ?? false,
      readonly: options.readonly ?? false,
    });
  }
  if (options.readonly && !fs.existsSync(path.join(target.data, 'stele.db'))) {
    throw new SteleError(
      'not_found',
      `no Stele data in ${path.resolve(target.data)} (run stele serve or stele ingest first)`,
    );
  }
  return new SqliteStore(target.data, {
    readonly: options.readonly ?? false,
    writerThread: options.writer ?? false,
    maxTransactionEvents: options.maxBatchEvents,
  });
}

export interface WriterLock {
  release(): void;
}

/**
 * Takes `<data>/writer.lock` (holding our pid). A lock left by a dead process is taken over; one
 * held by a live process is an error naming it.
 */
export function acquireWriterLock(target: StoreTarget): WriterLock {
  if (target.db) return { release() {} };
  fs.mkdirSync(target.data, { recursive: true, mode: 0o700 });
  const file = path.join(target.data, 'writer.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      let held = true;
      return {
        release() {
          if (!held) return;
          held = false;
          try {
            if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(file, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new SteleError(
          'conflict',
          `data directory ${target.data} is in use by process ${pid} (a running stele serve?); use --server URL --token T to go through it`,
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new SteleError('conflict', `cannot take the writer lock in ${target.data}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
