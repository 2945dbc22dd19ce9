// `stele detect`: Sigma detection and correlation rules over NDJSON events in file order, no
// storage. One alert per line on stdout (DESIGN.md); bad rules and bad lines on stderr.

import fs from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { SteleError } from '../../core/errors.js';
import { createDetectionPipeline } from '../../detect/pipeline.js';
import { loadDetectionRules } from '../../detect/rules.js';
import type { Placeholders } from '../../detect/sigma/index.js';
import { readLines } from '../input.js';

interface DetectFlags {
  rules: string[];
  events?: string;
  timezone: string;
  placeholders?: string;
}

/**
 * The placeholder values of a YAML (or JSON) file: a map from each name, without its `%`, to a
 * string or a non-empty list of strings.
 */
export function readPlaceholders(file: string): Placeholders {
  let doc: unknown;
  try {
    doc = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SteleError('validation', `--placeholders: cannot read ${file}: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new SteleError('validation', `--placeholders: ${file} must map placeholder names to values`);
  const out: Placeholders = {};
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    const list = Array.isArray(value) ? (value as unknown[]) : [value];
    if (list.length === 0 || !list.every((v) => typeof v === 'string'))
      throw new SteleError(
        'validation',
        `--placeholders: ${name} in ${file} must be a string or a non-empty list of strings`,
      );
    out[name] = Array.isArray(value) ? (list as string[]) : (value as string);
  }
  return out;
}

export function registerDetect(program: Command): void {
  program
    .command('detect')
    .description(
      'evaluate Sigma rules over NDJSON events (stdin without --events); prints one alert per line',
    )
    .requiredOption('--rules <paths...>', 'rule files or folders (.yml/.yaml), e.g. ./rules')
    .option('--events <file>', 'NDJSON events, in order (default: stdin)')
    .option('--timezone <tz>', 'IANA zone for the working-hours field detect.off_hours', 'UTC')
    .option(
      '--placeholders <file>',
      'YAML map of values for %name% placeholders in |expand values (name: value or [values])',
    )
    .action(async (flags: DetectFlags) => {
      const placeholders = flags.placeholders ? readPlaceholders(flags.placeholders) : {};
      const { rules, filters, errors } = loadDetectionRules(flags.rules, { placeholders });
      for (const e of errors) {
        const name = e.title ? ` '${e.title}'` : '';
        process.stderr.write(`stele: rule${name} (${e.path}): ${e.reason}\n`);
      }
      if (rules.length === 0) {
        const only = filters.length > 0 ? ' (only filters, which never alert on their own)' : '';
        throw new SteleError('validation', `no rule loaded${only}`);
      }
      const pipeline = createDetectionPipeline({ rules, timezone: flags.timezone });
      let out = '';
      let index = 0;
      for await (const line of readLines([flags.events ?? '-'])) {
        if (line.text.trim() === '') continue;
        const i = index++;
        let event: unknown;
        try {
          event = JSON.parse(line.text);
        } catch (err) {
          process.stderr.write(`${line.file}:${line.line}: not JSON: ${(err as Error).message}\n`);
          continue;
        }
        if (event === null || typeof event !== 'object' || Array.isArray(event)) {
          process.stderr.write(`${line.file}:${line.line}: not a JSON object\n`);
          continue;
        }
        for (const alert of pipeline.process(event, i)) out += JSON.stringify(alert) + '\n';
        if (out.length > 1 << 16) {
          if (!process.stdout.write(out)) await new Promise((r) => process.stdout.once('drain', r));
          out = '';
        }
      }
      pipeline.flush();
      process.stdout.write(out);
    });
}
