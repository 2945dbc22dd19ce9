// The `stele` command line. Each command lives in commands/; errors become a one-line reason and
// an exit code in exit.ts.

import { Command, CommanderError } from 'commander';
import { registerAlerts } from './commands/alerts.js';
import { registerErase } from './commands/erase.js';
import { registerDetect } from './commands/detect.js';
import { registerIngest } from './commands/ingest.js';
import { registerKeys } from './commands/keys.js';
import { registerLedgerCommands } from './commands/ledger-commands.js';
import { registerMigrate } from './commands/migrate.js';
import { registerParse } from './commands/parse.js';
import { registerQuery } from './commands/query.js';
import { registerServe } from './commands/serve.js';
import { registerStats } from './commands/stats.js';
import { registerTimeline } from './commands/timeline.js';
import { registerPivot } from './commands/pivot.js';
import { registerAround } from './commands/around.js';
import { registerRetention } from './commands/retention.js';
import { registerHold } from './commands/hold.js';
import { registerSubjectAccess } from './commands/subject-access.js';
import { registerReport } from './commands/report.js';
import { registerVerifyReport } from './commands/verify-report.js';
import { registerAuditPackage } from './commands/audit-package.js';
import { EXIT, reportError } from './exit.js';

/**
 * One line like every other failure (exit.ts): commander's "error: ..." and its "(Did you mean
 * ...?)" on the next line become "stele: ... (run with --help for usage)".
 */
function usageLine(text: string): string {
  const reason = text
    .replace(/^error: /, '')
    .trim()
    .replace(/\s*\n\s*/g, ' ');
  return `stele: ${reason} (run with --help for usage)\n`;
}

export function buildProgram(): Command {
  const program = new Command('stele')
    .description('Stele: tamper-evident audit log for infrastructure access')
    .version('0.1.0')
    .configureOutput({ outputError: (text, write) => write(usageLine(text)) })
    .exitOverride();
  registerServe(program);
  registerKeys(program);
  registerParse(program);
  registerIngest(program);
  registerQuery(program);
  registerStats(program);
  registerTimeline(program);
  registerPivot(program);
  registerAround(program);
  registerLedgerCommands(program);
  registerDetect(program);
  registerErase(program);
  registerMigrate(program);
  registerAlerts(program);
  registerRetention(program);
  registerHold(program);
  registerSubjectAccess(program);
  registerReport(program);
  registerVerifyReport(program);
  registerAuditPackage(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // A reader that went away (stele query | head) is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage mistakes exit 2 (commander already printed why).
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    process.exitCode = reportError(err);
  }
}
