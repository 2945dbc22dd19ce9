// Turns a loaded detection rule into one predicate over an EventView. Matching follows
// sigma-rules-specification.md "General": values compare as case-insensitive strings (numbers and
// booleans by their JSON spelling), a list field matches if any element does, a missing field
// matches only `null` (and negations), and `*` alone matches any present, non-null value.

import { cidrContains, parseIp } from './cidr.js';
import { compileCondition } from './condition.js';
import { type EventView, type FieldRegistry, type FieldValue } from './fields.js';
import type {
  CompareOp,
  DetectionItem,
  SearchNode,
  SigmaDetectionRule,
  TimePart,
  ValueSpec,
} from './types.js';
import { parseRfc3339 } from './timestamp.js';
import { compilePattern, isMatchAll } from './values.js';

export type Predicate = (view: EventView) => boolean;

interface ValueTest {
  test: (fv: FieldValue, view: EventView) => boolean;
  /** The result when the event lacks the field. */
  missing: boolean;
  cost: number;
}

export interface CompileContext {
  registry: FieldRegistry;
  /** Fall-back paths per rule field (routing.ts `aliasesFor`). */
  aliases: Record<string, string[]>;
}

const NUMERIC = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = v.trim();
    if (NUMERIC.test(t)) return Number(t);
    if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t.slice(2), 16);
  }
  return NaN;
}

function compare(op: CompareOp, a: number, b: number): boolean {
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
  }
}

/** Event time as epoch ms: RFC 3339 strings, or epoch numbers (seconds below 1e11, else ms). */
export function toEpochMs(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v < 1e11 ? v * 1000 : v;
  if (typeof v === 'string') {
    const ms = parseRfc3339(v); // the common case, without Date.parse
    if (!Number.isNaN(ms)) return ms;
    if (/^\d{4}-/.test(v)) return Date.parse(v);
    const n = toNumber(v);
    if (!Number.isNaN(n)) return n < 1e11 ? n * 1000 : n;
    return Date.parse(v);
  }
  return NaN;
}

function timePart(part: TimePart, ms: number): number {
  const d = new Date(ms);
  switch (part) {
    case 'minute':
      return d.getUTCMinutes();
    case 'hour':
      return d.getUTCHours();
    case 'day':
      return d.getUTCDate();
    case 'month':
      return d.getUTCMonth() + 1;
    case 'year':
      return d.getUTCFullYear();
    case 'week': {
      // ISO 8601 week number: the week with the year's first Thursday is week 1.
      const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      t.setUTCDate(t.getUTCDate() + 4 - (t.getUTCDay() || 7));
      const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
      return Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
    }
  }
}

function anyString(strs: ReadonlyArray<string | null>, test: (s: string) => boolean): boolean {
  for (const s of strs) if (s !== null && test(s)) return true;
  return false;
}

function compileValue(spec: ValueSpec, ctx: CompileContext): ValueTest {
  switch (spec.type) {
    case 'string': {
      if (spec.alternatives.some(isMatchAll)) {
        return { test: (fv) => fv.items.some((v) => v !== null), missing: false, cost: 1 };
      }
      const tests = spec.alternatives.map((p) => compilePattern(p, !spec.cased));
      const one = tests.length === 1 ? tests[0] : undefined;
      const test = one ?? ((s: string) => tests.some((t) => t(s)));
      return {
        test: spec.cased ? (fv) => anyString(fv.strings(), test) : (fv) => anyString(fv.lowers(), test),
        missing: false,
        cost: tests.length,
      };
    }
    case 'null':
      return {
        test: (fv) => fv.items.length === 0 || fv.items.some((v) => v === null),
        missing: true,
        cost: 1,
      };
    case 'regex':
      return { test: (fv) => anyString(fv.strings(), (s) => spec.program.test(s)), missing: false, cost: 20 };
    case 'cidr':
      return {
        test: (fv) =>
          anyString(fv.strings(), (s) => {
            const ip = parseIp(s.trim());
            return ip !== undefined && cidrContains(spec.cidr, ip);
          }),
        missing: false,
        cost: 5,
      };
    case 'compare': {
      const read = spec.part === undefined ? toNumber : (v: unknown) => timeValue(spec.part as TimePart, v);
      return {
        test: (fv) =>
          fv.items.some((v) => {
            const n = read(v);
            return !Number.isNaN(n) && compare(spec.op, n, spec.value);
          }),
        missing: false,
        cost: 2,
      };
    }
    case 'exists':
      return { test: () => spec.expected, missing: !spec.expected, cost: 0 };
    case 'fieldref': {
      const other = ctx.registry.slot(spec.ref, ctx.aliases[spec.ref] ?? []);
      const relate = relation(spec.mode);
      return {
        test: (fv, view) => {
          const target = view.get(other);
          if (target === undefined) return false;
          const mine = spec.cased ? fv.strings() : fv.lowers();
          const theirs = spec.cased ? target.strings() : target.lowers();
          return mine.some((a) => a !== null && theirs.some((b) => b !== null && relate(a, b)));
        },
        missing: false,
        cost: 4,
      };
    }
  }
}

