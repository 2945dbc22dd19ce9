// The worker side of verify-recompute.ts: reads ranges of rows through its own read-only store
// connection and recomputes their leaf hashes.

import { workerData } from 'node:worker_threads';
import type { StoreTarget } from '../store/open.js';
import { answerStoreCalls } from '../store/store-worker.js';
import { checkRange, packRows } from './verify-recompute.js';

const { personalFields, target } = workerData as { personalFields: string[]; target: StoreTarget };

answerStoreCalls<{ from: number; to: number }>(target, async (store, request) => {
  const packed = packRows(await checkRange(store, personalFields, request.from, request.to));
  const buffers = [packed.seqs, packed.ts, packed.stored, packed.leaves].map((a) => a.buffer as ArrayBuffer);
  return { reply: packed, transfer: buffers };
});
