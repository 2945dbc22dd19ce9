// Operations: health, Prometheus metrics and the OpenAPI document.

import type { Admitter } from '../../ingest/admitter.js';
import { sendJson, sendText, type Router } from '../http.js';
import type { ServerDeps } from '../deps.js';
import { openApiDocument } from '../openapi.js';

export function registerOpsRoutes(router: Router, deps: ServerDeps, admitter: Admitter): void {
  const registry = deps.metrics.registry;
  registry.gauge('stele_ledger_size', 'Entries in the ledger.', () => admitter.committedSize());
  registry.gauge('stele_ingest_backlog', 'Events waiting for a transaction.', () => admitter.backlog);
  // Only producers missing something: every `stele ingest --server` run is a producer of its own,
  // and a series for each would grow without bound.
  registry.gauge('stele_producer_gaps', 'Sequence numbers missing per producer (those missing any).', () =>
    [...admitter.producerStates.values()]
      .filter((p) => p.gaps > 0)
      .map((p) => ({ labels: { producer: p.id }, value: p.gaps })),
  );
  let dbBytes = 0;
  registry.gauge('stele_database_bytes', 'Size of the database on disk.', () => dbBytes);

  router.on('GET', '/healthz', null, async ({ res }) => {
    sendJson(res, deps.shuttingDown() ? 503 : 200, {
      status: deps.shuttingDown() ? 'stopping' : 'ok',
      ledgerSize: admitter.committedSize(),
    });
  });
  router.on('GET', '/metrics', null, async ({ res }) => {
    dbBytes = await deps.store.sizeBytes();
    sendText(res, 200, registry.render(), 'text/plain; version=0.0.4; charset=utf-8');
  });
  router.on('GET', '/v1/openapi.json', null, async ({ res }) => {
    sendJson(res, 200, openApiDocument());
  });
}
