// Loads Sigma rule files: multi-document YAML with the v1 collection actions (`action: global`,
// `reset`, `repeat`), detection rules (sigma-rules-specification.md), correlation rules
// (sigma-correlation-rules-specification.md) and filters (sigma-filters-specification.md, applied
// by filters.ts) referring to rules by id or name across files. Every rule is fully validated here;
// a bad one is reported with its file, id, title and the reason.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../../core/errors.js';
import { parseCondition } from './condition.js';
import { parseSearch } from './detection.js';
import { applyFilters } from './filters.js';
import {
  CORRELATION_TYPES,
  LEVELS,
  type ConditionNode,
  type CorrelationThreshold,
  type CorrelationType,
  type Level,
  type LoadResult,
  type LogSource,
  type Placeholders,
  type RuleLoadError,
  type SearchNode,
  type SigmaCorrelationRule,
  type SigmaDetectionRule,
  type SigmaFilter,
  type SigmaRule,
} from './types.js';
import {
  deepMerge,
  get,
  isNull,
  parseDocuments,
  scalarText,
  without,
  type YMap,
  type YNode,
} from './yaml-nodes.js';

export interface LoadOptions {
  /** Values for `%placeholder%` in `expand` values; a rule using any other placeholder is rejected. */
  placeholders?: Placeholders;
}

function fail(line: number, message: string): never {
  throw new ValidationError(`line ${line}: ${message}`);
}

function requireMap(n: YNode | undefined, what: string, line: number): YMap {
  if (n === undefined || isNull(n)) fail(line, `'${what}' is missing`);
  if (n.kind !== 'map') fail(n.line, `'${what}' must be a map`);
  return n;
}

function plainBool(n: YNode | undefined, what: string): boolean | undefined {
  if (n === undefined || isNull(n)) return undefined;
  const t = n.kind === 'scalar' && n.plain ? n.text.toLowerCase() : undefined;
  if (t === 'true' || t === 'yes') return true;
  if (t === 'false' || t === 'no') return false;
  return fail(n.line, `'${what}' must be true or false`);
}

function plainNumber(n: YNode, what: string): number {
  if (n.kind !== 'scalar' || !n.plain || !/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(n.text)) {
    return fail(n.line, `'${what}' must be a number`);
  }
  return Number(n.text);
}

function stringList(n: YNode | undefined, what: string): string[] {
  if (n === undefined || isNull(n)) return [];
  if (n.kind === 'scalar') return [n.text];
  if (n.kind === 'map') fail(n.line, `'${what}' must be a list`);
  return n.items.map((i) => {
    if (i.kind !== 'scalar' || isNull(i)) fail(i.line, `'${what}' must be a list of strings`);
    return i.text;
  });
}

function common(root: YMap, path: string, document: number) {
  const title = scalarText(get(root, 'title'), 'title');
  if (title === undefined || title.trim() === '') fail(root.line, "'title' is missing");
  const levelText = scalarText(get(root, 'level'), 'level');
  if (levelText !== undefined && !(LEVELS as readonly string[]).includes(levelText)) {
    fail(
      get(root, 'level')?.line ?? root.line,
      `unknown level '${levelText}' (expected ${LEVELS.join(', ')})`,
    );
  }
  const out: { title: string; path: string; document: number } & Partial<
    Record<'id' | 'name' | 'status' | 'author', string>
  > & {
      level?: Level;
    } = { title, path, document };
  for (const key of ['id', 'name', 'status', 'author'] as const) {
    const v = scalarText(get(root, key), key);
    if (v !== undefined) out[key] = v;
  }
  if (levelText !== undefined) out.level = levelText as Level;
  return out;
}

function parseLogsource(root: YMap): LogSource {
  const ls = requireMap(get(root, 'logsource'), 'logsource', root.line);
  const logsource: LogSource = {};
  for (const key of ['product', 'service', 'category'] as const) {
    const v = scalarText(get(ls, key), `logsource.${key}`);
    if (v !== undefined) logsource[key] = v.toLowerCase();
  }
  return logsource;
}

