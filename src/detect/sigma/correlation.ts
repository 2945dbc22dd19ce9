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
import { GroupTable, hashKey } from './group-table.js';

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
 * A group's map key: the group-by value itself when that is unambiguous (a number, a boolean, a
 * string not starting with `[`), else the JSON list of the values, which always starts with `[`
 * (events are JSON, so it also gives the values back).
 */
type GroupKey = string | number | boolean;

const BRACKET = 91; // '['

/** An empty window, shared: `insert` replaces it rather than writing to it. */
const NO_TIMES: number[] = [];
const NO_ITEMS: unknown[] = [];

/** Events between two sweeps for expired groups (a power of two). */
const SWEEP_EVERY = 16_384;

/**
 * Removed groups kept for reuse, so a stream of new keys does not allocate a group per event (nor
 * the collector copy each one as it ages). In a steady stream a sweep frees about as many groups
 * as were created since the one before, so this many spares take them all.
 */
const SPARE_GROUPS = SWEEP_EVERY;

/**
 * One group's state; only what its correlation type uses is allocated, since a million groups must
 * stay small. The window is `times` from `head` on, sorted oldest first (compacted now and then);
 * event_count keeps a window of one entry in `single` instead, as most groups of a million never
 * get a second one.
 */
class Group {
  /** The least recently used list, oldest first. */
  older: Group | null = null;
  newer: Group | null = null;
  /** Its place in the group table, -1 when not there (group-table.ts). */
  index = -1;
  times: number[] = NO_TIMES;
  head = 0;
  /** event_count: the time of a window's only entry, kept without an array (NaN: none). */
  single = NaN;

  constructor(
    public key: GroupKey,
    public latest: number,
  ) {}

  get size(): number {
    return this.times.length - this.head + (Number.isNaN(this.single) ? 0 : 1);
  }

  /**
   * Adds an entry in time order (events mostly arrive in order, so usually at the end). Returns
   * its index, or -1 when the window started afresh.
   */
  insert(t: number): number {
    const times = this.times;
    let i = times.length;
    if (i === this.head) {
      // Empty: start again from a one-entry literal (a first push would reserve 17).
      this.times = [t];
      this.head = 0;
      return -1;
    }
    if ((times[i - 1] as number) <= t) {
      times.push(t);
      return i;
    }
    while (i > this.head && (times[i - 1] as number) > t) i--;
    times.splice(i, 0, t);
    return i;
  }
}

/** A group of a value_* type: `items` holds one value per window entry, in step with `times`. */
class ValueGroup extends Group {
  items: unknown[] = NO_ITEMS;
  /**
   * value_count / frequency percentile: occurrences per distinct value in the window, kept from
   * the window's second entry on (most groups of a million never get one).
   */
  counts: Map<string, number> | null = null;
  sum = 0;

  add(t: number, item: unknown): void {
    const at = this.insert(t);
    if (at < 0) this.items = [item];
    else if (at === this.items.length) this.items.push(item);
    else this.items.splice(at, 0, item);
  }
}

/**
 * A group of a temporal type: `marks` holds the last time each referenced rule matched (temporal),
 * or the latest chain start per prefix (temporal_ordered).
 */
class MarkGroup extends Group {
  constructor(
    key: GroupKey,
    latest: number,
    readonly marks: number[],
  ) {
    super(key, latest);
  }
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

/** The runtime state of one correlation rule. */
export class CorrelationRuntime {
  private readonly groups = new GroupTable<Group>();
  /** Ends of the least recently used list (the table is for lookup only: re-inserting costs more). */
  private oldest: Group | null = null;
  private newest: Group | null = null;
  /** Whether the list is also sorted by `latest` (events in order), so expired groups lead it. */
  private byLatest = true;
  private readonly groupPaths: FieldPath[][];
  private readonly fieldPath: FieldPath | undefined;
  private readonly threshold: CorrelationThreshold | undefined;
  private readonly expression: ((present: boolean[]) => boolean) | undefined;
  /** temporal types: which referenced rules (or chain prefixes) are in the window; reused. */
  private readonly present: boolean[];
  /** value_count and value_percentile without a percentile count distinct values. */
  private readonly distinctValues: boolean;
  private watermark = -Infinity;
  private calls = 0;
  private readonly spare: Group[] = [];

