// Correlation rules (sigma-correlation-rules-specification.md; value_sum/avg/percentile from v2.1)
// evaluated over a stream: per group-by key, a sliding window of `timespan` on event time, checked
// when a matching event arrives. A group that fires starts afresh, so one burst gives one alert.
//
// Memory is bounded: at most `maxGroups` groups per correlation (least recently used evicted after
// expired ones) and `maxEventsPerGroup` entries per window (oldest dropped). Late events: an event
// older than the newest one of its group by more than `timespan` can no longer share a window with
// it, so it is dropped and counted in `stats.late`; any other out-of-order event is counted in
// its group's window as if it had arrived in time.

import { compileCondition } from './condition.js';
import { compilePath, scalarString, type EventView, type FieldPath } from './fields.js';
import type { CompareOp, CorrelationThreshold, SigmaCorrelationRule } from './types.js';
import { toNumber } from './compile.js';

export interface CorrelationLimits {
  /** Groups kept per correlation rule (default 10,000). */
  maxGroups: number;
  /** Window entries kept per group (default 10,000); older ones are dropped beyond it. */
  maxEventsPerGroup: number;
}

export const DEFAULT_LIMITS: CorrelationLimits = { maxGroups: 10_000, maxEventsPerGroup: 10_000 };

export interface CorrelationStats {
  /** Events dropped because they were older than their group's window. */
  late: number;
  /** Groups evicted while still live, because of `maxGroups`. */
  evictedGroups: number;
  /** Window entries dropped because of `maxEventsPerGroup`. */
  truncatedEntries: number;
}

/**
 * Entries sorted by time, oldest first; `head` skips evicted ones until compaction. Items are kept
 * only for correlation types that store one per entry (event_count stores none).
 */
class TimeWindow<T> {
  times: number[] = [];
  items: T[] | null = null;
  head = 0;

  get size(): number {
    return this.times.length - this.head;
  }

  insert(t: number, item: T): void {
    if (item !== null && this.items === null) this.items = [];
    const items = this.items;
    let i = this.times.length;
    if (i === this.head || (this.times[i - 1] as number) <= t) {
      this.times.push(t);
      items?.push(item);
      return;
    }
    while (i > this.head && (this.times[i - 1] as number) > t) i--;
    this.times.splice(i, 0, t);
    items?.splice(i, 0, item);
  }

  /** Drops entries older than `cutoff` (and beyond `max`), reporting each dropped item. */
  evict(cutoff: number, max: number, onDrop: (item: T) => void): number {
    let truncated = 0;
    while (this.head < this.times.length && ((this.times[this.head] as number) < cutoff || this.size > max)) {
      if ((this.times[this.head] as number) >= cutoff) truncated++;
      onDrop((this.items === null ? null : this.items[this.head]) as T);
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      if (this.items !== null) this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return truncated;
  }

  values(): T[] {
    return this.items === null ? [] : this.items.slice(this.head);
  }
}

interface Group {
  latest: number;
  values: Record<string, unknown>;
  window: TimeWindow<unknown>;
  /** value_count / frequency percentile: occurrences per distinct value in the window. */
  counts: Map<string, number>;
  sum: number;
  /** temporal: last time each referenced rule matched; temporal_ordered: latest chain start per prefix. */
  marks: number[];
}

function check(op: CompareOp | 'neq', a: number, b: number): boolean {
  switch (op) {
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
    case 'eq':
      return a === b;
    case 'neq':
      return a !== b;
  }
}

function percentile(sorted: number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)] as number; // nearest-rank
}

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Shared stand-ins for state a correlation type never touches (never written to). */
const NO_COUNTS: Map<string, number> = new Map();
const NO_MARKS: number[] = [];

/** The runtime state of one correlation rule. */
export class CorrelationRuntime {
  private readonly groups = new Map<string, Group>();
  private readonly groupPaths: FieldPath[][];
  private readonly fieldPath: FieldPath | undefined;
  private readonly threshold: CorrelationThreshold | undefined;
  private readonly expression: ((present: boolean[]) => boolean) | undefined;
  private watermark = -Infinity;
  private calls = 0;

