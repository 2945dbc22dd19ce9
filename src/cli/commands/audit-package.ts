// `stele audit-package --out DIR --from T --to T [--query Q]`: signed reports (HTML, PDF, CSV), an
// evidence bundle of the events behind them, the verifier key and plain-language instructions.

import type { Command } from 'commander';
import { systemClock } from '../../core/clock.js';
import { ValidationError } from '../../core/errors.js';
import { createAuditPackage } from '../../compliance/audit-package.js';
import { parseVerifierKey } from '../../ledger/note.js';
import { pinnedPersonalFields } from '../../ledger/verify-key.js';
import { openStore } from '../../store/open.js';
import { localConfig, type TargetFlags } from '../target.js';
import { readLedgerSigner } from './report.js';

interface Flags extends TargetFlags {
  out: string;
  from: string;
  to: string;
  query?: string;
  limit: string;
  verify: boolean;
  json?: boolean;
}

export function registerAuditPackage(program: Command): void {
  program
    .command('audit-package')
    .description(
      'write an auditor package: signed reports, an evidence bundle, the verifier key and a README',
    )
    .requiredOption('--out <dir>', 'a new directory')
    .option('--from <time>', 'start of the period (RFC 3339 or relative)', 'now-30d')
    .option('--to <time>', 'end of the period, exclusive', 'now')
    .option('--query <q>', 'events for the evidence bundle (default: those the reports count)')
    .option('--limit <n>', 'most events in the evidence bundle', '100000')
    .option('--no-verify', 'skip verifying the whole ledger for the integrity section')
    .option('--json', 'print the summary as JSON')
    .option('--data <dir>', 'embedded data directory (default ./stele-data)')
    .option('--db <url>', 'PostgreSQL URL')
    .option('--config <file>', 'configuration file (YAML)')
    .action(async (flags: Flags) => {
      const limit = Number(flags.limit);
      if (!Number.isSafeInteger(limit) || limit < 1)
        throw new ValidationError('--limit must be a positive integer');
      const config = localConfig(flags);
      const signer = readLedgerSigner(config);
      const store = await openStore(config, { readonly: true });
      try {
        const summary = await createAuditPackage({
          dir: flags.out,
          store,
          from: flags.from,
          to: flags.to,
          clock: systemClock,
          config,
          verifierKey: parseVerifierKey(signer.verifierKey),
          personalFields: await pinnedPersonalFields(store),
          signer,
          limit,
          verify: flags.verify,
          ...(flags.query === undefined ? {} : { query: flags.query }),
        });
        if (flags.json) process.stdout.write(JSON.stringify(summary) + '\n');
        else
          process.stdout.write(
            `wrote ${summary.dir}: ${summary.reports.length} signed reports and ${summary.evidence.events} events of evidence, at the checkpoint of size ${summary.checkpoint.size}\n`,
          );
      } finally {
        await store.close();
      }
    });
}
