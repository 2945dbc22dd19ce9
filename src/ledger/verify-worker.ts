// The worker side of verify-recompute.ts: reads ranges of rows through its own read-only store
// connection and recomputes their leaf hashes.

import { parentPort, workerData } from 'node:worker_threads';
import type { StoreTarget } from '../store/open.js';
import type { Store } from '../store/store.js';
import { checkRange, openWorkerStore, packRows } from './verify-recompute.js';

const { personalFields, target } = workerData as { personalFields: string[]; target: StoreTarget };
let store: Promise<Store> | undefined;

interface Request {
  id: number;
  from?: number;
  to?: number;
  close?: boolean;
}

parentPort!.on('message', (request: Request) => {
  void answer(request).then(
    ({ reply, transfer }) => parentPort!.postMessage({ ...reply, id: request.id }, transfer),
    (err: unknown) => parentPort!.postMessage({ id: request.id, error: (err as Error).message }),
  );
});

async function answer(request: Request): Promise<{ reply: object; transfer: ArrayBuffer[] }> {
  if (request.close) {
    if (store) await (await store).close();
    return { reply: {}, transfer: [] };
  }
  store ??= openWorkerStore(target);
  const packed = packRows(await checkRange(await store, personalFields, request.from!, request.to!));
  const buffers = [packed.seqs, packed.ts, packed.stored, packed.leaves].map((a) => a.buffer as ArrayBuffer);
  return { reply: packed, transfer: buffers };
}
