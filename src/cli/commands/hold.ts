// `stele hold add|list|release`: legal holds, whose events retention never expires until released.
// Placing and releasing are recorded in the ledger. Locally or through a running server (admin).

import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { listHolds, placeHold, releaseHold, type LegalHold } from '../../compliance/holds.js';
import { openStore } from '../../store/open.js';
import { table } from '../output.js';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target.js';
import { withLocalCompliance } from './retention.js';

interface AddFlags extends TargetFlags {
  query?: string;
  from?: string;
  to?: string;
  reason: string;
  json?: boolean;
}

export function registerHold(program: Command): void {
  const hold = program
    .command('hold')
    .description('legal holds: events retention must keep (docs/compliance.md)');
  addTargetOptions(
    hold
      .command('add')
      .description('place a legal hold on the events a query selects, optionally within a time range')
      .option('--query <q>', "query text (docs/query-language.md); '' = every event of the range", '')
      .option('--from <time>', 'start of the held range (RFC 3339 or relative)')
      .option('--to <time>', 'end of the held range (exclusive)')
      .requiredOption('--reason <text>', 'why (case or matter reference)')
      .option('--json', 'print the hold as JSON'),
  ).action(async (flags: AddFlags) => {
    const request = {
      query: flags.query ?? '',
      reason: flags.reason,
      ...(flags.from === undefined ? {} : { from: flags.from }),
      ...(flags.to === undefined ? {} : { to: flags.to }),
    };
    const target = resolveTarget(flags);
    const placed =
      target.kind === 'server'
        ? await target.client.json<LegalHold>('POST', '/v1/holds', JSON.stringify(request), {
            'content-type': 'application/json',
          })
        : await withLocalCompliance(target.config, (ctx) => placeHold(ctx, request, 'cli'));
    process.stdout.write(flags.json ? JSON.stringify(placed) + '\n' : `placed legal hold ${placed.id}\n`);
  });

  addTargetOptions(
    hold.command('list').description('list legal holds').option('--json', 'print JSON'),
  ).action(async (flags: TargetFlags & { json?: boolean }) => {
    const target = resolveTarget(flags);
    let holds: LegalHold[];
    if (target.kind === 'server') {
      holds = (await target.client.json<{ holds: LegalHold[] }>('GET', '/v1/holds')).holds;
    } else {
      const store = await openStore(target.config, { readonly: true });
      try {
        holds = await listHolds({ store });
      } finally {
        await store.close();
      }
    }
    if (flags.json) {
      process.stdout.write(JSON.stringify({ holds }) + '\n');
      return;
    }
    process.stdout.write(
      table(
        ['id', 'query', 'from', 'to', 'reason', 'placed', 'released'],
        holds.map((h) => [h.id, h.query, h.from, h.to, h.reason, h.created, h.released]),
      ),
    );
  });

  addTargetOptions(
    hold
      .command('release')
      .description('release a legal hold')
      .argument('<id>')
      .option('--json', 'print JSON'),
  ).action(async (id: string, flags: TargetFlags & { json?: boolean }) => {
    if (!/^hold-[0-9a-f]{12}$/.test(id)) throw new ValidationError(`'${id}' is not a hold id`);
    const target = resolveTarget(flags);
    const released =
      target.kind === 'server'
        ? await target.client.json<LegalHold>('DELETE', `/v1/holds/${id}`)
        : await withLocalCompliance(target.config, (ctx) => releaseHold(ctx, id, 'cli'));
    process.stdout.write(
      flags.json ? JSON.stringify(released) + '\n' : `released legal hold ${released.id}\n`,
    );
  });
}
