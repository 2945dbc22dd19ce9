// The detector: compiles loaded rules once (matchers, field slots, a rule index per dataset, the
// correlation graph) and evaluates events one at a time, in stream order, returning the alerts of
// `stele detect` (DESIGN.md). Referenced rules of a correlation alert on their own only if one of
// its correlations says `generate: true` (sigma-correlation-rules-specification.md, "Generate").

import { ValidationError } from '../../core/errors.js';
import { compileDetection, toEpochMs, type Predicate } from './compile.js';
import {
  CorrelationRuntime,
  DEFAULT_LIMITS,
  type CorrelationLimits,
  type CorrelationStats,
} from './correlation.js';
import { buildItem } from './modifiers.js';
import { compilePath, EventView, FieldRegistry } from './fields.js';
import { RuleIndex, ruleNeed } from './prefilter.js';
import {
  aliasesFor,
  DEFAULT_ALIASES,
  DEFAULT_ROUTES,
  routeLogsource,
  type FieldAliases,
  type Route,
} from './routing.js';
import type {
  Alert,
  Placeholders,
  SearchNode,
  SigmaCorrelationRule,
  SigmaDetectionRule,
  SigmaRule,
} from './types.js';

export interface DetectorOptions {
  rules: readonly SigmaRule[];
  /** Re-binds `expand` placeholders of the loaded rules (values given at load time stay otherwise). */
  placeholders?: Placeholders;
  limits?: Partial<CorrelationLimits>;
  /** Event time for correlation windows (default `@timestamp`). */
  timestampField?: string;
  routes?: readonly Route[];
  aliases?: readonly FieldAliases[];
}

export interface DetectorStats extends CorrelationStats {
  events: number;
  /** Events without a readable timestamp given to correlations (they get the latest time seen). */
  untimed: number;
}

export interface Detector {
  /** Evaluates one event; `index` is echoed as `event_index` in its alerts. */
  process(event: object, index: number): Alert[];
  /**
   * Ends the stream. Conditions are checked as each event arrives, so no alert is pending: this
   * returns them (none) and releases all correlation state.
   */
  flush(): Alert[];
  stats(): DetectorStats;
}

interface Consumer {
  correlation: number;
  position: number;
}

interface CompiledRule {
  alert: Alert['rule'];
  generates: boolean;
  consumers: Consumer[];
}

interface CompiledDetection extends CompiledRule {
  test: Predicate;
}

interface CompiledCorrelation extends CompiledRule {
  runtime: CorrelationRuntime;
}

function alertRule(rule: SigmaRule): Alert['rule'] {
  return { id: rule.id ?? null, title: rule.title, level: rule.level ?? null };
}

function rebindSearch(node: SearchNode, ph: Placeholders): SearchNode {
  if (node.kind !== 'item') return { kind: node.kind, items: node.items.map((n) => rebindSearch(n, ph)) };
  const item = node.item;
  if (!item.modifiers.includes('expand')) return node;
  const key = [item.field ?? '', ...item.modifiers].join('|');
  return {
    kind: 'item',
    item: buildItem(
      { field: item.field, modifiers: item.modifiers, values: item.raw, line: item.line, key },
      ph,
    ),
  };
}

