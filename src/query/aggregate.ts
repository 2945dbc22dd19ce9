// Aggregations over matching events: counts by fields (top N), distinct counts, failure ratios and
// time histograms with an automatic bucket. The store computes them in SQL; `aggregateEvents` is
// the in-memory reference the store suite checks the SQL against.

import type { Clock } from '../core/clock.js';
import type { StoredEvent } from '../core/event.js';
import { SteleError } from '../core/errors.js';
import type { AggregateGroup, AggregateRequest, HistogramBucket, Store } from '../store/store.js';
import { compareCodePoints, fieldType, fieldValues, matchesPredicate, resolveField } from './plan.js';
import type { PreparedSearch, SearchService } from './search.js';

export const MAX_GROUPS = 10_000;
export const MAX_BY_FIELDS = 3;
const DEFAULT_GROUPS = 100;

export interface AggregateOptions {
  by: string[];
  top?: number;
  distinct?: string;
  sort?: 'count' | 'failures' | 'distinct';
}

export interface AggregateResult {
  by: string[];
  distinct?: string;
  /** Matching events, and how many failed. */
  total: number;
  failures: number;
  groups: Array<AggregateGroup & { failure_ratio: number }>;
}

export interface HistogramResult {
  interval: number;
  /** Every bucket from the start of the range to its end, empty ones included. */
  buckets: HistogramBucket[];
  total: number;
}

/** Fixed bucket widths, so bucket edges fall on round times (UTC). */
const NICE_INTERVALS = [
  1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
  3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000, 172_800_000, 604_800_000,
];
const MAX_BUCKETS = 2_000;

/** The smallest round interval giving at most 100 buckets over [from, to) (40-100, mostly 50-100). */
export function autoInterval(from: number, to: number): number {
  const span = Math.max(1, to - from);
  return NICE_INTERVALS.find((i) => span / i <= 100) ?? Math.ceil(span / 100 / 86_400_000) * 86_400_000;
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `auto`, or a count and unit: 30s, 5m, 1h, 1d, 1w. */
export function parseInterval(text: string, from: number, to: number): number {
  if (text === 'auto') return autoInterval(from, to);
  const m = /^([1-9]\d{0,5})([smhdw])$/.exec(text);
  if (!m) throw new SteleError('validation', `interval must be auto or like 30s, 5m, 1h, 1d (got '${text}')`);
  const interval = Number(m[1]) * UNIT_MS[m[2]!]!;
  if ((to - from) / interval > MAX_BUCKETS) {
    throw new SteleError(
      'validation',
      `interval ${text} gives more than ${MAX_BUCKETS} buckets; use a wider one`,
    );
  }
  return interval;
}

/** Checks and resolves aliases in `by`/`distinct` field names (`user` -> user.name). */
export function groupField(name: string): string {
  if (!/^[@\w-]+(\.[\w-]+)*$/.test(name)) throw new SteleError('validation', `bad field name '${name}'`);
  const fields = resolveField(name);
  if (fields.length !== 1) {
    throw new SteleError(
      'validation',
      `'${name}' stands for several fields (${fields.join(', ')}); name one`,
    );
  }
  const field = fields[0]!;
  if (fieldType(field) === 'date') {
    throw new SteleError('validation', `cannot group by the time field ${field}; use a histogram`);
  }
  return field;
}

export class AggregateService {
  constructor(
    private readonly store: Store,
    private readonly search: SearchService,
    private readonly clock: Clock,
  ) {}

  async aggregate(search: PreparedSearch, options: AggregateOptions): Promise<AggregateResult> {
    const by = options.by.map(groupField);
    if (by.length > MAX_BY_FIELDS) throw new SteleError('validation', `at most ${MAX_BY_FIELDS} by fields`);
    const top = options.top ?? DEFAULT_GROUPS;
    if (!Number.isInteger(top) || top < 1 || top > MAX_GROUPS) {
      throw new SteleError('validation', `top must be an integer from 1 to ${MAX_GROUPS}`);
    }
    const request: AggregateRequest = { predicate: search.predicate, by, limit: top };
    if (search.from !== undefined) request.from = search.from;
    if (search.to !== undefined) request.to = search.to;
    if (options.distinct) request.distinct = groupField(options.distinct);
    if (options.sort) request.sort = options.sort;
    const { groups, total, failures } = await this.store.aggregate(request);
    const result: AggregateResult = {
      by,
      total,
      failures,
      groups: groups.map((g) => ({ ...g, failure_ratio: ratio(g.failures, g.count) })),
    };
    if (request.distinct) result.distinct = request.distinct;
    return result;
  }

  /** Buckets over [from, to); without `from` the first matching event starts the range. */
  async histogram(search: PreparedSearch, interval: string, failures = false): Promise<HistogramResult> {
    let { from, to } = search;
    if (from === undefined || to === undefined) {
      const extent = await this.store.timeExtent(search.predicate, from, to);
      if (!extent) return { interval: autoInterval(0, 1), buckets: [], total: 0 };
      from ??= extent.min;
      to ??= Math.max(extent.max + 1, Math.min(this.clock.now(), extent.max + 1));
    }
    if (to <= from) throw new SteleError('validation', 'to must be after from');
    const width = parseInterval(interval, from, to);
    const start = Math.floor(from / width) * width;
    const found = await this.store.histogram({
      predicate: search.predicate,
      start,
      interval: width,
      from,
      to,
      failures,
    });
    const byStart = new Map(found.map((b) => [b.start, b]));
    const buckets: HistogramBucket[] = [];
    for (let t = start; t < to; t += width) {
      buckets.push(
        byStart.get(t) ?? (failures ? { start: t, count: 0, failures: 0 } : { start: t, count: 0 }),
      );
    }
    return { interval: width, buckets, total: found.reduce((n, b) => n + b.count, 0) };
  }
}

/** The JSON shape of an aggregation in the API and the CLI: keys by field, times in RFC 3339. */
export function presentAggregate(result: AggregateResult): object {
  return {
    ...result,
    groups: result.groups.map((g) => ({
      ...g,
      keys: Object.fromEntries(result.by.map((f, i) => [f, g.keys[i] ?? null])),
      first: new Date(g.first).toISOString(),
      last: new Date(g.last).toISOString(),
    })),
  };
}

export function presentHistogram(result: HistogramResult): object {
  return {
    interval_ms: result.interval,
    total: result.total,
    buckets: result.buckets.map((b) => ({ ...b, start: new Date(b.start).toISOString() })),
  };
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;
}

// ---- Reference semantics ------------------------------------------------------------------------

/** A value as a group key: strings as they are, numbers and booleans by their JSON text. */
function keyOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  return undefined;
}

