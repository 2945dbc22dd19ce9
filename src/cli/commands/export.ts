// `stele export --evidence DIR --query Q`: writes an evidence bundle of the events the query selects,
// for an auditor to check offline with `stele verify-bundle DIR`.

import type { Command } from 'commander';
import { systemClock } from '../../core/clock.js';
import { ValidationError } from '../../core/errors.js';
import { exportEvidence } from '../../ledger/evidence.js';
import { ledgerKeyFile, pinnedPersonalFields, trustedVerifierKey } from '../../ledger/verify-key.js';
import { openStore } from '../../store/open.js';
import { localConfig, type TargetFlags } from '../target.js';

interface ExportFlags extends TargetFlags {
  evidence: string;
  query: string;
  from?: string;
  to?: string;
  limit: string;
  key?: string;
  json?: boolean;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'write an evidence bundle: the events a query selects, their inclusion proofs, the checkpoint, the key and a README',
    )
    .requiredOption('--evidence <dir>', 'the bundle directory to create (must not exist or be empty)')
    .requiredOption('--query <q>', "query text (docs/query-language.md); '' selects every event")
    .option('--from <time>', 'RFC 3339 or relative (now-24h)')
    .option('--to <time>', 'RFC 3339 or relative')
    .option('--limit <n>', 'most events in one bundle', '100000')
    .option('--key <vkey>', 'verifier key to check the checkpoint with and bundle (default: the ledger key)')
    .option('--json', 'print {"dir", "origin", "treeSize", "events", "expired"}')
    .option('--data <dir>', 'embedded data directory (default ./stele-data)')
    .option('--db <url>', 'PostgreSQL URL')
    .option('--config <file>', 'configuration file (YAML)')
    .addHelpText('after', '\nThe auditor checks the bundle with: stele verify-bundle DIR --key VERIFIER_KEY')
    .action(async (flags: ExportFlags) => {
      const limit = Number(flags.limit);
      if (!Number.isSafeInteger(limit) || limit < 1)
        throw new ValidationError('--limit must be a positive integer');
      const config = localConfig(flags);
      const verifierKey = trustedVerifierKey(flags.key, ledgerKeyFile(config));
      const store = await openStore(config, { readonly: true });
      try {
        const summary = await exportEvidence(store, {
          dir: flags.evidence,
          query: flags.query,
          ...(flags.from === undefined ? {} : { from: flags.from }),
          ...(flags.to === undefined ? {} : { to: flags.to }),
          verifierKey,
          personalFields: await pinnedPersonalFields(store),
          clock: systemClock,
          limit,
        });
        if (flags.json) process.stdout.write(JSON.stringify(summary) + '\n');
        else {
          process.stdout.write(
            `wrote ${summary.events} events to ${summary.dir}, proved against the checkpoint of size ${summary.treeSize} of ${summary.origin}\n`,
          );
          if (summary.expired > 0)
            process.stdout.write(`${summary.expired} matching events have expired and were left out\n`);
        }
      } finally {
        await store.close();
      }
    });
}
