// `stele erase --user NAME`: erase a person's personal data everywhere, keeping every proof valid.

import type { Command } from 'commander';
import { openLedger } from '../../app.js';
import { systemClock } from '../../core/clock.js';
import { eraseSubject, erasureEvent, type ErasureReport } from '../../compliance/erasure.js';
import { Admitter } from '../../ingest/admitter.js';
import { IngestMetrics } from '../../ingest/metrics.js';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target.js';

export function registerErase(program: Command): void {
  addTargetOptions(
    program
      .command('erase')
      .description(
        "erase a person's personal data from every event (admin); proofs and checkpoints stay valid",
      )
      .requiredOption('--user <name>', 'the user name whose data is erased')
      .option(
        '--ip <address...>',
        "more addresses of the person (those in the user's own events are included)",
      )
      .option('--json', 'print the report as JSON'),
  ).action(async (flags: TargetFlags & { user: string; ip?: string[]; json?: boolean }) => {
    const target = resolveTarget(flags);
    let report: ErasureReport;
    if (target.kind === 'server') {
      report = await target.client.json<ErasureReport>(
        'POST',
        '/v1/erasure',
        JSON.stringify({ user: flags.user, ips: flags.ip ?? [] }),
        {
          'content-type': 'application/json',
        },
      );
    } else {
      const ledger = await openLedger(target.config);
      try {
        const fields = JSON.parse((await ledger.store.getMeta('personal_fields'))!) as string[];
        report = await eraseSubject(ledger.store, fields, { user: flags.user, ips: flags.ip ?? [] });
        const admitter = new Admitter(
          { store: ledger.store, ledger: ledger.writer, clock: systemClock, metrics: new IngestMetrics() },
          (await ledger.store.loadLedgerState()).producers,
        );
        const event = erasureEvent(report, 'cli', Date.now());
        await admitter.submit([{ index: 0, event, ts: Date.parse(event['@timestamp']) }], 'stele');
        await admitter.close();
      } finally {
        await ledger.writer.close();
        await ledger.store.close();
        ledger.lock.release();
      }
    }
    if (flags.json) process.stdout.write(JSON.stringify(report) + '\n');
    else process.stdout.write(`erased personal data in ${report.events} events\n`);
  });
}
