// The worker side of verify-recompute.ts: recomputes the leaf hashes of a batch of stored rows.

import { parentPort, workerData } from 'node:worker_threads';
import { encodeReply, recomputeLeaf, type RecomputeRow } from './verify-recompute.js';

const { personalFields } = workerData as { personalFields: string[] };

parentPort!.on('message', ({ id, rows }: { id: number; rows: RecomputeRow[] }) => {
  try {
    const reply = encodeReply(rows.map((row) => recomputeLeaf(row, personalFields)));
    parentPort!.postMessage({ ...reply, id }, [reply.hashes.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort!.postMessage({ id, error: (err as Error).message });
  }
});
