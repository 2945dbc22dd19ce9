// /v1/events: durable ingest and reading.

import { SteleError } from '../../core/errors.js';
import { validateOnce } from '../../core/validate.js';
import type { Candidate } from '../../ingest/admitter.js';
import { readBody } from '../body.js';
import { decodeEvents, type DecodedItem } from '../decode-events.js';
import { createParser, FORMATS, isFormat } from '../../parsers/index.js';
import { sendJson, type RequestContext, type Router } from '../http.js';
import type { ServerDeps } from '../deps.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { auditRead, describeRead } from './search.js';

export const MAX_PAGE = 10_000;

export function registerEventRoutes(router: Router, deps: ServerDeps): void {
  router.on('POST', '/v1/events', 'ingest', (ctx) => ingest(ctx, deps));
  router.on('GET', '/v1/events', 'read', (ctx) => list(ctx, deps));
  router.on('GET', '/v1/events/count', 'read', (ctx) => count(ctx, deps));
  router.on('GET', '/v1/events/{seq}', 'read', (ctx) => getOne(ctx, deps));
}

async function ingest(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  if (deps.shuttingDown()) throw new SteleError('unavailable', 'server is shutting down');
  const format = ctx.url.searchParams.get('format');
  if (format !== null && !isFormat(format)) {
    throw new SteleError('validation', `unknown format '${format}' (expected one of ${FORMATS.join(', ')})`);
  }
  const body = await readBody(ctx.req, deps.config.limits.max_body_bytes);
  const items =
    format === null || format === 'json'
      ? decodeEvents(body, deps.config.limits.max_events_per_request)
      : parseRaw(body, format, deps);
  await admitAndReply(ctx, deps, items, `http:${ctx.principal?.name ?? 'anonymous'}`);
}

/** Raw records in a log format; each result's index is the 0-based line its record starts on. */
function parseRaw(body: string, format: string, deps: ServerDeps): Array<DecodedItem & { index: number }> {
  const parser = createParser(format, { now: Date.now(), timezone: deps.config.timezone });
  const lines = body.split('\n');
  if (lines.length > deps.config.limits.max_events_per_request) {
    throw new SteleError(
      'too_large',
      `more than ${deps.config.limits.max_events_per_request} lines in one request`,
    );
  }
  const results = lines.flatMap((line, i) => parser.push(line.replace(/\r$/, ''), i + 1));
  results.push(...parser.end());
  return results.map((r) =>
    'event' in r
      ? { index: r.line - 1, ok: true, value: r.event, ts: r.ts }
      : { index: r.line - 1, ok: false, message: r.error },
  );
}

/** Validates, admits and answers with accepted/duplicates/rejected (200, or 422 when none was accepted). */
export async function admitAndReply(
  ctx: RequestContext,
  deps: ServerDeps,
  items: Array<DecodedItem & { index?: number }>,
  source: string,
): Promise<void> {
  const candidates: Candidate[] = [];
  const rejected: Array<{ index: number; field: string; message: string }> = [];
  items.forEach((item, position) => {
    const index = item.index ?? position;
    if (!item.ok) {
      rejected.push({ index, field: '', message: item.message });
      return;
    }
    const v = validateOnce(item.value, item.ts);
    if (v.ok) candidates.push({ index, event: v.event, ts: v.ts });
    else rejected.push({ index, field: v.field, message: v.message });
  });
  deps.metrics.rejectedEvents(source, rejected.length);
  const result = await deps.admitter.submit(candidates, source);
  const reply = { accepted: result.accepted, duplicates: result.duplicates, rejected };
  if (result.accepted.length + result.duplicates.length > 0) {
    sendJson(ctx.res, 200, reply);
    return;
  }
  const first = rejected[0];
  const why = first
    ? `event ${first.index}: ${first.field ? `${first.field}: ` : ''}${first.message}`
    : 'no events';
  sendJson(ctx.res, 422, {
    error: { code: 'validation', message: `no event was accepted (${why})`, details: rejected.slice(0, 100) },
    ...reply,
  });
}

function pageLimit(ctx: RequestContext): number {
  const raw = ctx.url.searchParams.get('limit');
  if (raw === null) return 100;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) {
    throw new SteleError('validation', `limit must be an integer from 1 to ${MAX_PAGE}`);
  }
  return n;
}

async function list(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  const p = ctx.url.searchParams;
  const limit = pageLimit(ctx);
  const cursor = p.get('cursor');
  const position = cursor ? decodeCursor(cursor) : undefined;
  const search = deps.search.prepare(p.get('q') ?? '', p.get('from'), p.get('to'));
  const maxSeq = position?.max ?? deps.admitter.committedSize() - 1;
  const page = await deps.search.page(search, { limit, after: position, maxSeq });
  const last = page.at(-1);
  const next_cursor =
    page.length === limit && last
      ? encodeCursor({ ts: Date.parse(last['@timestamp']), seq: last.stele.seq, max: maxSeq })
      : null;
  sendJson(ctx.res, 200, { events: page, next_cursor });
  auditRead(ctx, deps, 'stele.search', describeRead(ctx.url), page.length);
}

async function count(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  const p = ctx.url.searchParams;
  const search = deps.search.prepare(p.get('q') ?? '', p.get('from'), p.get('to'));
  const n = await deps.search.count(search);
  sendJson(ctx.res, 200, { count: n });
  auditRead(ctx, deps, 'stele.search', describeRead(ctx.url), n);
}

async function getOne(ctx: RequestContext, deps: ServerDeps): Promise<void> {
  const seq = parseSeq(ctx.params.seq!);
  const event = await deps.search.get(seq);
  if (!event) throw new SteleError('not_found', `no event with seq ${seq}`);
  sendJson(ctx.res, 200, event);
  auditRead(ctx, deps, 'stele.search', `seq=${seq}`, 1);
}

export function parseSeq(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new SteleError('validation', `'${text}' is not a ledger index`);
  return Number(text);
}
