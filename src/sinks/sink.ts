// The sink contract (Vector's vocabulary: a sink sends alerts out). A sink either resolves, meaning
// the destination acknowledged the alert, or throws; the dispatcher retries and records the outcome.

import type { AlertRecord } from '../store/store.js';
import { alertJson } from '../detect/alert-view.js';

/** The JSON an alert is sent as (webhook body, stdout line). */
export interface AlertMessage {
  id: number;
  rule: { id: string | null; title: string; level: string | null };
  group: Record<string, unknown> | null;
  status: string;
  count: number;
  first_seq: number;
  last_seq: number;
  first_time: string;
  last_time: string;
  created: string;
}

export interface AlertSink {
  readonly name: string;
  readonly type: string;
  /** Resolves once the destination acknowledged the alert; `deliveryId` is stable across retries. */
  send(alert: AlertMessage, deliveryId: number): Promise<void>;
  close?(): Promise<void>;
}

/** What sinks send: the API's alert JSON (detect/alert-view.ts) without its update time. */
export function alertMessage(a: AlertRecord): AlertMessage {
  const { updated: _updated, ...message } = alertJson(a);
  return message;
}

/** One human line: `[high] SSH brute force from one source IP (source.ip=1.2.3.4) x3, seq 10-42`. */
export function alertSummary(a: AlertMessage): string {
  const group = a.group
    ? ` (${Object.entries(a.group)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(', ')})`
    : '';
  const count = a.count > 1 ? ` x${a.count}` : '';
  return `[${a.rule.level ?? 'unknown'}] ${a.rule.title}${group}${count}, seq ${a.first_seq}-${a.last_seq}`;
}
