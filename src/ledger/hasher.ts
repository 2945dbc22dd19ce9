// Leaf hashing off the main thread. Building an entry costs two HMACs per personal field, which
// makes it the heaviest step of admission; a worker thread does it on another core while the main
// thread parses requests and writes to the database. Each entry is rebuilt from the row exactly as
// it will be stored (rowToEvent), the same path verification takes.

import { builtScript, createWorkerClient } from '../core/worker-rpc.js';
import { packRows, unpackRows, type PackedRows } from '../store/row-transfer.js';
import { rowToEvent, type EventRow } from '../store/store.js';
import { ledgerLeaf } from './entry.js';

/** What the hasher needs of a row: everything rowToEvent reads, without the leaf hash. */
export type HashJob = Omit<EventRow, 'leafHash' | 'erased'> & {
  seed: Buffer;
  body: string;
  erased?: EventRow['erased'];
};

export interface LeafHasher {
  hash(jobs: HashJob[]): Promise<Buffer[]>;
  close(): Promise<void>;
}

/** Hash jobs on their way to the worker (store/row-transfer.ts), with any erasure material by index. */
export interface PackedJobs extends PackedRows {
  erased: Array<[number, NonNullable<EventRow['erased']>]>;
}

export function packJobs(jobs: readonly HashJob[]): PackedJobs {
  const erased: PackedJobs['erased'] = [];
  const rows = packRows(jobs, (job, i) => {
    if (job.erased) erased.push([i, job.erased]);
  });
  return { ...rows, erased };
}

export function unpackJobs(packed: PackedJobs): HashJob[] {
  const erased = new Map(packed.erased);
  return unpackRows(packed, (i) => ({ erased: erased.get(i) ?? null }));
}

export function leafHashOf(job: HashJob, personalFields: readonly string[]): Buffer {
  const event = rowToEvent(job);
  if (!event) throw new Error(`event ${job.seq} has no body`);
  return ledgerLeaf(event, job.seed, personalFields, job.erased ?? null);
}

export function createInlineHasher(personalFields: readonly string[]): LeafHasher {
  return {
    async hash(jobs) {
      return jobs.map((job) => leafHashOf(job, personalFields));
    },
    async close() {},
  };
}

/** A worker-thread hasher, or the inline one when the worker script is not built. */
export function createWorkerHasher(personalFields: readonly string[]): LeafHasher {
  const script = builtScript(import.meta.url, 'hasher-worker.js');
  if (!script) return createInlineHasher(personalFields);
  // Stateless: a hasher that stopped on an error is replaced for the next batch.
  const client = createWorkerClient(script, { personalFields }, { restart: true });
  return {
    async hash(jobs) {
      if (jobs.length === 0) return [];
      const { hashes } = await client.call<{ hashes: Uint8Array }>({ jobs: packJobs(jobs) });
      const all = Buffer.from(hashes.buffer, hashes.byteOffset, hashes.byteLength);
      return jobs.map((_, i) => all.subarray(i * 32, i * 32 + 32));
    },
    close: () => client.close(),
  };
}
