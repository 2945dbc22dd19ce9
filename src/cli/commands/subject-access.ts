// `stele subject-access --user NAME --out DIR`: everything held about one person (GDPR art. 15), as
// JSON and CSV with a summary. Locally (read-only) or through a running server (admin).

import type { Command } from 'commander';
import { systemClock } from '../../core/clock.js';
import {
  subjectAccess,
  writeSubjectAccess,
  type SubjectAccessResult,
} from '../../compliance/subject-access.js';
import { openStore } from '../../store/open.js';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target.js';

export function registerSubjectAccess(program: Command): void {
  addTargetOptions(
    program
      .command('subject-access')
      .description(
        'export every event about one person (actor, effective or target user, related.user) as JSON and CSV',
      )
      .requiredOption('--user <name>', 'the person (user name)')
      .requiredOption(
        '--out <dir>',
        'a new directory for events.json, events.csv, summary.json and README.md',
      )
      .option('--json', 'print the summary as JSON'),
  ).action(async (flags: TargetFlags & { user: string; out: string; json?: boolean }) => {
    const target = resolveTarget(flags);
    let result: SubjectAccessResult;
    if (target.kind === 'server') {
      result = await target.client.json<SubjectAccessResult>(
        'GET',
        `/v1/subject-access?user=${encodeURIComponent(flags.user)}`,
      );
    } else {
      const store = await openStore(target.config, { readonly: true });
      try {
        result = await subjectAccess(store, flags.user, systemClock);
      } finally {
        await store.close();
      }
    }
    writeSubjectAccess(flags.out, result);
    if (flags.json) process.stdout.write(JSON.stringify(result.summary) + '\n');
    else process.stdout.write(`wrote ${result.summary.events} events about ${flags.user} to ${flags.out}\n`);
  });
}
