// `stele query`: search stored events, locally or through a server.

import { once } from 'node:events';
import type { Command } from 'commander';
import { systemClock } from '../../core/clock.js';
import type { StoredEvent } from '../../core/event.js';
import { SteleError } from '../../core/errors.js';
import { SearchService } from '../../query/search.js';
import { MAX_PAGE } from '../../server/routes/events.js';
import { openStore } from '../../store/open.js';
import { EventPrinter, type OutputFormat } from '../output.js';
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
      .option('--limit <n>', 'most events to print; 0 prints every match', '100')
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
    if (!Number.isInteger(limit) || limit < 0) {
      throw new SteleError('validation', '--limit must be a whole number (0: every match)');
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
      // Pages of the API's largest size, each continuing from the last one's cursor.
      let cursor: string | null = null;
      await printPages(output, limit, async (most) => {
        const page = new URLSearchParams(params);
        page.set('limit', String(Math.min(most, MAX_PAGE)));
        if (cursor) page.set('cursor', cursor);
        const reply = await target.client.json<{ events: StoredEvent[]; next_cursor: string | null }>(
          'GET',
          `/v1/events?${page}`,
        );
        cursor = reply.next_cursor;
        return { events: reply.events, more: cursor !== null };
      });
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
      // Keyset pages over the ledger as it was when the query started: events arriving meanwhile
      // (a server writing the same data directory) neither shift nor repeat a page.
      const maxSeq = (await store.loadLedgerState()).size - 1;
      let after: { ts: number; seq: number } | undefined;
      await printPages(output, limit, async (most) => {
        const pageLimit = Math.min(most, MAX_PAGE);
        const events = await search.page(prepared, { limit: pageLimit, after, maxSeq });
        const last = events.at(-1);
        if (last) after = { ts: Date.parse(last['@timestamp']), seq: last.stele.seq };
        // A short page may still be followed by more (an event expiring as it is read is left
        // out): only an empty one ends the result.
        return { events, more: events.length > 0 };
      });
    } finally {
      await store.close();
    }
  });
}

/**
 * Prints the matches page by page, up to `limit` (0: all), so memory stays at about a page
 * whatever the result size; each page is written once the previous one has drained.
 */
async function printPages(
  output: OutputFormat,
  limit: number,
  next: (most: number) => Promise<{ events: StoredEvent[]; more: boolean }>,
): Promise<void> {
  const printer = new EventPrinter(output);
  let left = limit === 0 ? Infinity : limit;
  while (left > 0) {
    const { events, more } = await next(left);
    const page = events.slice(0, left);
    left -= page.length;
    await writeOut(printer.page(page));
    if (!more || page.length === 0) break;
  }
  await writeOut(printer.end());
}

async function writeOut(text: string): Promise<void> {
  if (text.length > 0 && !process.stdout.write(text)) await once(process.stdout, 'drain');
}
