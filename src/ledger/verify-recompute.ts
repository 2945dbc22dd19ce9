// Recomputing leaf hashes from stored rows, for verification: in this thread, or spread over worker
// threads (two HMACs per personal field make this the costly step). Each row is rebuilt with
// rowToEvent and hashed with ledgerEntry, exactly as the writer and the proofs do.

import { builtScript, createWorkerClient } from '../core/worker-rpc.js';
import { rowToEvent, type EventRow } from '../store/store.js';
import { ledgerEntry } from './entry.js';
import { hashLeaf } from './merkle.js';

/** What a stored row's leaf hash recomputes to. */
export type RecomputedLeaf =
  /** `timeMatches`: the indexed time (ts column) is the event's `@timestamp`. */
  | { kind: 'leaf'; leaf: Buffer; timeMatches: boolean }
  /** The event's body has expired: only its stored leaf hash remains. */
  | { kind: 'expired' }
  | { kind: 'unreadable'; reason: string };

/** What recomputation needs of a row. */
export type RecomputeRow = Omit<EventRow, 'leafHash'>;

export interface Recomputer {
  recompute(rows: readonly RecomputeRow[]): Promise<RecomputedLeaf[]>;
  close(): Promise<void>;
}

/** The leaf hash the row's event would have at ledger index `seq` (its own by default). */
export function recomputeLeaf(
  row: RecomputeRow,
  personalFields: readonly string[],
  seq = row.seq,
): RecomputedLeaf {
  if (row.body === null) return { kind: 'expired' };
  let event;
  try {
    event = rowToEvent({ ...row, seq })!;
  } catch (err) {
    const what = err instanceof SyntaxError ? 'not valid JSON' : 'not a JSON object';
    return unreadable(`the stored event is ${what} (corrupted or edited)`);
  }
  try {
    // An erased value's commitment stands in for the value and its salt (compliance/erasure.ts).
    const seed = row.seed && Buffer.from(row.seed);
    const leaf = hashLeaf(ledgerEntry(event, seed, personalFields, row.erased ?? null));
    return { kind: 'leaf', leaf, timeMatches: Date.parse(event['@timestamp']) === row.ts };
  } catch (err) {
    return unreadable(`the stored event cannot be made into an entry (${(err as Error).message})`);
  }
}

function unreadable(reason: string): RecomputedLeaf {
  return { kind: 'unreadable', reason };
}

export function createInlineRecomputer(personalFields: readonly string[]): Recomputer {
  return {
    async recompute(rows) {
      return rows.map((row) => recomputeLeaf(row, personalFields));
    },
    async close() {},
  };
}

/** What a worker sends back for a batch: 32 bytes per row, and the rows that are not plain leaves. */
export interface WorkerReply {
  hashes: Uint8Array;
  expired: number[];
  unreadable: Array<[number, string]>;
  /** Rows whose ts column is not their `@timestamp`. */
  badTimes: number[];
}

/** Packs recomputed leaves for postMessage: one buffer of hashes instead of a Buffer per row. */
export function encodeReply(leaves: readonly RecomputedLeaf[]): WorkerReply {
  const reply: WorkerReply = {
    hashes: new Uint8Array(leaves.length * 32),
    expired: [],
    unreadable: [],
    badTimes: [],
  };
  leaves.forEach((r, i) => {
    if (r.kind === 'expired') reply.expired.push(i);
    else if (r.kind === 'unreadable') reply.unreadable.push([i, r.reason]);
    else {
      reply.hashes.set(r.leaf, i * 32);
      if (!r.timeMatches) reply.badTimes.push(i);
    }
  });
  return reply;
}

/**
 * `count` worker threads taking batches in turn, or this thread when `count` is 0 or the worker
 * script is not built.
 */
export function createRecomputer(personalFields: readonly string[], count: number): Recomputer {
  const script = count > 0 ? builtScript(import.meta.url, 'verify-worker.js') : undefined;
  if (!script) return createInlineRecomputer(personalFields);
  const clients = Array.from({ length: count }, () => createWorkerClient(script, { personalFields }));
  let next = 0;
  return {
    async recompute(rows) {
      const client = clients[next++ % clients.length]!;
      return decodeReply(await client.call<WorkerReply>({ rows }), rows.length);
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
    },
  };
}

function decodeReply(reply: WorkerReply, count: number): RecomputedLeaf[] {
  const all = Buffer.from(reply.hashes.buffer, reply.hashes.byteOffset, reply.hashes.byteLength);
  const leaves: RecomputedLeaf[] = Array.from({ length: count }, (_, i) => ({
    kind: 'leaf',
    leaf: all.subarray(i * 32, i * 32 + 32),
    timeMatches: true,
  }));
  for (const i of reply.badTimes)
    leaves[i] = { ...(leaves[i] as { leaf: Buffer }), kind: 'leaf', timeMatches: false };
  for (const i of reply.expired) leaves[i] = { kind: 'expired' };
  for (const [i, reason] of reply.unreadable) leaves[i] = { kind: 'unreadable', reason };
  return leaves;
}