function keysOf(event: object, field: string): Array<string | null> {
  const keys = [...new Set(fieldValues(event, field).flatMap((v) => keyOf(v) ?? []))];
  return keys.length > 0 ? keys : [null];
}

function cross(lists: Array<Array<string | null>>): Array<Array<string | null>> {
  return lists.reduce<Array<Array<string | null>>>(
    (acc, list) => acc.flatMap((prefix) => list.map((k) => [...prefix, k])),
    [[]],
  );
}

/**
 * What the store's aggregate() must return, computed in memory: an event counts once in every
 * combination of its values of the `by` fields (absent = null); distinct counts distinct values.
 */
export function aggregateEvents(
  events: readonly StoredEvent[],
  request: AggregateRequest,
): { groups: AggregateGroup[]; total: number; failures: number } {
  const groups = new Map<string, AggregateGroup & { values: Set<string> }>();
  let total = 0;
  let failures = 0;
  for (const event of events) {
    const ts = Date.parse(event['@timestamp']);
    if (request.from !== undefined && ts < request.from) continue;
    if (request.to !== undefined && ts >= request.to) continue;
    if (!matchesPredicate(request.predicate, event)) continue;
    const failed = event.event?.outcome === 'failure';
    total++;
    if (failed) failures++;
    for (const keys of cross(request.by.map((f) => keysOf(event, f)))) {
      const id = JSON.stringify(keys);
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { keys, count: 0, failures: 0, first: ts, last: ts, values: new Set() }));
      g.count++;
      if (failed) g.failures++;
      g.first = Math.min(g.first, ts);
      g.last = Math.max(g.last, ts);
      if (request.distinct !== undefined) {
        for (const k of keysOf(event, request.distinct)) if (k !== null) g.values.add(k);
      }
    }
  }
  const sortKey = (g: AggregateGroup & { values: Set<string> }) =>
    request.sort === 'failures' ? g.failures : request.sort === 'distinct' ? g.values.size : g.count;
  const sorted = [...groups.values()].sort((a, b) => sortKey(b) - sortKey(a) || compareKeys(a.keys, b.keys));
  return {
    total,
    failures,
    groups: sorted
      .slice(0, request.limit)
      .map(({ values, ...g }) => (request.distinct === undefined ? g : { ...g, distinct: values.size })),
  };
}

/** Key order: non-null before null, then code point order (SQL BINARY / COLLATE "C"). */
function compareKeys(a: Array<string | null>, b: Array<string | null>): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    return compareCodePoints(x, y);
  }
  return 0;
}
