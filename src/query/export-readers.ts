// Export readers: worker threads, each with its own read-only connection to the store, that read
// and write whole pages of an export while the thread serving it only passes them on in order.
// One thread read and wrote about 140,000 events/s at best (2.7 µs of a page's 7 µs per event in
// SQLite, the rest writing the JSON); the pages of one export are independent once their bounds
// are known (Store.pageEnds), so they can be written side by side.

import os from 'node:os';
import { builtScript, createWorkerClient, type WorkerClient } from '../core/worker-rpc.js';
import type { StoreTarget } from '../store/open.js';
import type { SearchRequest } from '../store/store.js';
import type { ExportFormat } from './export-page.js';

export interface ExportReadersOptions {
  /** Worker threads; 0 keeps every export in the serving thread. */
  count: number;
  /** Where the workers open the store (the server's own data directory or database). */
  target: StoreTarget;
}

export interface ExportReaders {
  readonly size: number;
  pageEnds(request: SearchRequest, pages: number): Promise<Array<{ ts: number; seq: number }>>;
  /** The page's events written in `format`, and how many there are. */
  page(request: SearchRequest, format: ExportFormat): Promise<{ data: Buffer; events: number }>;
  close(): Promise<void>;
}

/** How many readers `stele serve` starts unless `search.export_readers` says: the cores, at most 4. */
export function defaultExportReaders(): number {
  return Math.min(4, os.availableParallelism());
}

/** The compiled worker script, if the sources have been built. */
export function exportWorkerScript(): string | undefined {
  return builtScript(import.meta.url, 'export-worker.js');
}

/** The readers, or undefined without a built worker script (tests running from sources). */
export function createExportReaders(options: ExportReadersOptions): ExportReaders | undefined {
  const script = options.count > 0 ? exportWorkerScript() : undefined;
  if (!script) return undefined;
  // A reader that stopped (its store could not be opened, say) fails the calls it had; the next
  // call starts a new one, since every call stands alone.
  const clients: WorkerClient[] = Array.from({ length: options.count }, () =>
    createWorkerClient(script, { target: options.target }, { restart: true }),
  );
  let next = 0;
  const pick = () => clients[next++ % clients.length]!;
  return {
    size: clients.length,
    async pageEnds(request, pages) {
      return (await pick().call<{ ends: Array<{ ts: number; seq: number }> }>({ ends: request, pages })).ends;
    },
    async page(request, format) {
      const reply = await pick().call<{ data: Uint8Array; events: number }>({ page: request, format });
      const { buffer, byteOffset, byteLength } = reply.data;
      return { data: Buffer.from(buffer, byteOffset, byteLength), events: reply.events };
    },
    async close() {
      await Promise.all(clients.map((client) => client.call({ close: true }).catch(() => undefined)));
      await Promise.all(clients.map((client) => client.close()));
    },
  };
}

/**
 * A request as the worker received it: structured cloning turned the Buffers among the filter's
 * parameters (IP addresses in stored form) into plain Uint8Arrays, which are made Buffers again.
 */
export function revived<T>(value: T): T {
  if (value instanceof Uint8Array) {
    return (
      Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    ) as T;
  }
  if (Array.isArray(value)) return value.map(revived) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revived(v)])) as T;
  }
  return value;
}
