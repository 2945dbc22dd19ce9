// Verification inside `stele serve`: the whole ledger is verified on a schedule (config
// `ledger.verify_every`), and each result is handed to the caller, which records it in the ledger
// as a `stele.verify` event, so "when was this last verified, and did it pass" is itself evidence,
// and a failure raises the built-in "verification failed" alert.

import type { StoreTarget } from '../store/open.js';
import type { Store } from '../store/store.js';
import { verifyLedger, type VerifyOptions, type VerifyReport } from './verify.js';

export interface VerificationSchedule {
  /** The latest result, with when it finished (epoch ms); null before the first run. */
  last(): (VerifyReport & { finished: number }) | null;
  /** Runs one verification now (also used by the timer); one at a time. */
  runNow(): Promise<VerifyReport>;
  close(): Promise<void>;
}

export interface VerificationScheduleOptions {
  store: Store;
  target: StoreTarget;
  verifierKey: VerifyOptions['verifierKey'];
  personalFields: readonly string[];
  /** Between runs; 0 disables the timer (runNow still works). */
  everyMs: number;
  /** Delay before the first run after start. */
  firstAfterMs: number;
  onResult: (report: VerifyReport) => void;
  onError: (message: string) => void;
}

export function startVerificationSchedule(o: VerificationScheduleOptions): VerificationSchedule {
  let last: (VerifyReport & { finished: number }) | null = null;
  let running: Promise<VerifyReport> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  // Shutting down abandons a run in progress: it only reads, and on a large ledger it could hold
  // the server's exit for minutes. The next start schedules a new one.
  const stop = new AbortController();

  const runNow = (): Promise<VerifyReport> => {
    running ??= verifyLedger(o.store, {
      verifierKey: o.verifierKey,
      personalFields: o.personalFields,
      target: o.target,
      // One worker: a scheduled check must not starve ingest of the other core.
      workers: 1,
      signal: stop.signal,
    })
      .then((report) => {
        last = { ...report, finished: Date.now() };
        o.onResult(report);
        return report;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const schedule = (ms: number) => {
    if (closed || o.everyMs <= 0) return;
    timer = setTimeout(() => {
      runNow()
        .catch((err: unknown) => {
          if (!stop.signal.aborted)
            o.onError(`scheduled verification did not run: ${(err as Error).message}`);
        })
        .finally(() => schedule(o.everyMs));
    }, ms);
    timer.unref();
  };
  schedule(o.firstAfterMs);
  return {
    last: () => last,
    runNow,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      stop.abort(new Error('the server is stopping'));
      await running?.catch(() => undefined);
    },
  };
}
