// Delivers queued alerts (the alert_outbox table) to their sinks: retries with exponential backoff
// and jitter, dead letters after max attempts. The outcome is written right after the sink answers,
// so a crash between a sink's acknowledgement and that write re-sends the alert once on restart
// (at-least-once; webhook receivers can drop repeats by `x-stele-delivery`).

import type { Clock } from '../core/clock.js';
import type { AlertStore } from '../store/store.js';
import { alertMessage, type AlertSink } from './sink.js';

export interface DispatcherOptions {
  store: AlertStore;
  sinks: ReadonlyArray<{ sink: AlertSink; maxAttempts: number }>;
  clock: Clock;
  /** First retry delay; doubles per attempt up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  pollMs?: number;
  random?: () => number;
  onError?: (message: string) => void;
}

export interface Dispatcher {
  /** Delivers what is due now (also called by the timer). */
  run(): Promise<void>;
  kick(): void;
  close(): Promise<void>;
}

/** Backoff for the n-th failure (1-based): half fixed, half random ("equal jitter"). */
export function retryDelay(attempts: number, base: number, max: number, random: () => number): number {
  const ceiling = Math.min(max, base * 2 ** Math.min(attempts - 1, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, clock } = options;
  const sinks = new Map(options.sinks.map((s) => [s.sink.name, s]));
  const base = options.baseDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 15 * 60_000;
  const random = options.random ?? Math.random;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const deliverDue = async () => {
    for (;;) {
      const due = await store.dueDeliveries(clock.now(), 100);
      if (due.length === 0) return;
      for (const d of due) {
        const configured = sinks.get(d.sink);
        const alert = await store.getAlert(d.alertId);
        const attempts = d.attempts + 1;
        let error: string | null = null;
        if (!configured) error = `sink '${d.sink}' is no longer configured`;
        else if (!alert) error = `alert ${d.alertId} not found`;
        else {
          try {
            await configured.sink.send(alertMessage(alert), d.id);
          } catch (err) {
            error = (err as Error).message;
          }
        }
        const now = clock.now();
        const dead = error !== null && (!configured || !alert || attempts >= configured.maxAttempts);
        if (error !== null)
          options.onError?.(`alert ${d.alertId} -> ${d.sink}: ${error}${dead ? ' (dead letter)' : ''}`);
        await store.recordDelivery({
          id: d.id,
          delivered: error === null,
          attempts,
          nextAttempt: now + retryDelay(attempts, base, max, random),
          error,
          dead,
          now,
        });
      }
      if (closed) return;
    }
  };

  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = deliverDue()
      .catch((err: unknown) => options.onError?.(`delivery failed: ${(err as Error).message}`))
      .finally(() => {
        running = undefined;
        if (again && !closed) {
          again = false;
          void run();
        }
      });
    return running;
  };
  const timer = setInterval(() => void run(), options.pollMs ?? 1000);
  timer.unref();
  return {
    run,
    kick: () => void run(),
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
      for (const s of options.sinks) await s.sink.close?.();
    },
  };
}