  constructor(
    readonly rule: SigmaCorrelationRule,
    private readonly limits: CorrelationLimits,
    private readonly stats: CorrelationStats,
  ) {
    // group-by names per referenced rule, through aliases (spec: "Field Name Aliases").
    this.groupPaths = rule.rules.map((ref) =>
      rule.groupBy.map((g) => compilePath(rule.aliases[g]?.[ref] ?? g)),
    );
    this.present = rule.rules.map(() => false);
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
    this.distinctValues =
      rule.type === 'value_count' ||
      (rule.type === 'value_percentile' && this.threshold?.percentile === undefined);
  }

  /**
   * Feeds one event that matched the referenced rules at `positions` (indexes into `rule.rules`).
   * Returns the group's values when the correlation fires on this event.
   */
  process(positions: number[], view: EventView, time: number): Record<string, unknown> | undefined {
    const paths = this.groupPaths[positions[0] as number] as FieldPath[];
    // The key without allocating when one value names the group: most events find their group.
    let key: GroupKey;
    if (paths.length === 1) {
      const v = view.value(paths[0] as FieldPath);
      if (v === undefined || v === null) return undefined; // no group without its group-by values
      if (
        (typeof v === 'string' && v.charCodeAt(0) !== BRACKET) ||
        typeof v === 'number' ||
        typeof v === 'boolean'
      )
        key = v;
      else key = JSON.stringify([v]);
    } else {
      const parts = [];
      for (const path of paths) {
        const v = view.value(path);
        if (v === undefined || v === null) return undefined;
        parts.push(v);
      }
      key = JSON.stringify(parts);
    }
    if (time > this.watermark) this.watermark = time;
    // Expired groups are also caught on access and by maxGroups; sweeping every 16K events keeps
    // results independent of how often events come.
    if ((++this.calls & (SWEEP_EVERY - 1)) === 0) this.expireOldest();
    const hash = hashKey(key);
    let slot = this.groups.find(key, hash);
    let group: Group;
    if (slot >= 0) {
      group = this.groups.at(slot);
      if (time < group.latest - this.rule.timespanMs) {
        this.stats.late++;
        return undefined;
      }
      if (time > group.latest) group.latest = time;
    } else {
      if (this.groups.size >= this.limits.maxGroups) {
        this.makeRoom();
        slot = this.groups.find(key, hash); // removals move entries in the table
      }
      group = this.newGroup(key, time);
      this.groups.insert(slot, hash, group);
    }
    this.touch(group);
    if (!this.update(group, positions, view, time)) return undefined;
    const values = this.groupValues(group);
    this.remove(group);
    return values;
  }

  /** Forgets every group (end of stream). */
  reset(): void {
    this.groups.clear();
    this.spare.length = 0;
    this.oldest = this.newest = null;
    this.byLatest = true;
    this.watermark = -Infinity;
  }

  private newGroup(key: GroupKey, time: number): Group {
    const g = this.spare.pop();
    if (g === undefined) {
      switch (this.rule.type) {
        case 'event_count':
          return new Group(key, time);
        case 'temporal':
        case 'temporal_ordered':
          return new MarkGroup(key, time, new Array<number>(this.rule.rules.length).fill(-Infinity));
        default:
          return new ValueGroup(key, time);
      }
    }
    g.key = key;
    g.latest = time;
    if (g instanceof MarkGroup) g.marks.fill(-Infinity);
    return g;
  }

  private groupValues(g: Group): Record<string, unknown> {
    const key = g.key;
    const parts =
      typeof key === 'string' && key.charCodeAt(0) === BRACKET ? (JSON.parse(key) as unknown[]) : [key];
    const values: Record<string, unknown> = {};
    this.rule.groupBy.forEach((name, i) => (values[name] = parts[i]));
    return values;
  }

  /** Moves a group (new or not) to the most recently used end. */
  private touch(g: Group): void {
    if (g === this.newest) return;
    if (g.older !== null || g === this.oldest) this.unlink(g);
    const last = this.newest;
    if (last !== null && g.latest < last.latest) this.byLatest = false;
    g.older = last;
    if (last !== null) last.newer = g;
    else this.oldest = g;
    this.newest = g;
  }

  private unlink(g: Group): void {
    if (g.older !== null) g.older.newer = g.newer;
    else this.oldest = g.newer;
    if (g.newer !== null) g.newer.older = g.older;
    else this.newest = g.older;
    g.older = g.newer = null;
  }

