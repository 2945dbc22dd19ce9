// /v1/aggregate and /v1/histogram, and the read audit: every search, count, export, aggregation and
// proof served through the API is itself recorded as an event (dataset stele.audit).

import { systemClock } from '../../core/clock.js';
import { SteleError } from '../../core/errors.js';
import type { AuditEvent } from '../../core/event.js';
import { validateEvent } from '../../core/validate.js';
import {
  AggregateService,
  presentAggregate,
  presentHistogram,
  type AggregateOptions,
} from '../../query/aggregate.js';
import { sendJson, type RequestContext, type Router } from '../http.js';
import type { ServerDeps } from '../deps.js';

export type ReadAction = 'stele.search' | 'stele.export' | 'stele.proof';

const MAX_QUERY_IN_AUDIT = 4096;
let auditFailures = 0;

/** Audit events that could not be recorded (the read itself was served). */
export function readAuditFailures(): number {
  return auditFailures;
}

/**
 * Records who read what and how many results they got. Called after the reply was sent; never
 * throws and is not awaited, so reading is not slowed by the commit. The audit event is admitted
 * like any other (source `stele`), which reads nothing, so it cannot recurse.
 */
export function auditRead(
  ctx: RequestContext,
  deps: ServerDeps,
  action: ReadAction,
  query: string,
  results: number,
): void {
  try {
    const keyName = ctx.principal?.name ?? 'anonymous';
    const shown = query.length > MAX_QUERY_IN_AUDIT ? `${query.slice(0, MAX_QUERY_IN_AUDIT)}…` : query;
    const route = ctx.url.pathname;
    const event: Record<string, unknown> = {
      '@timestamp': new Date().toISOString(),
      event: { action, outcome: 'success', type: 'access', kind: 'event', dataset: 'stele.audit' },
      user: { name: keyName },
      service: { type: 'stele', name: 'stele' },
      // The query text goes in `message` only: it can name people, and personal fields are the
      // ones erasure can remove without changing the ledger entry.
      labels: { route, results: String(results) },
      related: { user: [keyName] },
      message: `${action} by API key '${keyName}' on ${route}: ${results} result${results === 1 ? '' : 's'}${shown ? ` for ${shown}` : ''}`,
    };
    const remote = ctx.req.socket.remoteAddress;
    if (remote) {
      const ip = remote.startsWith('::ffff:') ? remote.slice(7) : remote;
      event.source = { ip };
      (event.related as Record<string, unknown>).ip = [ip];
    }
    const checked = validateEvent(event);
    if (!checked.ok) {
      auditFailures++;
      return;
    }
    const audit: AuditEvent = checked.event;
    deps.admitter
      .submit([{ index: 0, event: audit, ts: Date.parse(audit['@timestamp']) }], 'stele')
      .catch(() => {
        auditFailures++;
      });
  } catch {
    auditFailures++;
  }
}

/** The query text of a read, as recorded: q plus the other parameters that shaped the result. */
export function describeRead(url: URL): string {
  const params = [...url.searchParams].filter(([k]) => k !== 'cursor');
  return params.map(([k, v]) => `${k}=${v}`).join(' ');
}

const services = new WeakMap<ServerDeps, AggregateService>();
function aggregates(deps: ServerDeps): AggregateService {
  let s = services.get(deps);
  if (!s) services.set(deps, (s = new AggregateService(deps.store, deps.search, systemClock)));
  return s;
}

export function registerSearchRoutes(router: Router, deps: ServerDeps): void {
  router.on('GET', '/v1/aggregate', 'read', (ctx) => aggregate(ctx, deps));
  router.on('GET', '/v1/histogram', 'read', (ctx) => histogram(ctx, deps));
}

function intParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw new SteleError('validation', `${name} must be a positive integer`);
  return Number(raw);
}

async function aggregate(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  const p = ctx.url.searchParams;
  const search = deps.search.prepare(p.get('q') ?? '', p.get('from'), p.get('to'));
  const by = (p.get('by') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const options: AggregateOptions = { by };
  const top = intParam(ctx.url, 'top');
  if (top !== undefined) options.top = top;
  const distinct = p.get('distinct');
  if (distinct) options.distinct = distinct;
  const sort = p.get('sort');
  if (sort) {
    if (sort !== 'count' && sort !== 'failures' && sort !== 'distinct') {
      throw new SteleError('validation', 'sort must be count, failures or distinct');
    }
    options.sort = sort;
  }
  const result = await aggregates(deps).aggregate(search, options);
  sendJson(ctx.res, 200, presentAggregate(result));
  auditRead(ctx, deps, 'stele.search', describeRead(ctx.url), result.total);
}

async function histogram(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  const p = ctx.url.searchParams;
  const search = deps.search.prepare(p.get('q') ?? '', p.get('from'), p.get('to'));
  const failures = p.get('failures') === 'true';
  const result = await aggregates(deps).histogram(search, p.get('interval') ?? 'auto', failures);
  sendJson(ctx.res, 200, presentHistogram(result));
  auditRead(ctx, deps, 'stele.search', describeRead(ctx.url), result.total);
}
