// `stele around SEQ`: what else happened on the same host within ± N minutes of an event.

import type { Command } from 'commander';
import { SteleError } from '../../core/errors.js';
import type { StoredEvent } from '../../core/event.js';
import { InvestigationService } from '../../query/investigate.js';
import { openStore } from '../../store/open.js';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target.js';
import { outputFormat } from './stats.js';
import { limitOf, renderEvents } from './timeline.js';

interface AroundFlags extends TargetFlags {
  minutes: string;
  limit: string;
  output?: string;
  json?: boolean;
}

export function registerAround(program: Command): void {
  addTargetOptions(
    program
      .command('around')
      .description('events on the same host within ± N minutes of event SEQ, oldest first')
      .argument('<seq>', 'ledger index (stele.seq) of the event')
      .option('--minutes <n>', 'minutes before and after', '5')
      .option('--limit <n>', 'most events', '1000')
      .option(
        '--output <format>',
        'table, json, ndjson or csv (default: table on a terminal, ndjson otherwise)',
      )
      .option('--json', 'same as --output json'),
  ).action(async (seqText: string, flags: AroundFlags) => {
    const format = outputFormat(flags, 'ndjson');
    if (!/^\d{1,15}$/.test(seqText)) throw new SteleError('validation', `'${seqText}' is not a ledger index`);
    const minutes = Number(flags.minutes);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
      throw new SteleError('validation', '--minutes must be an integer from 1 to 1440');
    }
    const seq = Number(seqText);
    const limit = limitOf(flags.limit);
    const target = resolveTarget(flags);
    let events: StoredEvent[];
    if (target.kind === 'server') {
      const params = new URLSearchParams({ minutes: String(minutes), limit: String(limit) });
      events = (
        await target.client.json<{ events: StoredEvent[] }>('GET', `/v1/events/${seq}/around?${params}`)
      ).events;
    } else {
      const store = await openStore(target.config, { readonly: true });
      try {
        events = (await new InvestigationService(store).around(seq, minutes, limit)).events;
      } finally {
        await store.close();
      }
    }
    process.stdout.write(renderEvents(events, format, seq));
  });
}
