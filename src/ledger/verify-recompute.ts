// Reading and recomputing the stored entries, for verification: ranges of rows are read from the
// store and each row's leaf hash is recomputed with rowToEvent and ledgerEntry, exactly as the
// writer and the proofs do. Two HMACs per personal field make this the costly step, so worker
// threads can do it, each reading its ranges through its own read-only store connection; the
// calling thread then only compares hashes and extends the tree.

import { builtScript, createWorkerClient } from '../core/worker-rpc.js';
import type { StoreTarget } from '../store/open.js';
import { rowToEvent, type EventRow, type Store } from '../store/store.js';
import { ledgerLeaf } from './entry.js';

/** What a stored row's leaf hash recomputes to. */
export type RecomputedLeaf =
  /** `timeMatches`: the indexed time (ts column) is the event's `@timestamp`. */
  | { kind: 'leaf'; leaf: Buffer; timeMatches: boolean }
  /** The event's body has expired: only its stored leaf hash remains. */
  | { kind: 'expired' }
  | { kind: 'unreadable'; reason: string };

/** A stored row as verification sees it: where it is, its stored leaf and what it recomputes to. */
export interface CheckedRow {
  seq: number;
  ts: number;
  leafHash: Buffer;
  recomputed: RecomputedLeaf;
}

export interface RowChecker {
  /** Ranges worth having in flight at once. */
  readonly depth: number;
  /** The rows with from <= seq < to, in seq order. */
  read(from: number, to: number): Promise<CheckedRow[]>;
  close(): Promise<void>;
}

/** The leaf hash the row's event would have at ledger index `seq` (its own by default). */
export function recomputeLeaf(
  row: Omit<EventRow, 'leafHash'>,
  personalFields: readonly string[],
  seq = row.seq,
): RecomputedLeaf {
  if (row.body === null) return { kind: 'expired' };
  let event;
  try {
    event = rowToEvent(seq === row.seq ? row : { ...row, seq })!;
  } catch (err) {
    const what = err instanceof SyntaxError ? 'not valid JSON' : 'not a JSON object';
    return unreadable(`the stored event is ${what} (corrupted or edited)`);
  }
  try {
    // An erased value's commitment stands in for the value and its salt (compliance/erasure.ts).
    const seed = row.seed && (Buffer.isBuffer(row.seed) ? row.seed : Buffer.from(row.seed));
    const leaf = ledgerLeaf(event, seed, personalFields, row.erased ?? null);
    return { kind: 'leaf', leaf, timeMatches: Date.parse(event['@timestamp']) === row.ts };
  } catch (err) {
    return unreadable(`the stored event cannot be made into an entry (${(err as Error).message})`);
  }
}

function unreadable(reason: string): RecomputedLeaf {
  return { kind: 'unreadable', reason };
}

/**
 * Rows read per query. A range is read in slices so that only a slice's events are alive at once:
 * the young generation of the heap then frees them cheaply, where a whole range's bodies outlived
 * collections and were copied to the old generation.
 */
const READ_SLICE = 512;

/** Reads and recomputes the rows of [from, to) from `store`, in this thread. */
export async function checkRange(
  store: Store,
  personalFields: readonly string[],
  from: number,
  to: number,
): Promise<CheckedRow[]> {
  const checked: CheckedRow[] = [];
  for (let at = from; at < to;) {
    // Rows past a gap can lie beyond `to`: they belong to a later range and are dropped.
    const limit = Math.min(READ_SLICE, to - at);
    const rows = await store.scanEvents(at, limit);
    for (const row of rows) {
      if (row.seq >= to) return checked;
      checked.push({
        seq: row.seq,
        ts: row.ts,
        leafHash: row.leafHash,
        recomputed: recomputeLeaf(row, personalFields),
      });
    }
    if (rows.length < limit) break; // the end of the log
    at = rows[rows.length - 1]!.seq + 1;
  }
  return checked;
}

export function createInlineChecker(store: Store, personalFields: readonly string[]): RowChecker {
  return {
    depth: 2,
    read: (from, to) => checkRange(store, personalFields, from, to),
    async close() {},
  };
}

/** A range of checked rows packed for postMessage: a few typed arrays instead of objects per row. */
export interface PackedRows {
  seqs: Float64Array;
  ts: Float64Array;
  stored: Uint8Array;
  leaves: Uint8Array;
  expired: number[];
  unreadable: Array<[number, string]>;
  badTimes: number[];
}

export function packRows(rows: readonly CheckedRow[]): PackedRows {
  const packed: PackedRows = {
    seqs: Float64Array.from(rows, (r) => r.seq),
    ts: Float64Array.from(rows, (r) => r.ts),
    stored: new Uint8Array(rows.length * 32),
    leaves: new Uint8Array(rows.length * 32),
    expired: [],
    unreadable: [],
    badTimes: [],
  };
  rows.forEach((row, i) => {
    packed.stored.set(row.leafHash, i * 32);
    const r = row.recomputed;
    if (r.kind === 'expired') packed.expired.push(i);
    else if (r.kind === 'unreadable') packed.unreadable.push([i, r.reason]);
    else {
      packed.leaves.set(r.leaf, i * 32);
      if (!r.timeMatches) packed.badTimes.push(i);
    }
  });
  return packed;
}

function unpackRows(packed: PackedRows): CheckedRow[] {
  const view = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stored = view(packed.stored);
  const leaves = view(packed.leaves);
  const rows: CheckedRow[] = Array.from(packed.seqs, (seq, i) => ({
    seq,
    ts: packed.ts[i]!,
    leafHash: stored.subarray(i * 32, i * 32 + 32),
    recomputed: { kind: 'leaf', leaf: leaves.subarray(i * 32, i * 32 + 32), timeMatches: true },
  }));
  for (const i of packed.badTimes)
    rows[i]!.recomputed = { ...rows[i]!.recomputed, timeMatches: false } as RecomputedLeaf;
  for (const i of packed.expired) rows[i]!.recomputed = { kind: 'expired' };
  for (const [i, reason] of packed.unreadable) rows[i]!.recomputed = { kind: 'unreadable', reason };
  return rows;
}

/**
 * `count` worker threads, each with its own read-only connection to `target`, taking ranges in
 * turn. Without a built worker script (tests run from sources) the check stays in this thread.
 */
export function createRowChecker(
  store: Store,
  personalFields: readonly string[],
  workers: { count: number; target?: StoreTarget | undefined },
): RowChecker {
  const script =
    workers.count > 0 && workers.target ? builtScript(import.meta.url, 'verify-worker.js') : undefined;
  if (!script) return createInlineChecker(store, personalFields);
  const clients = Array.from({ length: workers.count }, () =>
    createWorkerClient(script, { personalFields, target: workers.target }),
  );
  let next = 0;
  return {
    depth: 2 * clients.length,
    async read(from, to) {
      const client = clients[next++ % clients.length]!;
      return unpackRows(await client.call<PackedRows>({ from, to }));
    },
    async close() {
      await Promise.all(clients.map((client) => client.call({ close: true }).catch(() => undefined)));
      await Promise.all(clients.map((client) => client.close()));
    },
  };
}