/**
 * The condition of a `detection` (or a filter's `filter`) section, over its search identifiers: every
 * key but `reserved`. A list of conditions is ORed (each would be its own query), unless `single`
 * says the section takes exactly one.
 */
function parseSectionCondition(
  section: YMap,
  what: string,
  reserved: readonly string[],
  single = false,
): ConditionNode {
  const conditionNode = get(section, 'condition');
  if (conditionNode === undefined || isNull(conditionNode))
    fail(section.line, `'${what}.condition' is missing`);
  if (single && conditionNode.kind !== 'scalar')
    fail(conditionNode.line, `'${what}.condition' must be one condition, not a list`);
  const names = section.entries.map(([k]) => k.text).filter((k) => !reserved.includes(k));
  const texts = stringList(conditionNode, 'condition');
  if (texts.length === 0) fail(conditionNode.line, 'empty condition');
  const parsed = texts.map((t) => {
    try {
      return parseCondition(t, names);
    } catch (err) {
      return fail(conditionNode.line, (err as Error).message);
    }
  });
  return parsed.length === 1 ? (parsed[0] as ConditionNode) : { kind: 'or', items: parsed };
}

function parseSearches(section: YMap, reserved: readonly string[], ph: Placeholders) {
  const searches: Record<string, SearchNode> = {};
  for (const [k, v] of section.entries) {
    if (!reserved.includes(k.text)) searches[k.text] = parseSearch(k.text, v, ph);
  }
  return searches;
}

function parseDetectionRule(
  root: YMap,
  path: string,
  document: number,
  ph: Placeholders,
): SigmaDetectionRule {
  const base = common(root, path, document);
  const logsource = parseLogsource(root);
  const detection = requireMap(get(root, 'detection'), 'detection', root.line);
  const condition = parseSectionCondition(detection, 'detection', ['condition', 'timeframe']);
  const timeframe = get(detection, 'timeframe');
  if (timeframe !== undefined) {
    fail(
      timeframe.line,
      "'timeframe' belongs to the pre-v2 aggregations; write a correlation rule with a timespan instead",
    );
  }
  const searches = parseSearches(detection, ['condition'], ph);
  return { kind: 'detection', ...base, logsource, searches, condition };
}

/** sigma-filters-specification.md "Global Filter": `rules`, the filter's selections, one `condition`. */
function parseFilter(root: YMap, path: string, document: number, ph: Placeholders): SigmaFilter {
  for (const key of ['detection', 'correlation'])
    if (get(root, key) !== undefined)
      fail(root.line, `'filter' and '${key}' in one document: a filter document has no '${key}'`);
  // The spec gives a filter no level or status: it never alerts on its own.
  const { level: _level, status: _status, ...base } = common(root, path, document);
  const logsource = parseLogsource(root);
  const section = requireMap(get(root, 'filter'), 'filter', root.line);
  const rulesNode = get(section, 'rules');
  const listed = stringList(rulesNode, 'filter.rules');
  if (rulesNode === undefined || listed.length === 0)
    fail(
      rulesNode?.line ?? section.line,
      "'filter.rules' is missing: name the rules (ids or names), or 'any' for every rule of the logsource",
    );
  // pySigma: a single `any` or `all` applies the filter to every rule its logsource covers.
  const any = rulesNode.kind === 'scalar' && ['any', 'all'].includes(rulesNode.text.toLowerCase());
  const reserved = ['condition', 'rules'];
  return {
    kind: 'filter',
    ...base,
    logsource,
    rules: any ? 'any' : listed,
    condition: parseSectionCondition(section, 'filter', reserved, true),
    searches: parseSearches(section, reserved, ph),
  };
}

const TIMESPAN_UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

