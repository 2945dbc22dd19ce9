// `stele retention run [--dry-run]`: expires the events past their retention period now (stele
// serve also does it every hour). Locally it opens the ledger itself; with --server it asks the
// running server (admin), which is the way while a server holds the data directory.

import type { Command } from 'commander';
import { openLedger } from '../../app.js';
import type { Config } from '../../config/config.js';
import { systemClock } from '../../core/clock.js';
import { admitterContext, type ComplianceContext } from '../../compliance/context.js';
import { runRetention, type RetentionReport } from '../../compliance/retention.js';
import { Admitter } from '../../ingest/admitter.js';
import { IngestMetrics } from '../../ingest/metrics.js';
import { pinnedPersonalFields } from '../../ledger/verify-key.js';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target.js';

/** Runs `fn` with a compliance context over a ledger this process opens (and closes) itself. */
export async function withLocalCompliance<T>(
  config: Config,
  fn: (ctx: ComplianceContext) => Promise<T>,
): Promise<T> {
  const ledger = await openLedger(config);
  try {
    const admitter = new Admitter(
      { store: ledger.store, ledger: ledger.writer, clock: systemClock, metrics: new IngestMetrics() },
      (await ledger.store.loadLedgerState()).producers,
    );
    try {
      const fields = await pinnedPersonalFields(ledger.store);
      return await fn(admitterContext(admitter, ledger.store, fields, systemClock, config));
    } finally {
      await admitter.close();
    }
  } finally {
    await ledger.writer.close();
    await ledger.store.close();
    ledger.lock.release();
  }
}

export function registerRetention(program: Command): void {
  const retention = program.command('retention').description('retention of events (docs/compliance.md)');
  addTargetOptions(
    retention
      .command('run')
      .description('expire the events past their retention period now; held events stay (admin)')
      .option('--dry-run', 'only count what would expire')
      .option('--json', 'print the report as JSON'),
  ).action(async (flags: TargetFlags & { dryRun?: boolean; json?: boolean }) => {
    const target = resolveTarget(flags);
    const report =
      target.kind === 'server'
        ? await target.client.json<RetentionReport>(
            'POST',
            `/v1/retention/run${flags.dryRun ? '?dry_run=true' : ''}`,
            '{}',
            { 'content-type': 'application/json' },
          )
        : await withLocalCompliance(target.config, (ctx) =>
            runRetention(ctx, { dryRun: flags.dryRun ?? false }),
          );
    if (flags.json) {
      process.stdout.write(JSON.stringify(report) + '\n');
      return;
    }
    const verb = report.dryRun ? 'would expire' : 'expired';
    const lines = report.rules.map(
      (r) => `  ${r.rule}: keep ${r.keep} (before ${r.cutoff}): ${verb} ${r.expired}, held ${r.held}`,
    );
    if (report.rules.length === 0) lines.push('  no retention rules are configured: nothing expires');
    lines.push(
      `${verb} ${report.expired} events in ${report.ranges} ranges; ${report.held} kept by legal holds`,
    );
    if (report.records.length > 0) lines.push(`recorded in the ledger at seq ${report.records.join(', ')}`);
    process.stdout.write(lines.join('\n') + '\n');
  });
}
