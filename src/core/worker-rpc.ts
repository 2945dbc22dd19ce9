// Request/reply over a worker thread: each call carries an id, the worker answers with the same id
// and either a result or an error message. The worker keeps the process alive only while a call is
// outstanding.

import fs from 'node:fs';
import path from 'node:path';
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

export interface WorkerClientOptions {
  /**
   * Start a new worker for the next call after this one stopped on an error (the calls it had
   * were rejected). Off by default: the caller must be able to start over from durable state.
   */
  restart?: boolean;
}

export function createWorkerClient(
  script: string,
  workerData: unknown,
  options: WorkerClientOptions = {},
): WorkerClient {
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let failure: Error | undefined;
  let closed = false;
  const fail = (err: Error) => {
    failure = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const start = (): Worker => {
    const started = new Worker(script, { workerData });
    started.unref();
    started.on('message', (reply: Reply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (pending.size === 0) started.unref();
      if (reply.error !== undefined) p.reject(new Error(reply.error));
      else p.resolve(reply);
    });
    // An error thrown in the worker arrives structured-cloned, and some lose their message on the
    // way (better-sqlite3's SqliteError keeps only its code): name the worker and what is left.
    // A replaced worker's late events concern nobody.
    started.on('error', (err: Error & { code?: unknown }) => {
      if (worker !== started) return;
      const what = err.message || String(err.code ?? err);
      fail(new Error(`${path.basename(script)} stopped: ${what}`, { cause: err }));
    });
    started.on('exit', (code) => {
      if (worker === started && !failure) fail(new Error(`worker ${script} exited (code ${code})`));
    });
    return started;
  };
  let worker = start();
  return {
    call<T>(message: object, transfer: readonly TransferListItem[] = []): Promise<T> {
      if (failure && options.restart && !closed) {
        failure = undefined;
        worker = start();
      }
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      const target = worker;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (r: Reply) => void, reject });
        target.ref();
        target.postMessage({ ...message, id }, transfer);
      });
    },
    async close() {
      closed = true;
      failure ??= new Error('worker closed');
      await worker.terminate();
    },
  };
}
