// POST /v1/k8s/audit: the Kubernetes audit webhook backend. A kube-apiserver started with
// --audit-webhook-config-file pointing here posts audit.k8s.io/v1 EventLists; each request (all its
// stages) becomes one event. The reply is sent once the events are durable, so the apiserver's
// own retry covers a failed commit.

import { readBody } from '../body.js';
import { createParser } from '../../parsers/index.js';
import type { Router } from '../http.js';
import type { ServerDeps } from '../deps.js';
import { admitAndReply } from './events.js';

export function registerK8sAuditRoute(router: Router, deps: ServerDeps): void {
  router.on('POST', '/v1/k8s/audit', 'ingest', async (ctx) => {
    const body = await readBody(ctx.req, deps.config.limits.max_body_bytes);
    const parser = createParser('k8s-audit', { now: Date.now(), timezone: deps.config.timezone });
    const results = [...parser.push(body.replace(/\r?\n/g, ' '), 1), ...parser.end()];
    const items = results.map((r, index) =>
      'event' in r
        ? { index, ok: true as const, value: r.event, ts: r.ts }
        : { index, ok: false as const, message: r.error },
    );
    await admitAndReply(ctx, deps, items, `k8s-audit:${ctx.principal?.name ?? 'anonymous'}`);
  });
}