function timeValue(part: TimePart, v: unknown): number {
  const ms = toEpochMs(v);
  return Number.isNaN(ms) ? NaN : timePart(part, ms);
}

function relation(
  mode: 'equals' | 'contains' | 'startswith' | 'endswith',
): (a: string, b: string) => boolean {
  switch (mode) {
    case 'equals':
      return (a, b) => a === b;
    case 'contains':
      return (a, b) => a.includes(b);
    case 'startswith':
      return (a, b) => a.startsWith(b);
    case 'endswith':
      return (a, b) => a.endsWith(b);
  }
}

interface Compiled {
  pred: Predicate;
  cost: number;
}

function compileItem(item: DetectionItem, ctx: CompileContext): Compiled {
  const tests = item.values.map((v) => compileValue(v, ctx));
  const all = item.combine === 'all';
  const missing = all ? tests.every((t) => t.missing) : tests.some((t) => t.missing);
  const cost = tests.reduce((sum, t) => sum + t.cost, 0) + (item.field === null ? 5 : 0);
  const field = item.field;
  const slot = field === null ? undefined : ctx.registry.slot(field, ctx.aliases[field] ?? []);
  const read =
    slot === undefined ? (view: EventView) => view.keywords() : (view: EventView) => view.get(slot);
  const single = tests.length === 1 ? tests[0] : undefined;
  const match =
    single !== undefined
      ? single.test
      : all
        ? (fv: FieldValue, view: EventView) => tests.every((t) => t.test(fv, view))
        : (fv: FieldValue, view: EventView) => tests.some((t) => t.test(fv, view));
  const pred: Predicate = (view) => {
    const fv = read(view);
    return fv === undefined ? missing : match(fv, view);
  };
  return { pred: item.negate ? (view) => !pred(view) : pred, cost };
}

function compileSearch(node: SearchNode, ctx: CompileContext): Compiled {
  if (node.kind === 'item') return compileItem(node.item, ctx);
  // Cheap tests first: the items of a map are ANDed and pure, so their order is free.
  const parts = node.items.map((n) => compileSearch(n, ctx)).sort((a, b) => a.cost - b.cost);
  const preds = parts.map((p) => p.pred);
  const cost = parts.reduce((sum, p) => sum + p.cost, 0);
  if (preds.length === 1) return parts[0] as Compiled;
  if (preds.length === 2) {
    const [a, b] = preds as [Predicate, Predicate];
    return { pred: node.kind === 'and' ? (v) => a(v) && b(v) : (v) => a(v) || b(v), cost };
  }
  return {
    pred: node.kind === 'and' ? (v) => preds.every((p) => p(v)) : (v) => preds.some((p) => p(v)),
    cost,
  };
}

/** The rule's condition over its compiled search identifiers. */
export function compileDetection(rule: SigmaDetectionRule, ctx: CompileContext): Predicate {
  const searches = new Map<string, Predicate>();
  for (const [name, node] of Object.entries(rule.searches)) searches.set(name, compileSearch(node, ctx).pred);
  return compileCondition<EventView>(rule.condition, (name) => searches.get(name) as Predicate);
}
