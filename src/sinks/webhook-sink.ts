// Webhook and Slack-compatible webhook sinks: one HTTPS POST per alert. The webhook body is the
// alert JSON signed with HMAC-SHA256 (`x-stele-signature: sha256=<hex>` over the exact body bytes);
// `x-stele-delivery` stays the same across retries so a receiver can drop repeats.

import { createHmac } from 'node:crypto';
import { SteleError } from '../core/errors.js';
import { alertSummary, type AlertMessage, type AlertSink } from './sink.js';

export interface WebhookSinkOptions {
  name: string;
  url: string;
  /** HMAC key; no signature header without one. */
  secret?: string;
  timeoutMs?: number;
  /** `slack`: `{"text": ...}` instead of the alert JSON. */
  format?: 'json' | 'slack';
}

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function createWebhookSink(options: WebhookSinkOptions): AlertSink {
  const format = options.format ?? 'json';
  return {
    name: options.name,
    type: format === 'slack' ? 'slack' : 'webhook',
    async send(alert: AlertMessage, deliveryId: number) {
      const body =
        format === 'slack'
          ? JSON.stringify({ text: `Stele alert ${alertSummary(alert)}` })
          : JSON.stringify(alert);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-stele-delivery': String(deliveryId),
      };
      if (options.secret !== undefined && format === 'json')
        headers['x-stele-signature'] = signBody(options.secret, body);
      let res: Response;
      try {
        res = await fetch(options.url, {
          method: 'POST',
          body,
          headers,
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (err) {
        throw new SteleError('unavailable', `${options.name}: ${(err as Error).message}`, { cause: err });
      }
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status >= 300)
        throw new SteleError('unavailable', `${options.name}: HTTP ${res.status}`);
    },
  };
}