function rebind(rule: SigmaDetectionRule, ph: Placeholders): SigmaDetectionRule {
  try {
    const searches: Record<string, SearchNode> = {};
    for (const [name, node] of Object.entries(rule.searches)) searches[name] = rebindSearch(node, ph);
    return { ...rule, searches };
  } catch (err) {
    throw new ValidationError(`rule '${rule.title}' (${rule.path}): ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Correlations in dependency order: a correlation comes after those it refers to. */
function topologicalOrder(
  correlations: SigmaCorrelationRule[],
  byKey: Map<string, SigmaRule>,
): SigmaCorrelationRule[] {
  const out: SigmaCorrelationRule[] = [];
  const state = new Map<SigmaCorrelationRule, 'visiting' | 'done'>();
  const visit = (c: SigmaCorrelationRule) => {
    const s = state.get(c);
    if (s === 'done') return;
    if (s === 'visiting') throw new ValidationError(`correlation '${c.title}' references form a cycle`);
    state.set(c, 'visiting');
    for (const ref of c.rules) {
      const target = byKey.get(ref);
      if (target === undefined)
        throw new ValidationError(`correlation '${c.title}' references unknown rule '${ref}'`);
      if (target.kind === 'correlation') visit(target);
    }
    state.set(c, 'done');
    out.push(c);
  };
  correlations.forEach(visit);
  return out;
}

export function createDetector(options: DetectorOptions): Detector {
  const limits: CorrelationLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const routes = options.routes ?? DEFAULT_ROUTES;
  const aliasTable = options.aliases ?? DEFAULT_ALIASES;
  const registry = new FieldRegistry();
  const stats: DetectorStats = { events: 0, untimed: 0, late: 0, evictedGroups: 0, truncatedEntries: 0 };

  const byKey = new Map<string, SigmaRule>();
  for (const rule of options.rules) {
    for (const key of [rule.id, rule.name]) if (key !== undefined && !byKey.has(key)) byKey.set(key, rule);
  }
  const correlations = topologicalOrder(
    options.rules.filter((r): r is SigmaCorrelationRule => r.kind === 'correlation'),
    byKey,
  );

  // Who consumes whom, and which referenced rules keep alerting on their own.
  const consumersOf = new Map<SigmaRule, Consumer[]>();
  const generateOverride = new Map<SigmaRule, boolean>();
  correlations.forEach((c, ci) => {
    c.rules.forEach((ref, position) => {
      const target = byKey.get(ref) as SigmaRule;
      const list = consumersOf.get(target) ?? [];
      list.push({ correlation: ci, position });
      consumersOf.set(target, list);
      generateOverride.set(target, (generateOverride.get(target) ?? false) || c.generate);
    });
  });
  const common = (rule: SigmaRule): CompiledRule => ({
    alert: alertRule(rule),
    generates: generateOverride.get(rule) ?? true,
    consumers: consumersOf.get(rule) ?? [],
  });

  // Rules per route (every rule, unrouted rules, rules of each dataset), each with its index.
  type Entry = { rule: CompiledDetection; need: ReturnType<typeof ruleNeed> };
  const all: Entry[] = [];
  const unrouted: Entry[] = [];
  const byDataset = new Map<string, Entry[]>();
  for (const loaded of options.rules) {
    if (loaded.kind !== 'detection') continue;
    const rule = options.placeholders === undefined ? loaded : rebind(loaded, options.placeholders);
    const ctx = { registry, aliases: aliasesFor(rule.logsource, aliasTable) };
    const entry: Entry = {
      rule: { ...common(loaded), test: compileDetection(rule, ctx) },
      need: ruleNeed(rule, ctx.registry, ctx.aliases),
    };
    all.push(entry);
    const datasets = routeLogsource(rule.logsource, routes);
    if (datasets.length === 0) unrouted.push(entry);
    for (const d of datasets) byDataset.set(d, [...(byDataset.get(d) ?? []), entry]);
  }
  const index = (entries: Entry[]) =>
    new RuleIndex(
      entries.map((e) => e.rule),
      entries.map((e) => e.need),
    );
  const allIndex = index(all);
  const unroutedIndex = index(unrouted);
  const datasetIndex = new Map([...byDataset].map(([d, entries]) => [d, index(entries)]));
  const compiledCorrelations: CompiledCorrelation[] = correlations.map((c) => ({
    ...common(c),
    runtime: new CorrelationRuntime(c, limits, stats),
  }));

  const view = new EventView(registry.slots.length);
  const timePath = compilePath(options.timestampField ?? '@timestamp');
  const pending: number[][] = compiledCorrelations.map(() => []);
  let fed = 0; // events given to correlations by this event's rules
  let latestTime = 0;

  const feed = (consumers: Consumer[]) => {
    for (const { correlation, position } of consumers) {
      const list = pending[correlation] as number[];
      if (!list.includes(position)) list.push(position);
      fed++;
    }
  };

  // The event being processed, for `visit` (one closure for all events rather than one per event).
  let alerts: Alert[] = [];
  let eventIndex = 0;
  const visit = (rule: CompiledDetection) => {
    if (!rule.test(view)) return;
    if (rule.generates) alerts.push({ rule: rule.alert, event_index: eventIndex });
    if (rule.consumers.length > 0) feed(rule.consumers);
  };

  const eventTime = (): number => {
    const t = toEpochMs(view.value(timePath));
    if (Number.isNaN(t)) {
      stats.untimed++;
      return latestTime;
    }
    if (t > latestTime) latestTime = t;
    return t;
  };

  return {
    process(event, index) {
      stats.events++;
      view.reset(event);
      const ds = view.dataset;
      const candidates = ds === undefined ? allIndex : (datasetIndex.get(ds) ?? unroutedIndex);
      alerts = [];
      eventIndex = index;
      candidates.forEachCandidate(view, visit);
      if (fed === 0) return alerts;
      const time = eventTime();
      // Dependency order: a correlation that fires here feeds the ones that refer to it.
      for (let ci = 0; ci < compiledCorrelations.length; ci++) {
        const positions = pending[ci] as number[];
        if (positions.length === 0) continue;
        const c = compiledCorrelations[ci] as CompiledCorrelation;
        const group = c.runtime.process(positions, view, time);
        // Emptied by pop: `length = 0` would drop the backing store, and the next push reserve 17.
        while (positions.length > 0) positions.pop();
        if (group === undefined) continue;
        if (c.generates) alerts.push({ rule: c.alert, event_index: index, group });
        feed(c.consumers);
      }
      fed = 0;
      return alerts;
    },
    flush() {
      for (const c of compiledCorrelations) c.runtime.reset();
      return [];
    },
    stats() {
      return { ...stats };
    },
  };
}
