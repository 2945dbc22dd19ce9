// `stele pivot --ip X`: the users and hosts seen with an IP or CIDR block (source.ip, related.*).

import type { Command } from 'commander';
import { SteleError } from '../../core/errors.js';
import { InvestigationService, type PivotValue } from '../../query/investigate.js';
import { SearchService } from '../../query/search.js';
import { systemClock } from '../../core/clock.js';
import { openStore } from '../../store/open.js';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target.js';
import { outputFormat, renderRows } from './stats.js';

interface PivotFlags extends TargetFlags {
  ip?: string;
  from?: string;
  to?: string;
  top: string;
  output?: string;
  json?: boolean;
}

interface PivotJson {
  ip: string;
  events: number;
  users: PivotValue[];
  hosts: PivotValue[];
}

export function registerPivot(program: Command): void {
  addTargetOptions(
    program
      .command('pivot')
      .description(
        'users and hosts related to an IP address or CIDR block (source.ip, related.ip, related.user, related.hosts)',
      )
      .requiredOption('--ip <address>', 'IP address or CIDR block (10.0.0.0/8)')
      .option('--from <time>', 'RFC 3339 or relative (now-24h)')
      .option('--to <time>', 'RFC 3339 or relative')
      .option('--top <n>', 'most users and hosts to list', '100')
      .option(
        '--output <format>',
        'table, json, ndjson or csv (default: table on a terminal, json otherwise)',
      )
      .option('--json', 'same as --output json'),
  ).action(async (flags: PivotFlags) => {
    const format = outputFormat(flags, 'json');
    const top = Number(flags.top);
    if (!Number.isInteger(top) || top < 1 || top > 1000)
      throw new SteleError('validation', '--top must be from 1 to 1000');
    const ip = flags.ip!;
    const target = resolveTarget(flags);
    let result: PivotJson;
    if (target.kind === 'server') {
      const params = new URLSearchParams({ ip, top: String(top) });
      if (flags.from) params.set('from', flags.from);
      if (flags.to) params.set('to', flags.to);
      result = await target.client.json<PivotJson>('GET', `/v1/pivot?${params}`);
    } else {
      const store = await openStore(target.config, { readonly: true });
      try {
        const { from, to } = new SearchService(store, systemClock).prepare('', flags.from, flags.to);
        result = { ip, ...(await new InvestigationService(store).pivot(ip, from, to, top)) };
      } finally {
        await store.close();
      }
    }
    const headers = ['kind', 'value', 'events', 'first', 'last'];
    const rows = [
      ...result.users.map((u) => ['user', u.value, u.events, u.first, u.last]),
      ...result.hosts.map((h) => ['host', h.value, h.events, h.first, h.last]),
    ];
    const text = renderRows(format, headers, rows, result);
    process.stdout.write(format === 'table' ? `${text}${result.events} events with ${ip}\n` : text);
  });
}
