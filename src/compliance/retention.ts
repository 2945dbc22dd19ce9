// Retention (docs/compliance.md): events older than their period lose their bodies, keeping seq,
// time, source and leaf hash, so the tree, every checkpoint and the proofs of the remaining events
// stay valid. A run first records in the ledger (a `stele.retention` event) the seq ranges it is
// about to expire, then expires exactly those ranges and stores them with that event's seq;
// `stele verify` accepts a missing body only inside a range so recorded. Events under a legal hold,
// and Stele's own retention and hold records, never expire.

import type { Config } from '../config/config.js';
import { ConfigError, SteleError } from '../core/errors.js';
import type { Predicate } from '../query/plan.js';
import { isRetentionStore, type ExpiredRange, type Store } from '../store/store.js';
import { complianceEvent, type ComplianceContext } from './context.js';
import { durationMs, parseDuration, subtractDuration, type Duration } from './duration.js';
import { heldPredicate, listHolds, serialized } from './holds.js';

export type RetentionRuleConfig = NonNullable<Config['retention']>[number];

export interface RetentionRule {
  dataset?: string;
  category?: string;
  keep: Duration;
  online?: Duration;
}

export interface RetentionRuleResult {
  rule: string;
  keep: string;
  /** Events with @timestamp before this expire (RFC 3339). */
  cutoff: string;
  expired: number;
  /** Past their period but kept by a legal hold. */
  held: number;
}

export interface RetentionReport {
  dryRun: boolean;
  ran: string;
  expired: number;
  held: number;
  ranges: number;
  rules: RetentionRuleResult[];
  /** Seqs of the ledger events recording this run. */
  records: number[];
}

/** Actions whose events never expire: the records retention and holds rely on. */
const PROTECTED_ACTIONS = ['stele.retention', 'stele.hold.place', 'stele.hold.release'];
/** Events expired under one ledger record at most; its label of ranges stays well under 8 KB. */
const MAX_EVENTS_PER_RECORD = 200_000;
const MAX_RANGE_TEXT = 6000;
const PAGE = 5000;

/** Checks and orders the configured rules: specific ones first, the default (no selector) last. */
export function parseRetention(config: readonly RetentionRuleConfig[]): RetentionRule[] {
  const rules = config.map((r, i) => {
    const where = `retention[${i}]`;
    const rule: RetentionRule = { keep: parseDuration(r.keep, `${where}.keep`) };
    if (r.dataset !== undefined) rule.dataset = r.dataset;
    if (r.category !== undefined) rule.category = r.category;
    if (r.online !== undefined) {
      rule.online = parseDuration(r.online, `${where}.online`);
      if (durationMs(rule.online) > durationMs(rule.keep))
        throw new ConfigError(`${where}: online (${r.online}) is longer than keep (${r.keep})`);
    }
    return rule;
  });
  if (rules.filter(isDefault).length > 1)
    throw new ConfigError(
      'retention: more than one default rule (an entry with neither dataset nor category)',
    );
  return [...rules.filter((r) => !isDefault(r)), ...rules.filter(isDefault)];
}

function isDefault(r: RetentionRule): boolean {
  return r.dataset === undefined && r.category === undefined;
}

export function describeRule(r: RetentionRule): string {
  const parts = [r.dataset && `dataset ${r.dataset}`, r.category && `category ${r.category}`].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'default';
}

function selects(r: RetentionRule): Predicate {
  const items: Predicate[] = [];
  if (r.dataset !== undefined) items.push({ kind: 'eq', field: 'event.dataset', value: r.dataset });
  if (r.category !== undefined) items.push({ kind: 'eq', field: 'event.category', value: r.category });
  return items.length === 0 ? { kind: 'all' } : items.length === 1 ? items[0]! : { kind: 'and', items };
}

/** Runs retention now (or only counts, with dryRun). Serialized with hold changes. */
export function runRetention(
  ctx: ComplianceContext,
  options: { dryRun?: boolean } = {},
): Promise<RetentionReport> {
  return serialized(() => retentionPass(ctx, options.dryRun ?? false));
}

