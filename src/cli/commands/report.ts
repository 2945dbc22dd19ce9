// `stele report --type T --from T --to T --format F --out FILE`: a compliance report (HTML, PDF or
// CSV) computed at the latest checkpoint, signed with the ledger key into FILE.sig.

import fs from 'node:fs';
import type { Command } from 'commander';
import type { Config } from '../../config/config.js';
import { systemClock } from '../../core/clock.js';
import { SteleError } from '../../core/errors.js';
import { parseReportTypes } from '../../compliance/report-sections.js';
import { formatOf, generateReport, type WrittenReport } from '../../compliance/reports.js';
import { parseSignerKey, parseVerifierKey, type SignerKey } from '../../ledger/note.js';
import { ledgerKeyFile, pinnedPersonalFields } from '../../ledger/verify-key.js';
import { openStore } from '../../store/open.js';
import { localConfig, type TargetFlags } from '../target.js';

interface ReportFlags extends TargetFlags {
  type: string;
  from: string;
  to: string;
  format?: string;
  out: string;
  verify: boolean;
  json?: boolean;
}

/** The ledger's signing key, read from its key file (never created here). */
export function readLedgerSigner(config: Config): SignerKey {
  const file = ledgerKeyFile(config);
  if (!fs.existsSync(file))
    throw new SteleError('not_found', `no ledger key at ${file}: reports are signed with it`);
  return parseSignerKey(fs.readFileSync(file, 'utf8').trim());
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'write a signed compliance report (access review, failed access, privileged, accounts, integrity, alerts)',
    )
    .requiredOption('--type <type>', 'access-review|failed-access|privileged|accounts|integrity|alerts|all')
    .option('--from <time>', 'start of the period (RFC 3339 or relative)', 'now-30d')
    .option('--to <time>', 'end of the period, exclusive', 'now')
    .option('--format <f>', 'html|pdf|csv (default: from the file name)')
    .requiredOption('--out <file>', 'the report file; its signature is written to FILE.sig')
    .option('--no-verify', 'skip verifying the whole ledger for the integrity section')
    .option('--json', 'print {"file", "signature", "sha256", "checkpoint"}')
    .option('--data <dir>', 'embedded data directory (default ./stele-data)')
    .option('--db <url>', 'PostgreSQL URL')
    .option('--config <file>', 'configuration file (YAML)')
    .action(async (flags: ReportFlags) => {
      const types = parseReportTypes(flags.type);
      const format = formatOf(flags.out, flags.format);
      const config = localConfig(flags);
      const signer = readLedgerSigner(config);
      const store = await openStore(config, { readonly: true });
      let written: WrittenReport;
      try {
        [written] = (await generateReport(
          {
            store,
            types,
            from: flags.from,
            to: flags.to,
            clock: systemClock,
            config,
            verifierKey: parseVerifierKey(signer.verifierKey),
            personalFields: await pinnedPersonalFields(store),
            verify: flags.verify,
          },
          [{ file: flags.out, format }],
          signer,
        )) as [WrittenReport];
      } finally {
        await store.close();
      }
      const { file, signature, sha256, checkpoint } = written;
      if (flags.json) process.stdout.write(JSON.stringify({ file, signature, sha256, checkpoint }) + '\n');
      else
        process.stdout.write(
          `wrote ${file} (${format}) and its signature ${signature}, computed at the checkpoint of size ${checkpoint.size}\n`,
        );
    });
}
