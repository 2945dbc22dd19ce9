// `stele stats`: exact counts by fields (top N, distinct counts, failure ratio) or a time histogram,
// locally or through a server, as a table, JSON, NDJSON or CSV.

import type { Command } from 'commander';
import { systemClock } from '../../core/clock.js';
import { SteleError } from '../../core/errors.js';
import {
  AggregateService,
  presentAggregate,
  presentHistogram,
  type AggregateOptions,
} from '../../query/aggregate.js';
import { SearchService } from '../../query/search.js';
import { openStore } from '../../store/open.js';
import { csvRow, table, type OutputFormat } from '../output.js';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target.js';

const FORMATS: OutputFormat[] = ['table', 'json', 'ndjson', 'csv'];

interface StatsFlags extends TargetFlags {
  by?: string;
  top?: string;
  distinct?: string;
  sort?: string;
  histogram?: boolean;
  interval: string;
  failures?: boolean;
  from?: string;
  to?: string;
  output?: string;
  json?: boolean;
}

interface AggregateJson {
  by: string[];
  distinct?: string;
  total: number;
  failures: number;
  groups: Array<{
    keys: Record<string, string | null>;
    count: number;
    failures: number;
    failure_ratio: number;
    distinct?: number;
  }>;
}

interface HistogramJson {
  interval_ms: number;
  total: number;
  buckets: Array<{ start: string; count: number; failures?: number }>;
}

/** The output format from --json / --output, defaulting to a table on a terminal. */
export function outputFormat(
  flags: { json?: boolean; output?: string },
  otherwise: OutputFormat,
): OutputFormat {
  const format = (
    flags.json ? 'json' : (flags.output ?? (process.stdout.isTTY ? 'table' : otherwise))
  ) as OutputFormat;
  if (!FORMATS.includes(format))
    throw new SteleError('validation', `--output must be one of ${FORMATS.join(', ')}`);
  return format;
}

/** Rows as the chosen format; `whole` is what --output json prints. */
export function renderRows(
  format: OutputFormat,
  headers: string[],
  rows: unknown[][],
  whole: unknown,
): string {
  switch (format) {
    case 'json':
      return JSON.stringify(whole, null, 2) + '\n';
    case 'ndjson':
      return rows
        .map((r) => JSON.stringify(Object.fromEntries(headers.map((h, i) => [h, r[i] ?? null]))) + '\n')
        .join('');
    case 'csv':
      return csvRow(headers) + rows.map(csvRow).join('');
    case 'table':
      return table(headers, rows);
  }
}

export function registerStats(program: Command): void {
  addTargetOptions(
    program
      .command('stats')
      .description(
        "count matching events by fields, or over time (e.g. stele stats 'outcome:failure' --by user.name --top 10)",
      )
      .argument('[query]', 'query text (see docs/query-language.md); empty matches everything', '')
      .option('--by <fields>', 'group by these fields, comma-separated (up to 3; aliases like user work)')
      .option('--top <n>', 'largest groups to print (default 100)')
      .option('--distinct <field>', 'also count distinct values of this field per group (e.g. source.ip)')
      .option('--sort <key>', 'order groups by count, failures or distinct')
      .option('--histogram', 'count per time bucket instead')
      .option('--interval <width>', 'histogram bucket: auto, 30s, 5m, 1h, 1d', 'auto')
      .option('--failures', 'histogram: also count failures per bucket')
      .option('--from <time>', 'RFC 3339 or relative (now-24h)')
      .option('--to <time>', 'RFC 3339 or relative')
      .option(
        '--output <format>',
        'table, json, ndjson or csv (default: table on a terminal, json otherwise)',
      )
      .option('--json', 'same as --output json'),
  ).action(async (q: string, flags: StatsFlags) => {
    const format = outputFormat(flags, 'json');
    const options: AggregateOptions = {
      by: (flags.by ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    };
    if (flags.top !== undefined) options.top = Number(flags.top);
    if (flags.distinct) options.distinct = flags.distinct;
    if (flags.sort) {
      if (!['count', 'failures', 'distinct'].includes(flags.sort)) {
        throw new SteleError('validation', '--sort must be count, failures or distinct');
      }
      options.sort = flags.sort as AggregateOptions['sort'];
    }
    const result = flags.histogram ? await histogram(q, flags) : await aggregate(q, flags, options);
    process.stdout.write(
      flags.histogram
        ? renderHistogram(result as HistogramJson, format)
        : renderAggregate(result as AggregateJson, format),
    );
  });
}

async function aggregate(q: string, flags: StatsFlags, options: AggregateOptions): Promise<unknown> {
  const target = resolveTarget(flags);
  if (target.kind === 'server') {
    const params = new URLSearchParams({ q, by: options.by.join(',') });
    if (options.top !== undefined) params.set('top', String(options.top));
    if (options.distinct) params.set('distinct', options.distinct);
    if (options.sort) params.set('sort', options.sort);
    if (flags.from) params.set('from', flags.from);
    if (flags.to) params.set('to', flags.to);
    return target.client.json('GET', `/v1/aggregate?${params}`);
  }
  const store = await openStore(target.config, { readonly: true });
  try {
    const search = new SearchService(store, systemClock);
    const service = new AggregateService(store, search, systemClock);
    return presentAggregate(await service.aggregate(search.prepare(q, flags.from, flags.to), options));
  } finally {
    await store.close();
  }
}

async function histogram(q: string, flags: StatsFlags): Promise<unknown> {
  const target = resolveTarget(flags);
  if (target.kind === 'server') {
    const params = new URLSearchParams({ q, interval: flags.interval });
    if (flags.failures) params.set('failures', 'true');
    if (flags.from) params.set('from', flags.from);
    if (flags.to) params.set('to', flags.to);
    return target.client.json('GET', `/v1/histogram?${params}`);
  }
  const store = await openStore(target.config, { readonly: true });
  try {
    const search = new SearchService(store, systemClock);
    const service = new AggregateService(store, search, systemClock);
    const prepared = search.prepare(q, flags.from, flags.to);
    return presentHistogram(await service.histogram(prepared, flags.interval, flags.failures ?? false));
  } finally {
    await store.close();
  }
}

function renderAggregate(r: AggregateJson, format: OutputFormat): string {
  const headers = [
    ...r.by,
    'count',
    'failures',
    'failure_ratio',
    ...(r.distinct ? [`distinct ${r.distinct}`] : []),
  ];
  const rows = r.groups.map((g) => [
    ...r.by.map((f) => g.keys[f]),
    g.count,
    g.failures,
    g.failure_ratio,
    ...(r.distinct ? [g.distinct] : []),
  ]);
  const text = renderRows(format, headers, rows, r);
  return format === 'table' ? `${text}${r.total} matching events, ${r.failures} failed\n` : text;
}

function renderHistogram(r: HistogramJson, format: OutputFormat): string {
  const withFailures = r.buckets.some((b) => b.failures !== undefined);
  const headers = ['start', 'count', ...(withFailures ? ['failures'] : [])];
  const rows = r.buckets.map((b) => [b.start, b.count, ...(withFailures ? [b.failures] : [])]);
  if (format !== 'table') return renderRows(format, headers, rows, r);
  const max = Math.max(1, ...r.buckets.map((b) => b.count));
  const bars = r.buckets.map((b, i) => [...rows[i]!, '#'.repeat(Math.round((b.count / max) * 40))]);
  return `${table([...headers, ''], bars)}${r.total} events, ${r.buckets.length} buckets of ${r.interval_ms / 1000} s\n`;
}