  constructor(
    readonly rule: SigmaCorrelationRule,
    private readonly limits: CorrelationLimits,
    private readonly stats: CorrelationStats,
  ) {
    // group-by names per referenced rule, through aliases (spec: "Field Name Aliases").
    this.groupPaths = rule.rules.map((ref) =>
      rule.groupBy.map((g) => compilePath(rule.aliases[g]?.[ref] ?? g)),
    );
    const c = rule.condition;
    if (c !== null && 'expression' in c) {
      const positions = new Map(rule.rules.map((r, i) => [r, i]));
      this.expression = compileCondition<boolean[]>(c.expression, (name) => {
        const at = positions.get(name) as number;
        return (present) => present[at] === true;
      });
    } else if (c !== null) {
      this.threshold = c;
      if (c.field !== undefined) this.fieldPath = compilePath(c.field);
    }
  }

  /**
   * Feeds one event that matched the referenced rules at `positions` (indexes into `rule.rules`).
   * Returns the group's values when the correlation fires on this event.
   */
  process(positions: number[], view: EventView, time: number): Record<string, unknown> | undefined {
    const first = positions[0] as number;
    const paths = this.groupPaths[first] as FieldPath[];
    // The key first, without allocating: most events belong to a group that exists already.
    let key: string;
    let parts: unknown[] | undefined;
    if (paths.length === 1) {
      const v = view.value(paths[0] as FieldPath);
      if (v === undefined || v === null) return undefined; // no group without its group-by values
      key = typeof v === 'string' ? `s${v}` : JSON.stringify([v]);
      parts = [v];
    } else {
      parts = [];
      for (const path of paths) {
        const v = view.value(path);
        if (v === undefined || v === null) return undefined;
        parts.push(v);
      }
      key = JSON.stringify(parts);
    }
    if (time > this.watermark) this.watermark = time;
    // A sweep walks the map from its oldest end, over the holes deletions leave there: every 16K
    // events keeps that cheap, and late groups are also caught on access and by maxGroups.
    if ((++this.calls & 16383) === 0) this.expireOldest();
    let group = this.groups.get(key);
    if (group !== undefined && time < group.latest - this.rule.timespanMs) {
      this.stats.late++;
      return undefined;
    }
    if (group === undefined) {
      const values: Record<string, unknown> = {};
      this.rule.groupBy.forEach((name, i) => (values[name] = parts[i]));
      group = this.newGroup(time, values);
      this.makeRoom();
    } else this.groups.delete(key); // re-inserted below: most recently used last
    this.groups.set(key, group);
    if (time > group.latest) group.latest = time;
    const fired = this.update(group, positions, view, time);
    if (fired) this.groups.delete(key);
    return fired ? group.values : undefined;
  }

  /** Forgets every group (end of stream). */
  reset(): void {
    this.groups.clear();
    this.watermark = -Infinity;
  }

  private newGroup(time: number, values: Record<string, unknown>): Group {
    // Only what the correlation type uses is allocated: a million groups must stay small.
    const type = this.rule.type;
    return {
      latest: time,
      values,
      window: new TimeWindow(),
      counts: type === 'value_count' || type === 'value_percentile' ? new Map() : NO_COUNTS,
      sum: 0,
      marks:
        type === 'temporal' || type === 'temporal_ordered'
          ? new Array<number>(this.rule.rules.length).fill(-Infinity)
          : NO_MARKS,
    };
  }

  private expireOldest(): void {
    const horizon = this.watermark - this.rule.timespanMs;
    for (const [key, g] of this.groups) {
      if (g.latest >= horizon) break;
      this.groups.delete(key);
    }
  }

  private makeRoom(): void {
    if (this.groups.size < this.limits.maxGroups) return;
    const horizon = this.watermark - this.rule.timespanMs;
    for (const [key, g] of this.groups) if (g.latest < horizon) this.groups.delete(key);
    while (this.groups.size >= this.limits.maxGroups) {
      const oldest = this.groups.keys().next().value as string;
      this.groups.delete(oldest);
      this.stats.evictedGroups++;
    }
  }

  private passes(metric: number): boolean {
    const t = this.threshold;
    if (t === undefined) return false;
    return t.bounds.every((b) => check(b.op, metric, b.value));
  }

