// `stele parse`: raw records to normalized events on stdout (NDJSON, input order); rejected
// records on stderr with their line and reason. Stores nothing.

import type { Command } from 'commander';
import { SteleError } from '../../core/errors.js';
import { FORMATS, isFormat } from '../../parsers/index.js';
import { parseInputs } from '../parse-input.js';

interface ParseFlags {
  format: string;
  timezone: string;
  hostname?: string;
  original: boolean;
  now?: string;
}

export function registerParse(program: Command): void {
  program
    .command('parse')
    .description('turn raw log records into normalized events (NDJSON on stdout); stores nothing')
    .argument('[files...]', 'input files (.gz is decompressed); none or - reads stdin')
    .requiredOption('--format <fmt>', `input format: ${FORMATS.join(', ')}`)
    .option('--timezone <tz>', 'IANA zone of timestamps written without one', 'UTC')
    .option('--hostname <name>', 'host name for records that do not carry one')
    .option('--now <time>', 'reference time for year-less timestamps (default: now)')
    .option('--no-original', 'leave out event.original')
    .action(async (files: string[], flags: ParseFlags) => {
      if (!isFormat(flags.format)) {
        throw new SteleError(
          'validation',
          `--format: unknown format '${flags.format}' (expected ${FORMATS.join(', ')})`,
        );
      }
      const now = flags.now === undefined ? Date.now() : Date.parse(flags.now);
      if (Number.isNaN(now)) throw new SteleError('validation', `--now: '${flags.now}' is not a date`);
      const options = {
        now,
        timezone: flags.timezone,
        keepOriginal: flags.original,
        ...(flags.hostname ? { hostname: flags.hostname } : {}),
      };
      let out = '';
      let events = 0;
      let rejected = 0;
      for await (const item of parseInputs(files.length === 0 ? ['-'] : files, flags.format, options)) {
        if (item.event) {
          events++;
          out += JSON.stringify(item.event) + '\n';
          if (out.length > 1 << 16) {
            if (!process.stdout.write(out)) await new Promise((r) => process.stdout.once('drain', r));
            out = '';
          }
        } else {
          rejected++;
          process.stderr.write(`${item.file}:${item.line}: ${item.error}\n`);
        }
      }
      process.stdout.write(out);
      if (rejected > 0 && events === 0) process.exitCode = 1;
    });
}
