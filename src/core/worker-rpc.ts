// Request/reply over a worker thread: each call carries an id, the worker answers with the same id
// and either a result or an error message. The worker keeps the process alive only while a call is
// outstanding.

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type TransferListItem } from 'node:worker_threads';

export interface WorkerClient {
  call<T>(message: object, transfer?: readonly TransferListItem[]): Promise<T>;
  close(): Promise<void>;
}

interface Reply {
  id: number;
  error?: string;
  [key: string]: unknown;
}

/**
 * The compiled script `name` beside the calling module (given as its import.meta.url). When the
 * caller runs from TypeScript sources (tests), the build's copy under dist/ is used if it exists.
 */
export function builtScript(callerUrl: string, name: string): string | undefined {
  const here = fileURLToPath(callerUrl);
  const dir = here.slice(0, here.lastIndexOf('/'));
  const candidates = [`${dir}/${name}`, `${dir.replace(/\/src\//, '/dist/src/')}/${name}`];
  return candidates.find((c) => fs.existsSync(c));
}

export function createWorkerClient(script: string, workerData: unknown): WorkerClient {
  const worker = new Worker(script, { workerData });
  worker.unref();
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let failure: Error | undefined;
  worker.on('message', (reply: Reply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.error !== undefined) p.reject(new Error(reply.error));
    else p.resolve(reply);
  });
  const fail = (err: Error) => {
    failure = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => {
    if (!failure) fail(new Error(`worker ${script} exited (code ${code})`));
  });
  return {
    call<T>(message: object, transfer: readonly TransferListItem[] = []): Promise<T> {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (r: Reply) => void, reject });
        worker.ref();
        worker.postMessage({ ...message, id }, transfer);
      });
    },
    async close() {
      failure ??= new Error('worker closed');
      await worker.terminate();
    },
  };
}
