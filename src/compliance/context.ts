// What compliance operations need from the rest of Stele: the store, the pinned personal fields, a
// clock, and a way to record their own events in the ledger (retention runs, legal holds). Built by
// the server from its admitter, or by a CLI command from a ledger it opens itself.

import type { Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import type { AuditEvent } from '../core/event.js';
import { SteleError } from '../core/errors.js';
import type { Admitter } from '../ingest/admitter.js';
import type { Store } from '../store/store.js';

export interface ComplianceContext {
  store: Store;
  personalFields: readonly string[];
  clock: Clock;
  config: Config;
  /** Commits one of Stele's own events durably and resolves to its ledger seq. */
  record(event: AuditEvent): Promise<number>;
  /** Entries durably in the ledger (the next seq): work is limited to what is committed. */
  committedSize(): number;
}

/** A context over a running admitter (stele serve, or a CLI command's own). */
export function admitterContext(
  admitter: Admitter,
  store: Store,
  personalFields: readonly string[],
  clock: Clock,
  config: Config,
): ComplianceContext {
  return {
    store,
    personalFields,
    clock,
    config,
    committedSize: () => admitter.committedSize(),
    async record(event) {
      const result = await admitter.submit(
        [{ index: 0, event, ts: Date.parse(event['@timestamp']) }],
        'stele',
      );
      const seq = result.accepted[0]?.seq ?? result.duplicates[0]?.seq;
      if (seq === undefined) throw new SteleError('internal', `${event.event?.action} was not recorded`);
      return seq;
    },
  };
}

/** One of Stele's own compliance events: dataset `stele`, labels only, no personal data. */
export function complianceEvent(
  action: string,
  now: number,
  message: string,
  labels: Record<string, string | number>,
  type: 'deletion' | 'creation' | 'change' | 'info' = 'info',
): AuditEvent {
  return {
    '@timestamp': new Date(now).toISOString(),
    event: { action, outcome: 'success', dataset: 'stele', category: ['configuration'], type: [type] },
    message,
    labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])),
  } as AuditEvent;
}
