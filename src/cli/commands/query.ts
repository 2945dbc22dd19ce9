// `stele query`: search stored events, locally or through a server.

import type { Command } from 'commander';
import { systemClock } from '../../core/clock.js';
import type { StoredEvent } from '../../core/event.js';
import { SteleError } from '../../core/errors.js';
import { SearchService } from '../../query/search.js';
import { openStore } from '../../store/open.js';
import { formatEvents, type OutputFormat } from '../output.js';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target.js';

const FORMATS: OutputFormat[] = ['table', 'json', 'ndjson', 'csv'];

interface QueryFlags extends TargetFlags {
  limit: string;
  output?: string;
  json?: boolean;
  count?: boolean;
  from?: string;
  to?: string;
}

export function registerQuery(program: Command): void {
  addTargetOptions(
    program
      .command('query')
      .description("search stored events, newest first (e.g. stele query 'user.name:alice outcome:failure')")
      .argument('[query]', 'query text (see docs/query-language.md); empty matches everything', '')
      .option('--limit <n>', 'most events to print', '100')
      .option(
        '--output <format>',
        'table, json, ndjson or csv (default: table on a terminal, ndjson otherwise)',
      )
      .option('--json', 'same as --output json')
      .option('--count', 'print only the number of matches')
      .option('--from <time>', 'RFC 3339 or relative (now-24h)')
      .option('--to <time>', 'RFC 3339 or relative'),
  ).action(async (q: string, flags: QueryFlags) => {
    const limit = Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000_000) {
      throw new SteleError('validation', '--limit must be a positive integer');
    }
    const output = (
      flags.json ? 'json' : (flags.output ?? (process.stdout.isTTY ? 'table' : 'ndjson'))
    ) as OutputFormat;
    if (!FORMATS.includes(output))
      throw new SteleError('validation', `--output must be one of ${FORMATS.join(', ')}`);
    const target = resolveTarget(flags);
    if (target.kind === 'server') {
      const params = new URLSearchParams({ q });
      if (flags.from) params.set('from', flags.from);
      if (flags.to) params.set('to', flags.to);
      if (flags.count) {
        const { count } = await target.client.json<{ count: number }>('GET', `/v1/events/count?${params}`);
        process.stdout.write(flags.json ? JSON.stringify({ count }) + '\n' : `${count}\n`);
        return;
      }
      params.set('limit', String(Math.min(limit, 10_000)));
      const { events } = await target.client.json<{ events: StoredEvent[] }>('GET', `/v1/events?${params}`);
      process.stdout.write(formatEvents(events.slice(0, limit), output));
      return;
    }
    const store = await openStore(target.config, { readonly: true });
    try {
      const search = new SearchService(store, systemClock);
      const prepared = search.prepare(q, flags.from, flags.to);
      if (flags.count) {
        const count = await search.count(prepared);
        process.stdout.write(flags.json ? JSON.stringify({ count }) + '\n' : `${count}\n`);
        return;
      }
      process.stdout.write(formatEvents(await search.page(prepared, { limit }), output));
    } finally {
      await store.close();
    }
  });
}