function parseTimespan(n: YNode | undefined, line: number): number {
  const text = scalarText(n, 'timespan');
  const m = text === undefined ? null : /^(\d+)([smhdw])$/.exec(text.trim());
  if (m === null)
    return fail(
      n?.line ?? line,
      `'timespan' must be a number and a unit s, m, h, d or w (got '${text ?? ''}')`,
    );
  const ms = Number(m[1]) * (TIMESPAN_UNITS[m[2] as string] as number);
  if (ms <= 0) fail(n?.line ?? line, "'timespan' must be positive");
  return ms;
}

const VALUE_TYPES: readonly CorrelationType[] = [
  'value_count',
  'value_sum',
  'value_avg',
  'value_percentile',
  'value_min',
  'value_max',
  'value_median',
];

function parseThreshold(n: YMap, type: CorrelationType): CorrelationThreshold {
  const out: CorrelationThreshold = { bounds: [] };
  for (const [k, v] of n.entries) {
    switch (k.text) {
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
      case 'eq':
      case 'neq':
        out.bounds.push({ op: k.text, value: plainNumber(v, `condition.${k.text}`) });
        break;
      case 'field': {
        const fields = stringList(v, 'condition.field');
        if (fields.length !== 1) fail(v.line, "'condition.field' must name one field");
        out.field = fields[0];
        break;
      }
      case 'percentile': {
        const p = plainNumber(v, 'condition.percentile');
        if (p < 0 || p > 100) fail(v.line, "'condition.percentile' must be between 0 and 100");
        out.percentile = p;
        break;
      }
      default:
        fail(k.line, `unknown correlation condition key '${k.text}'`);
    }
  }
  if (out.bounds.length === 0) fail(n.line, 'the correlation condition needs gt, gte, lt, lte, eq or neq');
  if (VALUE_TYPES.includes(type) && out.field === undefined)
    fail(n.line, `'${type}' needs 'condition.field'`);
  if (!VALUE_TYPES.includes(type) && out.field !== undefined)
    fail(n.line, `'${type}' takes no 'condition.field'`);
  if (out.percentile !== undefined && type !== 'value_percentile')
    fail(n.line, "'percentile' is for value_percentile only");
  return out;
}

function parseCorrelationRule(root: YMap, path: string, document: number): SigmaCorrelationRule {
  const base = common(root, path, document);
  const c = requireMap(get(root, 'correlation'), 'correlation', root.line);
  const type = scalarText(get(c, 'type'), 'correlation.type');
  if (type === undefined || !(CORRELATION_TYPES as readonly string[]).includes(type)) {
    fail(
      get(c, 'type')?.line ?? c.line,
      `unknown correlation type '${type ?? ''}' (expected ${CORRELATION_TYPES.join(', ')})`,
    );
  }
  const t = type as CorrelationType;
  const rules = stringList(get(c, 'rules'), 'correlation.rules');
  if (rules.length === 0) fail(c.line, "'correlation.rules' is missing");
  if (new Set(rules).size !== rules.length) fail(c.line, "'correlation.rules' lists a rule twice");
  const temporal = t === 'temporal' || t === 'temporal_ordered';
  if (temporal && rules.length < 2) fail(c.line, `'${t}' needs at least two rules`);
  const groupBy = stringList(get(c, 'group-by'), 'correlation.group-by');
  const aliases: Record<string, Record<string, string>> = {};
  const aliasNode = get(c, 'aliases');
  if (aliasNode !== undefined && !isNull(aliasNode)) {
    for (const [alias, m] of requireMap(aliasNode, 'correlation.aliases', c.line).entries) {
      const perRule: Record<string, string> = {};
      for (const [ruleRef, field] of requireMap(m, `correlation.aliases.${alias.text}`, alias.line).entries) {
        if (!rules.includes(ruleRef.text))
          fail(ruleRef.line, `alias '${alias.text}' names '${ruleRef.text}', which is not in 'rules'`);
        const f = scalarText(field, `alias field`);
        if (f === undefined) fail(field.line, `alias '${alias.text}' has no field for '${ruleRef.text}'`);
        perRule[ruleRef.text] = f;
      }
      aliases[alias.text] = perRule;
    }
  }
  const condNode = get(c, 'condition');
  let condition: SigmaCorrelationRule['condition'] = null;
  if (condNode === undefined || isNull(condNode)) {
    if (!temporal) fail(c.line, `'${t}' needs a condition`);
  } else if (condNode.kind === 'map') {
    condition = parseThreshold(condNode, t);
  } else if (condNode.kind === 'scalar' && temporal) {
    try {
      condition = { expression: parseCondition(condNode.text, rules) };
    } catch (err) {
      fail(condNode.line, (err as Error).message);
    }
  } else fail(condNode.line, "'correlation.condition' must be a map (or, for temporal types, an expression)");
  const generate =
    plainBool(get(c, 'generate'), 'generate') ?? plainBool(get(root, 'generate'), 'generate') ?? false;
  return {
    kind: 'correlation',
    ...base,
    type: t,
    rules,
    groupBy,
    aliases,
    timespanMs: parseTimespan(get(c, 'timespan'), c.line),
    condition,
    generate,
  };
}

