// `stele verify`: verifies the whole ledger of a data directory. Exit 0 only if it is intact; on
// tampering, exit 3 with the first bad index and the reason in one line.

import fs from 'node:fs';
import type { Command } from 'commander';
import { IntegrityError, ValidationError } from '../../core/errors.js';
import { verifyLedger, type VerifyReport } from '../../ledger/verify.js';
import { ledgerKeyFile, pinnedPersonalFields, trustedVerifierKey } from '../../ledger/verify-key.js';
import { openStore } from '../../store/open.js';
import { Progress } from '../progress.js';
import { localConfig, type TargetFlags } from '../target.js';

interface VerifyFlags extends TargetFlags {
  against?: string;
  key?: string;
  workers?: string;
  json?: boolean;
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      'verify the whole ledger: recompute every entry from its stored event, rebuild the tree, check every ' +
        'checkpoint; exit 0 only if intact, 3 naming the first bad index and why',
    )
    .option(
      '--against <file>',
      'a checkpoint saved earlier (stele checkpoint > FILE): prove the log still extends it',
    )
    .option(
      '--key <vkey>',
      'verifier key to trust, as name+id+key text or a file holding it (default: that of the ledger key in the data directory)',
    )
    .option('--workers <n>', 'threads recomputing entries (default: by log size and cores; 0 = none)')
    .option('--json', 'print the verification report as JSON')
    .option('--data <dir>', 'embedded data directory (default ./stele-data)')
    .option('--db <url>', 'PostgreSQL URL')
    .option('--config <file>', 'configuration file (YAML)')
    .addHelpText(
      'after',
      '\nFor a check that does not trust this machine, pass --key with the verifier key you obtained\n' +
        'independently (stele keys ledger --public), and --against a checkpoint you saved earlier.',
    )
    .action(async (flags: VerifyFlags) => {
      const config = localConfig(flags);
      const verifierKey = trustedVerifierKey(flags.key, ledgerKeyFile(config));
      const against = flags.against === undefined ? undefined : readNote(flags.against);
      const workers = flags.workers === undefined ? undefined : parseWorkers(flags.workers);
      const store = await openStore(config, { readonly: true });
      let progress: Progress | undefined;
      let report: VerifyReport;
      try {
        const personalFields = await pinnedPersonalFields(store);
        report = await verifyLedger(store, {
          verifierKey,
          personalFields,
          ...(against === undefined ? {} : { against }),
          ...(workers === undefined ? {} : { workers }),
          target: { data: config.data, db: config.db, db_schema: config.db_schema },
          onProgress(done, total) {
            progress ??= new Progress('verify', total);
            progress.update(done, done);
          },
        });
        progress?.finish(report.verified, report.verified);
      } finally {
        await store.close();
      }
      if (flags.json) process.stdout.write(JSON.stringify(report) + '\n');
      if (!report.ok)
        throw new IntegrityError(report.reason ?? 'the ledger is not intact', report.firstBadIndex);
      if (!flags.json) process.stdout.write(summary(report));
    });
}

function readNote(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ValidationError(`--against: cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function parseWorkers(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 64)
    throw new ValidationError('--workers must be an integer from 0 to 64');
  return n;
}

function summary(r: VerifyReport): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const rate = r.elapsedMs > 0 ? Math.round((r.verified * 1000) / r.elapsedMs) : r.verified;
  const lines = [
    `ledger ${r.origin} is intact: ${n(r.size)} entries recomputed and ${n(r.checkpoints)} signed checkpoints verified`,
    r.uncovered > 0
      ? `the latest checkpoint covers ${n(r.coveredSize)} entries; ${n(r.uncovered)} newer entries are not covered by a signature yet`
      : `the latest checkpoint covers every entry`,
  ];
  if (r.against) lines.push(`the log extends the saved checkpoint of size ${n(r.against.size)}`);
  if (r.expired > 0) lines.push(`${n(r.expired)} entries have expired: only their leaf hashes were checked`);
  lines.push(`root ${r.rootHash}`, `${(r.elapsedMs / 1000).toFixed(1)} s, ${n(rate)} entries/s`);
  return lines.join('\n') + '\n';
}
