// GET /v1/export: every matching event as NDJSON or CSV, streamed page by page (SearchService.export:
// keyset paging over a snapshot of the ledger), waiting for the client to drain: constant memory.

import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { SteleError } from '../../core/errors.js';
import type { RequestContext, Router } from '../http.js';
import type { ServerDeps } from '../deps.js';
import { auditRead, describeRead } from './search.js';

export function registerExportRoutes(router: Router, deps: ServerDeps): void {
  router.on('GET', '/v1/export', 'read', (ctx) => exportEvents(ctx, deps));
}

/**
 * Resolves false when the client went away. The listeners of the wait are removed once it is
 * over: left behind, each wait added a 'close' and an 'error' listener to the response, and a
 * long export to a slow client piled them up.
 */
export async function write(res: ServerResponse, chunk: Buffer): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  const over = new AbortController();
  try {
    await Promise.race([
      once(res, 'drain', { signal: over.signal }),
      once(res, 'close', { signal: over.signal }),
    ]);
  } catch {
    // An error on the response: it is destroyed, which the caller is told below.
  } finally {
    over.abort();
  }
  return !res.destroyed;
}

async function exportEvents(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  const p = ctx.url.searchParams;
  const format = p.get('format') ?? 'ndjson';
  if (format !== 'ndjson' && format !== 'csv')
    throw new SteleError('validation', 'format must be ndjson or csv');
  const search = deps.search.prepare(p.get('q') ?? '', p.get('from'), p.get('to'));
  const maxSeq = deps.admitter.committedSize() - 1;
  ctx.res.writeHead(200, {
    'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
    'content-disposition': `attachment; filename="stele-export.${format}"`,
  });
  let exported = 0;
  for await (const chunk of deps.search.export(search, format, { maxSeq })) {
    if (!(await write(ctx.res, chunk.data))) break;
    exported += chunk.events;
  }
  if (!ctx.res.destroyed) ctx.res.end();
  auditRead(ctx, deps, 'stele.export', describeRead(ctx.url), exported);
}