  private remove(g: Group): void {
    this.groups.delete(g);
    this.unlink(g);
    if (this.spare.length >= SPARE_GROUPS) return;
    // Kept without its key and window, so a spare holds on to nothing.
    g.key = 0;
    g.times = NO_TIMES;
    g.head = 0;
    g.single = NaN;
    if (g instanceof ValueGroup) {
      g.items = NO_ITEMS;
      g.counts = null;
      g.sum = 0;
    }
    this.spare.push(g);
  }

  private expireOldest(): void {
    const horizon = this.watermark - this.rule.timespanMs;
    while (this.oldest !== null && this.oldest.latest < horizon) this.remove(this.oldest);
  }

  /** At the group bound: drops every expired group, then the least recently used live ones. */
  private makeRoom(): void {
    if (this.byLatest) this.expireOldest();
    else {
      // Out-of-order events: expired groups may be anywhere. The walk also re-checks the order.
      const horizon = this.watermark - this.rule.timespanMs;
      let sorted = true;
      let kept: Group | null = null;
      for (let g = this.oldest; g !== null;) {
        const next: Group | null = g.newer;
        if (g.latest < horizon) this.remove(g);
        else {
          if (kept !== null && g.latest < kept.latest) sorted = false;
          kept = g;
        }
        g = next;
      }
      this.byLatest = sorted;
    }
    while (this.groups.size >= this.limits.maxGroups && this.oldest !== null) {
      this.remove(this.oldest);
      this.stats.evictedGroups++;
    }
  }

  private passes(metric: number): boolean {
    const t = this.threshold;
    if (t === undefined) return false;
    for (const b of t.bounds) if (!check(b.op, metric, b.value)) return false;
    return true;
  }

  private update(g: Group, positions: number[], view: EventView, time: number): boolean {
    const cutoff = g.latest - this.rule.timespanMs;
    // newGroup made the group of the class its type uses.
    switch (this.rule.type) {
      case 'temporal':
        return this.temporal(g as MarkGroup, positions, time, cutoff);
      case 'temporal_ordered':
        return this.ordered(g as MarkGroup, positions, time, cutoff);
      case 'event_count':
        this.count(g, time);
        this.evict(g, cutoff);
        return this.passes(g.size);
      case 'value_count':
        return this.distinct(g as ValueGroup, view, time, cutoff);
      case 'value_percentile':
        return this.distinctValues
          ? this.distinct(g as ValueGroup, view, time, cutoff)
          : this.numeric(g as ValueGroup, view, time, cutoff);
      default:
        return this.numeric(g as ValueGroup, view, time, cutoff);
    }
  }

  /** event_count: adds an entry, moving the window to an array from its second entry on. */
  private count(g: Group, time: number): void {
    const single = g.single;
    if (g.size === 0) {
      g.times = NO_TIMES;
      g.head = 0;
      g.single = time;
    } else if (!Number.isNaN(single)) {
      g.times = single <= time ? [single, time] : [time, single];
      g.single = NaN;
    } else g.insert(time);
  }

  /** Drops window entries older than `cutoff` and beyond `maxEventsPerGroup`, oldest first. */
  private evict(g: Group, cutoff: number): void {
    if (!Number.isNaN(g.single)) {
      if (g.single >= cutoff && this.limits.maxEventsPerGroup >= 1) return;
      if (g.single >= cutoff) this.stats.truncatedEntries++;
      g.single = NaN;
      return;
    }
    const times = g.times;
    const max = this.limits.maxEventsPerGroup;
    const valued = g instanceof ValueGroup ? g : null;
    let head = g.head;
    while (head < times.length && ((times[head] as number) < cutoff || times.length - head > max)) {
      if ((times[head] as number) >= cutoff) this.stats.truncatedEntries++;
      if (valued !== null) this.forget(valued, valued.items[head]);
      head++;
    }
    g.head = head;
    if (head > 64 && head * 2 > times.length) {
      g.times = times.slice(head);
      if (valued !== null) valued.items = valued.items.slice(head);
      g.head = 0;
    }
  }

