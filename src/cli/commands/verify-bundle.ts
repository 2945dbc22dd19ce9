// `stele verify-bundle DIR`: checks an evidence bundle offline, with no server and no database. Exit
// 0 only if every event leads to the signed checkpoint; 3 with the first problem otherwise.

import type { Command } from 'commander';
import { IntegrityError } from '../../core/errors.js';
import { verifyBundle } from '../../ledger/evidence.js';
import { readVerifierKey } from '../../ledger/verify-key.js';

export function registerVerifyBundle(program: Command): void {
  program
    .command('verify-bundle')
    .description(
      'check an evidence bundle offline: signature, inclusion proofs, entries and personal-value commitments',
    )
    .argument('<dir>', 'the bundle directory (from stele export --evidence)')
    .option(
      '--key <vkey>',
      "the log's verifier key you trust (text or file); without it the bundled key is used",
    )
    .option('--json', 'print {"ok", "origin", "treeSize", "events", "index", "reason"}')
    .action(async (dir: string, flags: { key?: string; json?: boolean }) => {
      const report = await verifyBundle(
        dir,
        flags.key === undefined ? {} : { key: readVerifierKey(flags.key) },
      );
      if (flags.json) process.stdout.write(JSON.stringify(report) + '\n');
      if (!report.ok) throw new IntegrityError(report.reason ?? 'the bundle does not verify', report.index);
      if (flags.json) return;
      process.stdout.write(
        `bundle verified: ${report.events} events of ${report.origin} are in its signed checkpoint of size ${report.treeSize}\n`,
      );
      if (flags.key === undefined) {
        process.stdout.write(
          "checked with the bundle's own key; pass --key with a key you trust to rule out a forged bundle\n",
        );
      }
    });
}