  private update(g: Group, positions: number[], view: EventView, time: number): boolean {
    const cutoff = g.latest - this.rule.timespanMs;
    switch (this.rule.type) {
      case 'temporal':
        return this.temporal(g, positions, time, cutoff);
      case 'temporal_ordered':
        return this.ordered(g, positions, time, cutoff);
      case 'event_count':
        g.window.insert(time, null);
        this.evict(g, cutoff, () => undefined);
        return this.passes(g.window.size);
      case 'value_count':
        return this.distinct(g, view, time, cutoff, () => g.counts.size);
      case 'value_percentile':
        if (this.threshold?.percentile === undefined) {
          // The spec's own example ("a process name seen in less than 1% of processes"): the share,
          // in percent, of the group's events that carry this event's value.
          let mine = '';
          return this.distinct(
            g,
            view,
            time,
            cutoff,
            () => ((g.counts.get(mine) ?? 0) * 100) / g.window.size,
            (k) => (mine = k),
          );
        }
        return this.numeric(g, view, time, cutoff);
      default:
        return this.numeric(g, view, time, cutoff);
    }
  }

  private evict(g: Group, cutoff: number, onDrop: (item: unknown) => void): void {
    this.stats.truncatedEntries += g.window.evict(cutoff, this.limits.maxEventsPerGroup, onDrop);
  }

  private distinct(
    g: Group,
    view: EventView,
    time: number,
    cutoff: number,
    metric: () => number,
    seen?: (key: string) => void,
  ): boolean {
    const v = view.value(this.fieldPath as FieldPath);
    if (v === undefined || v === null) return false;
    const key = scalarString(v) ?? JSON.stringify(v);
    seen?.(key);
    g.window.insert(time, key);
    g.counts.set(key, (g.counts.get(key) ?? 0) + 1);
    this.evict(g, cutoff, (item) => {
      const k = item as string;
      const n = (g.counts.get(k) ?? 0) - 1;
      if (n <= 0) g.counts.delete(k);
      else g.counts.set(k, n);
    });
    return this.passes(metric());
  }

  private numeric(g: Group, view: EventView, time: number, cutoff: number): boolean {
    const n = toNumber(view.value(this.fieldPath as FieldPath));
    if (Number.isNaN(n)) return false;
    g.window.insert(time, n);
    g.sum += n;
    this.evict(g, cutoff, (item) => (g.sum -= item as number));
    const size = g.window.size;
    switch (this.rule.type) {
      case 'value_sum':
        return this.passes(g.sum);
      case 'value_avg':
        return this.passes(g.sum / size);
      case 'value_min':
        return this.passes(Math.min(...(g.window.values() as number[])));
      case 'value_max':
        return this.passes(Math.max(...(g.window.values() as number[])));
      default: {
        const sorted = (g.window.values() as number[]).sort((a, b) => a - b);
        const p = this.threshold?.percentile;
        return this.passes(p === undefined ? median(sorted) : percentile(sorted, p));
      }
    }
  }

  private temporal(g: Group, positions: number[], time: number, cutoff: number): boolean {
    for (const p of positions) if (time > (g.marks[p] as number)) g.marks[p] = time;
    const present = g.marks.map((t) => t >= cutoff);
    if (this.expression !== undefined) return this.expression(present);
    const count = present.filter(Boolean).length;
    return this.threshold === undefined ? count === present.length : this.passes(count);
  }

  /** marks[j]: latest start time of rules[0..j] seen in this order (arrival order) within the window. */
  private ordered(g: Group, positions: number[], time: number, cutoff: number): boolean {
    const m = g.marks;
    for (let j = m.length - 1; j >= 0; j--) {
      if (!positions.includes(j)) continue;
      const start = j === 0 ? time : (m[j - 1] as number);
      if (start >= cutoff && start > (m[j] as number)) m[j] = start;
    }
    // A valid chain through rules[j] implies one through every earlier prefix.
    let prefix = m.length;
    while (prefix > 0 && (m[prefix - 1] as number) < cutoff) prefix--;
    if (this.expression !== undefined) return this.expression(m.map((_, j) => j < prefix));
    return this.threshold === undefined ? prefix === m.length : this.passes(prefix);
  }
}
