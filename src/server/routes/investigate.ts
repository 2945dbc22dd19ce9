// Investigation routes: session and user/host timelines, IP pivots, first-seen facts, and the
// events around one event on its host. Each read is audited.

import { SteleError } from '../../core/errors.js';
import { InvestigationService, MAX_TIMELINE, type TimelineRequest } from '../../query/investigate.js';
import { sendJson, type RequestContext, type Router } from '../http.js';
import type { ServerDeps } from '../deps.js';
import { parseSeq } from './events.js';
import { auditRead, describeRead } from './search.js';

export function registerInvestigateRoutes(router: Router, deps: ServerDeps): void {
  const service = new InvestigationService(deps.store);
  router.on('GET', '/v1/timeline', 'read', (ctx) => timeline(ctx, deps, service));
  router.on('GET', '/v1/pivot', 'read', (ctx) => pivot(ctx, deps, service));
  router.on('GET', '/v1/first-seen', 'read', (ctx) => firstSeen(ctx, deps, service));
  router.on('GET', '/v1/events/{seq}/around', 'read', (ctx) => around(ctx, deps, service));
}

function num(url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new SteleError('validation', `${name} must be an integer from 1 to ${max}`);
  return n;
}

function range(ctx: RequestContext, deps: ServerDeps): { from?: number; to?: number } {
  const p = ctx.url.searchParams;
  const { from, to } = deps.search.prepare('', p.get('from'), p.get('to'));
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

async function timeline(ctx: RequestContext, deps: ServerDeps, service: InvestigationService): Promise<void> {
  const p = ctx.url.searchParams;
  const request: TimelineRequest = { ...range(ctx, deps), limit: num(ctx.url, 'limit', 1000, MAX_TIMELINE) };
  for (const key of ['session', 'user', 'host'] as const) {
    const v = p.get(key);
    if (v) request[key] = v;
  }
  const entries = await service.timeline(request);
  sendJson(ctx.res, 200, { events: entries.map((e) => ({ ...e.event, annotations: e.annotations })) });
  auditRead(ctx, deps, 'stele.search', describeRead(ctx.url), entries.length);
}

async function pivot(ctx: RequestContext, deps: ServerDeps, service: InvestigationService): Promise<void> {
  const ip = ctx.url.searchParams.get('ip');
  if (!ip) throw new SteleError('validation', 'ip is required');
  const { from, to } = range(ctx, deps);
  const result = await service.pivot(ip, from, to, num(ctx.url, 'top', 100, 1000));
  sendJson(ctx.res, 200, { ip, ...result });
  auditRead(ctx, deps, 'stele.search', describeRead(ctx.url), result.events);
}

async function firstSeen(
  ctx: RequestContext,
  deps: ServerDeps,
  service: InvestigationService,
): Promise<void> {
  const p = ctx.url.searchParams;
  const user = p.get('user');
  if (!user) throw new SteleError('validation', 'user is required');
  const result = await service.firstSeen(user, p.get('host') ?? undefined);
  sendJson(ctx.res, 200, result);
  auditRead(
    ctx,
    deps,
    'stele.search',
    describeRead(ctx.url),
    result.ips.length + (result.first_login ? 1 : 0),
  );
}

async function around(ctx: RequestContext, deps: ServerDeps, service: InvestigationService): Promise<void> {
  const seq = parseSeq(ctx.params.seq!);
  const minutes = num(ctx.url, 'minutes', 5, 1440);
  const result = await service.around(seq, minutes, num(ctx.url, 'limit', 1000, MAX_TIMELINE));
  sendJson(ctx.res, 200, result);
  auditRead(ctx, deps, 'stele.search', `seq=${seq} ${describeRead(ctx.url)}`.trim(), result.events.length);
}