function parseRule(root: YMap, path: string, document: number, ph: Placeholders): SigmaRule {
  if (get(root, 'correlation') !== undefined) return parseCorrelationRule(root, path, document);
  return parseDetectionRule(root, path, document, ph);
}

function label(root: YMap | null): { id?: string; title?: string; name?: string } {
  const out: { id?: string; title?: string; name?: string } = {};
  if (root === null) return out;
  for (const key of ['id', 'title', 'name'] as const) {
    const v = get(root, key);
    if (v?.kind === 'scalar' && !isNull(v)) out[key] = v.text;
  }
  return out;
}

/** Parses every document of every source, then resolves correlation references across all. */
export function loadRules(
  sources: ReadonlyArray<{ path: string; text: string }>,
  options: LoadOptions = {},
): LoadResult {
  const ph = options.placeholders ?? {};
  const rules: SigmaRule[] = [];
  const filters: SigmaFilter[] = [];
  const errors: RuleLoadError[] = [];
  const failedKeys = new Set<string>();
  for (const { path, text } of sources) {
    let global: YMap | null = null;
    let previous: YMap | null = null;
    for (const doc of parseDocuments(text)) {
      if (doc.error !== undefined) {
        errors.push({ path, reason: `document ${doc.index}: ${doc.error}` });
        continue;
      }
      if (doc.root === null) continue;
      let root: YMap | null = null;
      try {
        if (doc.root.kind !== 'map') fail(doc.root.line, 'a rule document must be a map');
        const action = scalarText(get(doc.root, 'action'), 'action');
        const body = without(doc.root, 'action');
        if (action === 'global') {
          global = body;
          continue;
        }
        if (action === 'reset') {
          global = null;
          continue;
        }
        if (action === undefined && get(body, 'filter') !== undefined) {
          // A filter stands alone, as in pySigma: a global document is a rule template, and
          // `repeat` repeats the previous rule.
          root = body;
          filters.push(parseFilter(body, path, doc.index, ph));
          continue;
        }
        if (action === 'repeat') {
          if (previous === null) fail(doc.root.line, "'action: repeat' with no previous rule");
          root = deepMerge(previous, body);
        } else if (action !== undefined) {
          fail(doc.root.line, `unknown action '${action}' (expected global, reset or repeat)`);
        } else root = global === null ? body : deepMerge(global, body);
        previous = root;
        rules.push(parseRule(root, path, doc.index, ph));
      } catch (err) {
        const { name, ...which } = label(root ?? (doc.root.kind === 'map' ? doc.root : null));
        for (const key of [which.id, name]) if (key !== undefined) failedKeys.add(key);
        errors.push({ path, ...which, reason: (err as Error).message });
      }
    }
  }
  return resolveReferences(rules, filters, errors, failedKeys);
}

