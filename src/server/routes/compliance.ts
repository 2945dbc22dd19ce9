// Compliance API (docs/compliance.md): retention runs, legal holds and subject access. Changes and
// personal-data exports need the admin scope; each is recorded in the ledger.

import type { ComplianceContext } from '../../compliance/context.js';
import { complianceEvent } from '../../compliance/context.js';
import { listHolds, placeHold, releaseHold } from '../../compliance/holds.js';
import { runRetention } from '../../compliance/retention.js';
import { subjectAccess, subjectCsv } from '../../compliance/subject-access.js';
import { SteleError } from '../../core/errors.js';
import { readBody } from '../body.js';
import { sendJson, sendText, type Router } from '../http.js';

export function registerComplianceRoutes(router: Router, compliance: () => Promise<ComplianceContext>): void {
  router.on('POST', '/v1/retention/run', 'admin', async (ctx) => {
    const dryRun = ctx.url.searchParams.get('dry_run') === 'true';
    sendJson(ctx.res, 200, await runRetention(await compliance(), { dryRun }));
  });

  router.on('GET', '/v1/holds', 'read', async (ctx) => {
    sendJson(ctx.res, 200, { holds: await listHolds(await compliance()) });
  });

  router.on('POST', '/v1/holds', 'admin', async (ctx) => {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(ctx.req, 64 * 1024)) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof SteleError) throw err;
      throw new SteleError('validation', 'body must be JSON: {"query", "from", "to", "reason"}');
    }
    const text = (name: string): string | undefined => {
      const v = body[name];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string') throw new SteleError('validation', `${name} must be a string`);
      return v;
    };
    const reason = text('reason');
    if (reason === undefined) throw new SteleError('validation', 'reason is required');
    const query = text('query');
    const from = text('from');
    const to = text('to');
    const hold = await placeHold(
      await compliance(),
      {
        reason,
        ...(query === undefined ? {} : { query }),
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
      },
      ctx.principal?.name ?? 'unknown',
    );
    sendJson(ctx.res, 201, hold);
  });

  router.on('DELETE', '/v1/holds/{id}', 'admin', async (ctx) => {
    sendJson(
      ctx.res,
      200,
      await releaseHold(await compliance(), ctx.params.id!, ctx.principal?.name ?? 'unknown'),
    );
  });

  router.on('GET', '/v1/subject-access', 'admin', async (ctx) => {
    const user = ctx.url.searchParams.get('user');
    if (!user) throw new SteleError('validation', 'user is required');
    const c = await compliance();
    const result = await subjectAccess(c.store, user, c.clock);
    if (ctx.url.searchParams.get('format') === 'csv')
      sendText(ctx.res, 200, subjectCsv(result), 'text/csv; charset=utf-8');
    else sendJson(ctx.res, 200, result);
    // The export is itself recorded; the person's name goes in message, a personal (erasable) field.
    await c.record(
      complianceEvent('stele.subject_access', c.clock.now(), `subject access export for ${user}`, {
        events: result.summary.events,
        by: ctx.principal?.name ?? 'unknown',
      }),
    );
  });
}
