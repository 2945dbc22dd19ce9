// Ledger routes: the latest signed checkpoint, inclusion and consistency proofs, and the public
// verifier key that checks the checkpoints' signatures (the console verifies proofs with it).

import { SteleError } from '../../core/errors.js';
import { sendJson, sendText, type Router } from '../http.js';
import type { ServerDeps } from '../deps.js';
import { auditRead } from './search.js';
import { parseSeq } from './events.js';

export function registerLedgerRoutes(router: Router, deps: ServerDeps): void {
  router.on('GET', '/v1/checkpoint', 'read', async ({ res }) => {
    sendText(res, 200, (await deps.ledger.latestCheckpoint()).note);
  });
  router.on('GET', '/v1/events/{seq}/proof', 'read', async (ctx) => {
    const seq = parseSeq(ctx.params.seq!);
    sendJson(ctx.res, 200, await deps.ledger.proveInclusion(seq));
    auditRead(ctx, deps, 'stele.proof', `seq=${seq}`, 1);
  });
  // The ledger's health at a glance: size and latest checkpoint, the last scheduled verification,
  // and what each witness last took.
  router.on('GET', '/v1/status', 'read', async ({ res }) => {
    const cp = await deps.store.latestCheckpoint();
    const status = deps.status?.() ?? { verification: null, witnesses: [] };
    const v = status.verification;
    sendJson(res, 200, {
      ledger: {
        size: deps.admitter.committedSize(),
        checkpoint: cp ? { size: cp.size, created: new Date(cp.created).toISOString() } : null,
      },
      verification: v && {
        ok: v.ok,
        finished: new Date(v.finished).toISOString(),
        size: v.size,
        verified: v.verified,
        checkpoints: v.checkpoints,
        ...(v.firstBadIndex === undefined ? {} : { first_bad_index: v.firstBadIndex }),
        ...(v.reason === undefined ? {} : { reason: v.reason }),
      },
      witnesses: status.witnesses.map((w) => ({
        witness: w.witness,
        type: w.type,
        last_size: w.lastSize,
        last_at: w.lastAt === null ? null : new Date(w.lastAt).toISOString(),
        last_error: w.lastError,
        last_error_at: w.lastErrorAt === null ? null : new Date(w.lastErrorAt).toISOString(),
      })),
    });
  });
  router.on('GET', '/v1/ledger/key', 'read', async ({ res }) => {
    if (!deps.ledgerKey) throw new SteleError('unavailable', 'the ledger key is not known to this server');
    sendJson(res, 200, deps.ledgerKey);
  });
  router.on('GET', '/v1/consistency', 'read', async ({ res, url }) => {
    const from = url.searchParams.get('from');
    const to = url.searchParams.get('to');
    if (from === null || to === null)
      throw new SteleError('validation', 'from and to (tree sizes) are required');
    sendJson(res, 200, await deps.ledger.proveConsistency(parseSeq(from), parseSeq(to)));
  });
}