async function retentionPass(ctx: ComplianceContext, dryRun: boolean): Promise<RetentionReport> {
  const store = ctx.store;
  if (!isRetentionStore(store))
    throw new SteleError('unsupported', `the ${store.dialect} store does not support retention yet`);
  const rules = parseRetention(ctx.config.retention ?? []);
  const now = ctx.clock.now();
  const held = heldPredicate(await listHolds(ctx), now);
  const maxSeq = ctx.committedSize() - 1;
  const report: RetentionReport = {
    dryRun,
    ran: new Date(now).toISOString(),
    expired: 0,
    held: 0,
    ranges: 0,
    rules: [],
    records: [],
  };
  const seqs: number[] = [];
  const earlier: Predicate[] = [];
  for (const rule of rules) {
    const cutoff = subtractDuration(now, rule.keep);
    // An event is governed by the first rule that selects it: this one, minus those before it.
    const governed: Predicate = {
      kind: 'and',
      items: [
        selects(rule),
        ...earlier.map((p): Predicate => ({ kind: 'not', item: p })),
        { kind: 'not', item: { kind: 'or', items: PROTECTED_ACTIONS.map(actionIs) } },
      ],
    };
    earlier.push(selects(rule));
    const expiring: Predicate = held
      ? { kind: 'and', items: [governed, { kind: 'not', item: held }] }
      : governed;
    const found = await seqsBefore(store, expiring, cutoff, maxSeq);
    const heldCount = held
      ? await store.count(store.compileFilter({ kind: 'and', items: [governed, held] }), undefined, cutoff)
      : 0;
    seqs.push(...found);
    report.rules.push({
      rule: describeRule(rule),
      keep: rule.keep.text,
      cutoff: new Date(cutoff).toISOString(),
      expired: found.length,
      held: heldCount,
    });
    report.held += heldCount;
  }
  seqs.sort((a, b) => a - b);
  report.expired = seqs.length;
  if (dryRun) {
    report.ranges = toRanges(seqs).length;
    return report;
  }
  const chunks = chunkRanges(toRanges(seqs));
  if (chunks.length === 0) chunks.push([]);
  for (const chunk of chunks) {
    const events = chunk.reduce((n, [a, b]) => n + b - a + 1, 0);
    const text = chunk.map(([a, b]) => `${a}-${b}`).join(',');
    // The record goes first: if the run stops after it, the ranges still hold their bodies (harmless).
    const record = await ctx.record(
      complianceEvent(
        'stele.retention',
        now,
        `retention expired ${events} events`,
        {
          events,
          ranges: text,
          rules: report.rules.map((r) => `${r.rule}: ${r.keep}`).join('; '),
          held: report.held,
        },
        'deletion',
      ),
    );
    report.records.push(record);
    const ranges: ExpiredRange[] = chunk.map(([first, last]) => ({ first, last, record, expired: now }));
    await store.expireEvents(ranges);
    report.ranges += ranges.length;
  }
  return report;
}

function actionIs(action: string): Predicate {
  return { kind: 'eq', field: 'event.action', value: action };
}

async function seqsBefore(
  store: Store,
  predicate: Predicate,
  cutoff: number,
  maxSeq: number,
): Promise<number[]> {
  const where = store.compileFilter(predicate);
  const out: number[] = [];
  let after: { ts: number; seq: number } | undefined;
  for (;;) {
    const page = await store.search({ where, to: cutoff, limit: PAGE, after, maxSeq, order: 'asc' });
    for (const row of page) out.push(row.seq);
    const last = page.at(-1);
    if (!last || page.length < PAGE) return out;
    after = { ts: last.ts, seq: last.seq };
  }
}

/** Sorted seqs as inclusive [first, last] runs. */
export function toRanges(seqs: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const s of seqs) {
    const last = out.at(-1);
    if (last && s === last[1] + 1) last[1] = s;
    else if (!last || s > last[1]) out.push([s, s]);
  }
  return out;
}

function chunkRanges(ranges: Array<[number, number]>): Array<Array<[number, number]>> {
  const chunks: Array<Array<[number, number]>> = [];
  let current: Array<[number, number]> = [];
  let events = 0;
  let chars = 0;
  for (const r of ranges) {
    const size = r[1] - r[0] + 1;
    const text = `${r[0]}-${r[1]}`.length + 1;
    if (current.length > 0 && (events + size > MAX_EVENTS_PER_RECORD || chars + text > MAX_RANGE_TEXT)) {
      chunks.push(current);
      current = [];
      events = 0;
      chars = 0;
    }
    current.push(r);
    events += size;
    chars += text;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
