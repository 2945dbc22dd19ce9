// POST /v1/erasure (admin): erase a person's personal data; the erasure is recorded in the ledger.

import { SteleError } from '../../core/errors.js';
import { eraseSubject, erasureEvent } from '../../compliance/erasure.js';
import { readBody } from '../body.js';
import { sendJson, type Router } from '../http.js';
import type { ServerDeps } from '../deps.js';

export function registerErasureRoute(router: Router, deps: ServerDeps): void {
  router.on('POST', '/v1/erasure', 'admin', async (ctx) => {
    let request: { user?: unknown; ips?: unknown };
    try {
      request = JSON.parse(await readBody(ctx.req, 64 * 1024)) as typeof request;
    } catch (err) {
      if (err instanceof SteleError) throw err;
      throw new SteleError('validation', 'body must be JSON: {"user": "name", "ips": ["..."]}');
    }
    if (typeof request.user !== 'string' || request.user === '')
      throw new SteleError('validation', 'user is required');
    const ips = request.ips === undefined ? [] : request.ips;
    if (!Array.isArray(ips) || !ips.every((ip) => typeof ip === 'string')) {
      throw new SteleError('validation', 'ips must be a list of addresses');
    }
    const fields = JSON.parse((await deps.store.getMeta('personal_fields'))!) as string[];
    // Alerts from events already committed are raised first, so the erasure reaches them too: live
    // detection works on just-committed events from memory, not from the rows erased here.
    await deps.detectionIdle?.();
    const report = await eraseSubject(deps.store, fields, { user: request.user, ips });
    const event = erasureEvent(report, ctx.principal?.name ?? 'unknown', Date.now());
    await deps.admitter.submit([{ index: 0, event, ts: Date.parse(event['@timestamp']) }], 'stele');
    sendJson(ctx.res, 200, report);
  });
}
