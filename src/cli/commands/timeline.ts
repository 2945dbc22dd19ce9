// `stele timeline`: the events of one session, or of a user and/or host in a window, oldest first,
// one readable line each, with first-seen annotations.

import type { Command } from 'commander';
import { systemClock } from '../../core/clock.js';
import type { StoredEvent } from '../../core/event.js';
import { SteleError } from '../../core/errors.js';
import { InvestigationService, type TimelineRequest } from '../../query/investigate.js';
import { EXPORT_COLUMNS, csvHeader, csvLine, timelineLine } from '../../query/investigate-output.js';
import { SearchService } from '../../query/search.js';
import { openStore } from '../../store/open.js';
import type { OutputFormat } from '../output.js';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target.js';
import { outputFormat } from './stats.js';

export type AnnotatedEvent = StoredEvent & { annotations?: string[] };

interface TimelineFlags extends TargetFlags {
  session?: string;
  user?: string;
  host?: string;
  from?: string;
  to?: string;
  limit: string;
  output?: string;
  json?: boolean;
}

/** Events as one line each (table), JSON, NDJSON or CSV; `mark` flags one seq with `>`. */
export function renderEvents(events: AnnotatedEvent[], format: OutputFormat, mark?: number): string {
  switch (format) {
    case 'json':
      return JSON.stringify(events, null, 2) + '\n';
    case 'ndjson':
      return events.map((e) => JSON.stringify(e) + '\n').join('');
    case 'csv':
      return (
        csvHeader().replace(/\r\n$/, ',annotations\r\n') +
        events
          .map((e) =>
            csvLine([...EXPORT_COLUMNS.map(([, pick]) => pick(e)), (e.annotations ?? []).join(' ')]),
          )
          .join('')
      );
    case 'table':
      return events
        .map(
          (e) =>
            `${mark === undefined ? '' : e.stele.seq === mark ? '> ' : '  '}${timelineLine(e, e.annotations)}`,
        )
        .join('');
  }
}

export function limitOf(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new SteleError('validation', '--limit must be from 1 to 10000');
  return n;
}

export function registerTimeline(program: Command): void {
  addTargetOptions(
    program
      .command('timeline')
      .description('events of a session (--session) or of a user and/or host (--user, --host), oldest first')
      .option('--session <id>', 'session.id')
      .option('--user <name>', 'user.name')
      .option('--host <name>', 'host.name')
      .option('--from <time>', 'RFC 3339 or relative (now-24h)')
      .option('--to <time>', 'RFC 3339 or relative')
      .option('--limit <n>', 'most events', '1000')
      .option(
        '--output <format>',
        'table, json, ndjson or csv (default: table on a terminal, ndjson otherwise)',
      )
      .option('--json', 'same as --output json'),
  ).action(async (flags: TimelineFlags) => {
    const format = outputFormat(flags, 'ndjson');
    const limit = limitOf(flags.limit);
    if (!flags.session && !flags.user && !flags.host) {
      throw new SteleError('validation', 'give --session ID, or --user and/or --host');
    }
    const target = resolveTarget(flags);
    let events: AnnotatedEvent[];
    if (target.kind === 'server') {
      const params = new URLSearchParams({ limit: String(limit) });
      for (const k of ['session', 'user', 'host', 'from', 'to'] as const)
        if (flags[k]) params.set(k, flags[k]);
      events = (await target.client.json<{ events: AnnotatedEvent[] }>('GET', `/v1/timeline?${params}`))
        .events;
    } else {
      const store = await openStore(target.config, { readonly: true });
      try {
        const { from, to } = new SearchService(store, systemClock).prepare('', flags.from, flags.to);
        const request: TimelineRequest = {
          limit,
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
        };
        if (flags.session) request.session = flags.session;
        if (flags.user) request.user = flags.user;
        if (flags.host) request.host = flags.host;
        const entries = await new InvestigationService(store).timeline(request);
        events = entries.map((e) => ({ ...e.event, annotations: e.annotations }));
      } finally {
        await store.close();
      }
    }
    process.stdout.write(renderEvents(events, format));
  });
}