  /** Takes a dropped entry's value out of the group's running aggregate. */
  private forget(g: ValueGroup, item: unknown): void {
    if (!this.distinctValues) {
      g.sum -= item as number;
      return;
    }
    const counts = g.counts;
    if (counts === null) return;
    const n = (counts.get(item as string) ?? 0) - 1;
    if (n <= 0) counts.delete(item as string);
    else counts.set(item as string, n);
  }

  private distinct(g: ValueGroup, view: EventView, time: number, cutoff: number): boolean {
    const v = view.value(this.fieldPath as FieldPath);
    if (v === undefined || v === null) return false;
    const key = scalarString(v) ?? JSON.stringify(v);
    g.add(time, key);
    if (g.counts !== null) g.counts.set(key, (g.counts.get(key) ?? 0) + 1);
    this.evict(g, cutoff);
    const counts = g.counts ?? (g.size > 1 ? countValues(g) : null);
    const distinct = counts === null ? g.size : counts.size;
    if (this.rule.type === 'value_count') return this.passes(distinct);
    // value_percentile without a percentile, the spec's own example ("a process name seen in less
    // than 1% of processes"): the share, in percent, of the group's events carrying this value.
    // The event's own entry may be gone already (out of order, then beyond maxEventsPerGroup).
    const alone = g.size === 1 && (g.items as string[])[g.head] === key;
    const mine = counts === null ? (alone ? 1 : 0) : (counts.get(key) ?? 0);
    return this.passes((mine * 100) / g.size);
  }

  private numeric(g: ValueGroup, view: EventView, time: number, cutoff: number): boolean {
    const n = toNumber(view.value(this.fieldPath as FieldPath));
    if (Number.isNaN(n)) return false;
    g.add(time, n);
    g.sum += n;
    this.evict(g, cutoff);
    switch (this.rule.type) {
      case 'value_sum':
        return this.passes(g.sum);
      case 'value_avg':
        return this.passes(g.sum / g.size);
      case 'value_min':
      case 'value_max':
        return this.passes(extreme(g, this.rule.type === 'value_max'));
      default: {
        const sorted = (g.items as number[]).slice(g.head).sort((a, b) => a - b);
        const p = this.threshold?.percentile;
        return this.passes(p === undefined ? median(sorted) : percentile(sorted, p));
      }
    }
  }

  private temporal(g: MarkGroup, positions: number[], time: number, cutoff: number): boolean {
    const marks = g.marks;
    for (const p of positions) if (time > (marks[p] as number)) marks[p] = time;
    const present = this.present;
    let count = 0;
    for (let j = 0; j < marks.length; j++) if ((present[j] = (marks[j] as number) >= cutoff)) count++;
    if (this.expression !== undefined) return this.expression(present);
    return this.threshold === undefined ? count === marks.length : this.passes(count);
  }

  /** marks[j]: latest start time of rules[0..j] seen in this order (arrival order) within the window. */
  private ordered(g: MarkGroup, positions: number[], time: number, cutoff: number): boolean {
    const m = g.marks;
    for (let j = m.length - 1; j >= 0; j--) {
      if (!positions.includes(j)) continue;
      const start = j === 0 ? time : (m[j - 1] as number);
      if (start >= cutoff && start > (m[j] as number)) m[j] = start;
    }
    // A valid chain through rules[j] implies one through every earlier prefix.
    let prefix = m.length;
    while (prefix > 0 && (m[prefix - 1] as number) < cutoff) prefix--;
    if (this.expression !== undefined) {
      for (let j = 0; j < m.length; j++) this.present[j] = j < prefix;
      return this.expression(this.present);
    }
    return this.threshold === undefined ? prefix === m.length : this.passes(prefix);
  }
}

/** Starts a group's distinct-value counts from its window. */
function countValues(g: ValueGroup): Map<string, number> {
  const counts = new Map<string, number>();
  const items = g.items as string[];
  for (let i = g.head; i < items.length; i++) {
    const k = items[i] as string;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return (g.counts = counts);
}

/** The smallest (or largest) value in a group's window. */
function extreme(g: ValueGroup, largest: boolean): number {
  const items = g.items as number[];
  if (g.size === 0) return largest ? -Infinity : Infinity; // as Math.max() and Math.min()
  let best = items[g.head] as number;
  for (let i = g.head + 1; i < items.length; i++) {
    const v = items[i] as number;
    if (largest ? v > best : v < best) best = v;
  }
  return best;
}
