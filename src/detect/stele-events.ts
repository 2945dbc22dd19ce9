// Stele's own events (event.dataset `stele`): what the server reports about itself, stored in the
// ledger like any other event so the built-in rules can alert on them.

import type { AuditEvent } from '../core/event.js';

export type SteleAction = 'stele.producer_gap' | 'stele.verify';

export function steleEvent(
  action: SteleAction,
  outcome: 'success' | 'failure',
  now: number,
  labels: Record<string, string | number>,
): AuditEvent {
  return {
    '@timestamp': new Date(now).toISOString(),
    event: { action, outcome, dataset: 'stele', category: ['configuration'], type: ['info'] },
    labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])),
  } as AuditEvent;
}
