// /v1/alerts: stored alerts (read), status changes and suppressions (admin).

import type { Clock } from '../../core/clock.js';
import { SteleError } from '../../core/errors.js';
import { groupKey } from '../../detect/service.js';
import type { AlertRecord, AlertStore } from '../../store/store.js';
import { alertJson } from '../../detect/alert-view.js';
import { readBody } from '../body.js';
import { sendJson, type Router } from '../http.js';

const STATUSES = ['open', 'acknowledged', 'closed'] as const;
const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'];

export interface AlertRouteDeps {
  store: AlertStore;
  clock: Clock;
}

/** `24h`, `30m`, `7d`, `3600s` -> milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d{1,9})(s|m|h|d)$/.exec(text);
  if (!m) throw new SteleError('validation', `'${text}' is not a duration like 30m, 24h or 7d`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

function parseSince(text: string, now: number): number {
  const rel = /^now-(.+)$/.exec(text);
  if (rel) return now - parseDuration(rel[1] as string);
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw new SteleError('validation', `since: '${text}' is not RFC 3339 or now-<duration>`);
  return t;
}

async function jsonBody(req: Parameters<typeof readBody>[0]): Promise<Record<string, unknown>> {
  const text = await readBody(req, 64 * 1024);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SteleError('validation', 'the body must be a JSON object');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new SteleError('validation', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

function alertId(text: string | undefined): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1) throw new SteleError('validation', `'${text}' is not an alert id`);
  return id;
}

// Suppression paths are registered before /v1/alerts/{id}: the router takes the first match.
export function registerAlertRoutes(router: Router, deps: AlertRouteDeps): void {
  const { store, clock } = deps;
  router.on('GET', '/v1/alerts', 'read', async ({ url, res }) => {
    const q = url.searchParams;
    const status = q.get('status') ?? undefined;
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status))
      throw new SteleError('validation', `status must be one of ${STATUSES.join(', ')}`);
    const level = q.get('level') ?? undefined;
    if (level !== undefined && !LEVELS.includes(level))
      throw new SteleError('validation', `level must be one of ${LEVELS.join(', ')}`);
    const limit = Number(q.get('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new SteleError('validation', 'limit must be an integer from 1 to 1000');
    const cursor = q.get('cursor');
    const since = q.get('since');
    const rule = q.get('rule') ?? undefined;
    const alerts = await store.listAlerts({
      limit,
      ...(status === undefined ? {} : { status }),
      ...(level === undefined ? {} : { level }),
      ...(rule === undefined ? {} : { rule }),
      ...(since === null ? {} : { since: parseSince(since, clock.now()) }),
      ...(cursor === null ? {} : { beforeId: alertId(cursor) }),
    });
    const last = alerts.at(-1);
    sendJson(res, 200, {
      alerts: alerts.map(alertJson),
      next_cursor: alerts.length === limit && last ? String(last.id) : null,
    });
  });

  router.on('POST', '/v1/alerts/suppressions', 'admin', async ({ req, res }) => {
    const body = await jsonBody(req);
    if (typeof body.rule !== 'string' || body.rule === '')
      throw new SteleError('validation', 'rule (an id or title) is required');
    if (typeof body.duration !== 'string')
      throw new SteleError('validation', 'duration (like 24h) is required');
    const group = body.group;
    if (group !== undefined && (group === null || typeof group !== 'object' || Array.isArray(group)))
      throw new SteleError('validation', 'group must be an object of group-by values');
    const now = clock.now();
    const suppression = {
      ruleKey: body.rule,
      groupKey: group === undefined ? null : groupKey(group as Record<string, unknown>),
      until: now + parseDuration(body.duration),
      reason: typeof body.reason === 'string' ? body.reason.slice(0, 500) : '',
      created: now,
    };
    await store.putSuppression(suppression);
    sendJson(res, 201, { ...suppression, until: new Date(suppression.until).toISOString() });
  });

  router.on('GET', '/v1/alerts/suppressions', 'read', async ({ res }) => {
    const list = await store.listSuppressions(clock.now());
    sendJson(res, 200, { suppressions: list.map((s) => ({ ...s, until: new Date(s.until).toISOString() })) });
  });

  router.on('GET', '/v1/alerts/{id}', 'read', async ({ params, res }) => {
    const alert = await store.getAlert(alertId(params.id));
    if (!alert) throw new SteleError('not_found', `no alert ${params.id}`);
    sendJson(res, 200, { ...alertJson(alert), event_seqs: alert.seqs });
  });

  router.on('PATCH', '/v1/alerts/{id}', 'admin', async ({ params, req, res }) => {
    const id = alertId(params.id);
    const body = await jsonBody(req);
    const alert = await store.getAlert(id);
    if (!alert) throw new SteleError('not_found', `no alert ${id}`);
    const status = body.status;
    if (status !== undefined && !(STATUSES as readonly unknown[]).includes(status))
      throw new SteleError('validation', `status must be one of ${STATUSES.join(', ')}`);
    const suppress = body.suppress_for;
    if (suppress !== undefined && typeof suppress !== 'string')
      throw new SteleError('validation', 'suppress_for must be a duration like 24h');
    if (status === undefined && suppress === undefined)
      throw new SteleError('validation', 'nothing to change: give status and/or suppress_for');
    const now = clock.now();
    if (suppress !== undefined) {
      await store.putSuppression({
        ruleKey: alert.ruleKey,
        groupKey: body.suppress_all_groups === true ? null : alert.groupKey,
        until: now + parseDuration(suppress),
        reason: `alert ${id}`,
        created: now,
      });
    }
    const updated =
      status === undefined ? alert : await store.updateAlertStatus(id, status as AlertRecord['status'], now);
    sendJson(res, 200, alertJson(updated ?? alert));
  });
}
