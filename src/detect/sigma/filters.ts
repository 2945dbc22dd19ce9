// Sigma filters (sigma-filters-specification.md v2.0): a filter adds its condition to the detection
// rules it names, `(rule condition) and (filter condition)` as pySigma does, where its logsource
// covers theirs. Applied at load, so the compiler, the rule index (prefilter.ts) and the routing see
// one ordinary rule: a filtered rule is matched and prefiltered by the same code as any other.

import type {
  ConditionNode,
  LogSource,
  RuleLoadError,
  SigmaDetectionRule,
  SigmaFilter,
  SigmaRule,
} from './types.js';

const LOGSOURCE_KEYS = ['product', 'service', 'category'] as const;

/** pySigma's containment: every logsource field the filter gives, the rule has, with the same value. */
export function isLogsourceWithin(rule: LogSource, filter: LogSource): boolean {
  return LOGSOURCE_KEYS.every((k) => filter[k] === undefined || filter[k] === rule[k]);
}

function showLogsource(ls: LogSource): string {
  const parts = LOGSOURCE_KEYS.filter((k) => ls[k] !== undefined).map((k) => `${k}: ${ls[k]}`);
  return `{${parts.join(', ')}}`;
}

function renameRefs(node: ConditionNode, names: ReadonlyMap<string, string>): ConditionNode {
  switch (node.kind) {
    case 'ref':
      return { kind: 'ref', name: names.get(node.name) as string };
    case 'not':
      return { kind: 'not', item: renameRefs(node.item, names) };
    case 'and':
    case 'or':
      return { kind: node.kind, items: node.items.map((n) => renameRefs(n, names)) };
  }
}

/**
 * The rule with the filter's selections added under names of their own (a filter's `selection`
 * never reads the rule's `selection`) and the filter's condition ANDed onto the rule's.
 */
export function withFilter(rule: SigmaDetectionRule, filter: SigmaFilter, tag: string): SigmaDetectionRule {
  const searches = { ...rule.searches };
  const names = new Map<string, string>();
  for (const [name, node] of Object.entries(filter.searches)) {
    let unique = `${name}@${tag}`;
    for (let n = 2; Object.hasOwn(searches, unique); n++) unique = `${name}@${tag}#${n}`;
    searches[unique] = node;
    names.set(name, unique);
  }
  const condition: ConditionNode = {
    kind: 'and',
    items: [rule.condition, renameRefs(filter.condition, names)],
  };
  return { ...rule, searches, condition };
}

/** What a reference names: a loaded rule, one that failed to load, or nothing. */
export type RuleLookup = (ref: string) => SigmaRule | 'failed' | undefined;

function describe(filter: SigmaFilter, reason: string): RuleLoadError {
  const out: RuleLoadError = { path: filter.path, title: filter.title, reason };
  if (filter.id !== undefined) out.id = filter.id;
  return out;
}

/** The detection rule a filter's reference can take, or why it cannot. */
function target(filter: SigmaFilter, ref: string, lookup: RuleLookup): SigmaDetectionRule | string {
  const rule = lookup(ref);
  const why = `filter not applied to '${ref}'`;
  if (rule === undefined) return `${why}: no such rule`;
  if (rule === 'failed') return `${why}: that rule failed to load`;
  if (rule.kind === 'correlation')
    return `${why}: it is a correlation; name the rules it correlates, whose matches it counts`;
  if (!isLogsourceWithin(rule.logsource, filter.logsource))
    return `${why}: its logsource ${showLogsource(rule.logsource)} is not within the filter's ${showLogsource(filter.logsource)}`;
  return rule;
}

/** The detection rules a filter applies to; each reference it cannot apply to is reported. */
function targetsOf(
  filter: SigmaFilter,
  rules: readonly SigmaRule[],
  lookup: RuleLookup,
  errors: RuleLoadError[],
): Set<SigmaDetectionRule> {
  if (filter.rules === 'any') {
    const covered = (r: SigmaRule): r is SigmaDetectionRule =>
      r.kind === 'detection' && isLogsourceWithin(r.logsource, filter.logsource);
    return new Set(rules.filter(covered));
  }
  const out = new Set<SigmaDetectionRule>();
  for (const ref of filter.rules) {
    const t = target(filter, ref, lookup);
    if (typeof t === 'string') errors.push(describe(filter, t));
    else out.add(t);
  }
  return out;
}

/**
 * Applies each filter, in load order, to the detection rules it names (`rules: any`: every detection
 * rule whose logsource lies within the filter's). A reference that cannot take the filter is reported
 * and the filter still applies to its other rules: dropping the whole filter would un-filter those.
 * A filter whose id or name is already taken, by a rule or an earlier filter, is not applied at all.
 */
export function applyFilters(
  rules: readonly SigmaRule[],
  filters: readonly SigmaFilter[],
  lookup: RuleLookup,
): { rules: SigmaRule[]; filters: SigmaFilter[]; errors: RuleLoadError[] } {
  const errors: RuleLoadError[] = [];
  const accepted: SigmaFilter[] = [];
  const keys = new Map<string, SigmaFilter>();
  const owner = (key: string): SigmaRule | SigmaFilter | undefined => {
    const rule = lookup(key);
    return typeof rule === 'object' ? rule : keys.get(key);
  };
  const applied = new Map<SigmaRule, SigmaFilter[]>();
  for (const filter of filters) {
    const clash = [filter.id, filter.name].find((k) => k !== undefined && owner(k) !== undefined);
    if (clash !== undefined) {
      const other = owner(clash) as SigmaRule | SigmaFilter;
      errors.push(
        describe(
          filter,
          `id or name '${clash}' is already used by '${other.title}' in ${other.path}; the filter is not applied`,
        ),
      );
      continue;
    }
    for (const k of [filter.id, filter.name]) if (k !== undefined) keys.set(k, filter);
    accepted.push(filter);
    for (const rule of targetsOf(filter, rules, lookup, errors))
      applied.set(rule, [...(applied.get(rule) ?? []), filter]);
  }
  const out = rules.map((rule) => {
    const list = applied.get(rule);
    if (list === undefined || rule.kind !== 'detection') return rule;
    return list.reduce((r, f) => withFilter(r, f, `filter${accepted.indexOf(f) + 1}`), rule);
  });
  return { rules: out, filters: accepted, errors };
}
