// The worker side of a thread that reads the store for another (verification's row checkers, export
// readers): calls come with an id (core/worker-rpc.ts), are answered through the worker's own
// read-only connection, opened on first use, and `{ close: true }` closes it.

import { parentPort, type TransferListItem } from 'node:worker_threads';
import { openStore, type StoreTarget } from './open.js';
import type { Store } from './store.js';

export interface Answer {
  reply: object;
  transfer: TransferListItem[];
}

export function answerStoreCalls<R extends object>(
  target: StoreTarget,
  answer: (store: Store, request: R) => Promise<Answer>,
): void {
  let store: Promise<Store> | undefined;
  const handle = async (request: R & { close?: boolean }): Promise<Answer> => {
    if (request.close) {
      const opened = store;
      store = undefined;
      if (opened) await (await opened).close();
      return { reply: {}, transfer: [] };
    }
    store ??= openStore(target, { readonly: true });
    return answer(await store, request);
  };
  parentPort!.on('message', (request: R & { id: number; close?: boolean }) => {
    void handle(request).then(
      ({ reply, transfer }) => parentPort!.postMessage({ ...reply, id: request.id }, transfer),
      (err: unknown) => parentPort!.postMessage({ id: request.id, error: (err as Error).message }),
    );
  });
}
