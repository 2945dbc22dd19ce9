// What `stele serve` runs on its own: retention every hour (when rules are configured) and the
// configured reports, each every `every`, covering the period just ended, written signed to out_dir.
// Failures are reported through onError and retried at the next tick; they never stop the server.

import path from 'node:path';
import type { SignerKey, VerifierKey } from '../ledger/note.js';
import type { ComplianceContext } from './context.js';
import { parseDuration, subtractDuration } from './duration.js';
import { parseReportTypes } from './report-sections.js';
import { generateReport, type ReportFormat } from './reports.js';
import { parseRetention, runRetention } from './retention.js';

export const RETENTION_INTERVAL_MS = 3_600_000;

export interface ComplianceSchedule {
  close(): Promise<void>;
}

export function startComplianceSchedule(
  ctx: ComplianceContext,
  keys: { signer: SignerKey; verifierKey: VerifierKey },
  onError: (message: string) => void,
): ComplianceSchedule {
  parseRetention(ctx.config.retention ?? []); // a bad rule stops start-up, not the first run
  const timers: NodeJS.Timeout[] = [];
  let running: Promise<unknown> = Promise.resolve();
  const every = (ms: number, job: () => Promise<unknown>, what: string) => {
    const tick = () => {
      running = running.then(job).catch((err: Error) => onError(`${what}: ${err.message}`));
    };
    const timer = setInterval(tick, ms);
    timer.unref();
    timers.push(timer);
    return tick;
  };
  if ((ctx.config.retention ?? []).length > 0) {
    // The first run a minute after start, then hourly.
    const first = setTimeout(
      every(RETENTION_INTERVAL_MS, () => runRetention(ctx), 'retention'),
      60_000,
    );
    first.unref();
    timers.push(first);
  }
  for (const r of ctx.config.reports ?? []) {
    const period = parseDuration(r.every, 'reports.every');
    const ms = subtractDuration(0, period) * -1;
    const types = parseReportTypes(r.type);
    every(
      ms,
      async () => {
        const to = ctx.clock.now();
        const from = subtractDuration(to, period);
        const stamp = new Date(to).toISOString().replace(/[:.]/g, '-');
        const file = path.join(r.out_dir, `stele-${r.type}-${stamp}.${r.format}`);
        await generateReport(
          {
            store: ctx.store,
            types,
            from: new Date(from).toISOString(),
            to: new Date(to).toISOString(),
            clock: ctx.clock,
            config: ctx.config,
            verifierKey: keys.verifierKey,
            personalFields: ctx.personalFields,
          },
          [{ file, format: r.format as ReportFormat }],
          keys.signer,
        );
      },
      `report ${r.type}`,
    );
  }
  return {
    async close() {
      for (const t of timers) clearInterval(t);
      await running;
    },
  };
}