function describe(rule: SigmaRule): RuleLoadError {
  const out: RuleLoadError = { path: rule.path, title: rule.title, reason: '' };
  if (rule.id !== undefined) out.id = rule.id;
  return out;
}

/**
 * Unique ids and names; correlations must refer to loaded rules, without cycles; then the filters
 * are applied to the rules that remain.
 */
function resolveReferences(
  loaded: SigmaRule[],
  filters: SigmaFilter[],
  errors: RuleLoadError[],
  failedKeys: Set<string>,
): LoadResult {
  const rejected = new Set<SigmaRule>();
  const reject = (rule: SigmaRule, reason: string) => {
    if (!rejected.has(rule)) errors.push({ ...describe(rule), reason });
    rejected.add(rule);
  };
  const byKey = new Map<string, SigmaRule>();
  for (const rule of loaded) {
    for (const key of [rule.id, rule.name]) {
      if (key === undefined) continue;
      const other = byKey.get(key);
      if (other !== undefined && other !== rule)
        reject(rule, `id or name '${key}' is already used by '${other.title}' in ${other.path}`);
      else byKey.set(key, rule);
    }
  }
  // Reject correlations whose references are missing, failed, or circular; repeat until stable.
  let changed = true;
  while (changed) {
    changed = false;
    for (const rule of loaded) {
      if (rule.kind !== 'correlation' || rejected.has(rule)) continue;
      for (const ref of rule.rules) {
        const target = byKey.get(ref);
        const reason =
          target === undefined
            ? failedKeys.has(ref)
              ? `references rule '${ref}', which failed to load`
              : filters.some((f) => f.id === ref || f.name === ref)
                ? `references filter '${ref}', which never matches on its own`
                : `references unknown rule '${ref}'`
            : rejected.has(target)
              ? `references rule '${ref}', which failed to load`
              : undefined;
        if (reason !== undefined) {
          reject(rule, reason);
          changed = true;
          break;
        }
      }
    }
  }
  for (const rule of loaded) {
    if (rule.kind === 'correlation' && !rejected.has(rule) && reachesItself(rule, byKey)) {
      reject(rule, 'correlation references form a cycle');
    }
  }
  const lookup = (ref: string) => {
    const rule = byKey.get(ref);
    if (rule !== undefined) return rejected.has(rule) ? 'failed' : rule;
    return failedKeys.has(ref) ? 'failed' : undefined;
  };
  const filtered = applyFilters(
    loaded.filter((r) => !rejected.has(r)),
    filters,
    lookup,
  );
  return { rules: filtered.rules, filters: filtered.filters, errors: [...errors, ...filtered.errors] };
}

function reachesItself(start: SigmaCorrelationRule, byKey: Map<string, SigmaRule>): boolean {
  const stack = [...start.rules];
  const seen = new Set<SigmaRule>();
  while (stack.length > 0) {
    const target = byKey.get(stack.pop() as string);
    if (target === undefined || target.kind !== 'correlation' || seen.has(target)) continue;
    if (target === start) return true;
    seen.add(target);
    stack.push(...target.rules);
  }
  return false;
}

/** Reads rule files and folders (recursively: every .yml and .yaml), in sorted order. */
export function loadRuleFiles(paths: readonly string[], options: LoadOptions = {}): LoadResult {
  const files: string[] = [];
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) {
      for (const entry of readdirSync(p).sort()) walk(join(p, entry));
    } else if (/\.ya?ml$/i.test(p) || paths.includes(p)) files.push(p);
  };
  for (const p of paths) walk(p);
  return loadRules(
    files.map((path) => ({ path, text: readFileSync(path, 'utf8') })),
    options,
  );
}
