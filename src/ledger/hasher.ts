// Leaf hashing off the main thread. Building an entry costs two HMACs per personal field, which
// makes it the heaviest step of admission; a worker thread does it on another core while the main
// thread parses requests and writes to the database. Each entry is rebuilt from the row exactly as
// it will be stored (rowToEvent), the same path verification takes.

import { builtScript, createWorkerClient } from '../core/worker-rpc.js';
import { rowToEvent, type EventRow } from '../store/store.js';
import { ledgerEntry } from './entry.js';
import { hashLeaf } from './merkle.js';

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

/**
 * A batch of jobs as a few flat arrays: structured clone copies arrays of strings and one byte
 * buffer far faster than a thousand small objects (about 1 µs per event instead of 4 here).
 */
export interface PackedJobs {
  seqs: number[];
  ts: number[];
  received: number[];
  sources: string[];
  bodies: string[];
  /** COLUMN_FIELDS values of every job, `columnsPerJob` each. */
  columns: Array<string | null>;
  columnsPerJob: number;
  /** The 32-byte seeds, one after the other. */
  seeds: Uint8Array;
  /** Erasure material by job index, for the jobs that have some. */
  erased: Array<[number, NonNullable<EventRow['erased']>]>;
}

export function packJobs(jobs: readonly HashJob[]): PackedJobs {
  const columnsPerJob = jobs[0]?.columns.length ?? 0;
  const packed: PackedJobs = {
    seqs: [],
    ts: [],
    received: [],
    sources: [],
    bodies: [],
    columns: [],
    columnsPerJob,
    seeds: new Uint8Array(jobs.length * 32),
    erased: [],
  };
  jobs.forEach((job, i) => {
    if (job.columns.length !== columnsPerJob) throw new Error('hash jobs differ in their columns');
    packed.seqs.push(job.seq);
    packed.ts.push(job.ts);
    packed.received.push(job.received);
    packed.sources.push(job.source);
    packed.bodies.push(job.body);
    for (const value of job.columns) packed.columns.push(value);
    packed.seeds.set(job.seed, i * 32);
    if (job.erased) packed.erased.push([i, job.erased]);
  });
  return packed;
}

export function unpackJobs(packed: PackedJobs): HashJob[] {
  const erased = new Map(packed.erased);
  const seeds = Buffer.from(packed.seeds.buffer, packed.seeds.byteOffset, packed.seeds.byteLength);
  const width = packed.columnsPerJob;
  return packed.seqs.map((seq, i) => ({
    seq,
    ts: packed.ts[i]!,
    received: packed.received[i]!,
    source: packed.sources[i]!,
    body: packed.bodies[i]!,
    columns: packed.columns.slice(i * width, i * width + width),
    seed: seeds.subarray(i * 32, i * 32 + 32),
    erased: erased.get(i) ?? null,
  }));
}

export function leafHashOf(job: HashJob, personalFields: readonly string[]): Buffer {
  const event = rowToEvent(job);
  if (!event) throw new Error(`event ${job.seq} has no body`);
  return hashLeaf(ledgerEntry(event, job.seed, personalFields, job.erased ?? null));
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
  const client = createWorkerClient(script, { personalFields });
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
