// The shapes shared by the Sigma loader, compiler and engine: a loaded rule is plain, validated
// data (sigma-rules-specification.md, sigma-correlation-rules-specification.md); the engine
// compiles it into matchers once.

import type { RegexProgram } from './regex.js';
import type { Cidr } from './cidr.js';
import type { SigmaPattern } from './values.js';

export const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Level = (typeof LEVELS)[number];

/** One rule value as written in YAML: `text` is the scalar's source text, `null` for a YAML null. */
export interface RawValue {
  text: string | null;
  /** true when written quoted or as a block scalar: such a value is never a number. */
  quoted: boolean;
  line: number;
}

export type CompareOp = 'lt' | 'lte' | 'gt' | 'gte' | 'eq';
export type TimePart = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

/** What one rule value matches, after its modifier chain was applied. */
export type ValueSpec =
  /** Any of the wildcard patterns (a value can expand into several: windash, base64offset, expand). */
  | { type: 'string'; alternatives: SigmaPattern[]; cased: boolean }
  | { type: 'null' }
  | { type: 'regex'; source: string; program: RegexProgram }
  | { type: 'cidr'; cidr: Cidr }
  | { type: 'compare'; op: CompareOp; value: number; part?: TimePart }
  | { type: 'exists'; expected: boolean }
  | {
      type: 'fieldref';
      ref: string;
      mode: 'equals' | 'contains' | 'startswith' | 'endswith';
      cased: boolean;
    };

/** `field|mod|mod: values`, or a keyword list when `field` is null. */
export interface DetectionItem {
  field: string | null;
  modifiers: string[];
  /** `any`: values are ORed (default); `all`: ANDed (the `all` modifier). */
  combine: 'any' | 'all';
  /** The `neq` modifier: the whole item is negated. */
  negate: boolean;
  values: ValueSpec[];
  /** Kept to rebind `expand` placeholders when a detector is given other values. */
  raw: RawValue[];
  line: number;
}

/** A search identifier's body: maps AND their items, lists OR their elements. */
export type SearchNode =
  | { kind: 'and'; items: SearchNode[] }
  | { kind: 'or'; items: SearchNode[] }
  | { kind: 'item'; item: DetectionItem };

/** A parsed condition with `x of` already resolved to identifiers. */
export type ConditionNode =
  | { kind: 'and'; items: ConditionNode[] }
  | { kind: 'or'; items: ConditionNode[] }
  | { kind: 'not'; item: ConditionNode }
  | { kind: 'ref'; name: string };

export interface LogSource {
  product?: string;
  service?: string;
  category?: string;
}

interface RuleCommon {
  id?: string;
  name?: string;
  title: string;
  level?: Level;
  status?: string;
  author?: string;
  /** The file the rule came from and its document number in it (0-based). */
  path: string;
  document: number;
}

export interface SigmaDetectionRule extends RuleCommon {
  kind: 'detection';
  logsource: LogSource;
  searches: Record<string, SearchNode>;
  condition: ConditionNode;
}

export const CORRELATION_TYPES = [
  'event_count',
  'value_count',
  'temporal',
  'temporal_ordered',
  'value_sum',
  'value_avg',
  'value_percentile',
  'value_min',
  'value_max',
  'value_median',
] as const;
export type CorrelationType = (typeof CORRELATION_TYPES)[number];

export interface CorrelationThreshold {
  /** Range bounds are ANDed (`gt: 100` + `lte: 200`). */
  bounds: Array<{ op: CompareOp | 'neq'; value: number }>;
  /** The field the value_* types aggregate. */
  field?: string;
  /** value_percentile: which percentile (0-100) of the field's values is compared. */
  percentile?: number;
}

export interface SigmaCorrelationRule extends RuleCommon {
  kind: 'correlation';
  type: CorrelationType;
  /** Referenced rules, by id or name, in the order written (temporal_ordered uses it). */
  rules: string[];
  groupBy: string[];
  /** alias -> (rule name or id -> field in that rule's events). */
  aliases: Record<string, Record<string, string>>;
  timespanMs: number;
  /** A threshold, or (temporal types) a boolean expression over the referenced rule names. */
  condition: CorrelationThreshold | { expression: ConditionNode } | null;
  /** Whether the referenced rules also alert on their own (spec default: false). */
  generate: boolean;
}

export type SigmaRule = SigmaDetectionRule | SigmaCorrelationRule;

/**
 * A filter document (sigma-filters-specification.md): never alerts; at load its condition is ANDed
 * onto the detection rules it names whose logsource lies within its own.
 */
export interface SigmaFilter {
  kind: 'filter';
  id?: string;
  name?: string;
  title: string;
  author?: string;
  path: string;
  document: number;
  logsource: LogSource;
  /** Rule ids or names, or `any`: every detection rule whose logsource lies within the filter's. */
  rules: string[] | 'any';
  searches: Record<string, SearchNode>;
  condition: ConditionNode;
}

export interface RuleLoadError {
  path: string;
  id?: string;
  title?: string;
  reason: string;
}

export interface LoadResult {
  /** The rules to run, filters already applied. */
  rules: SigmaRule[];
  /** The filters that loaded (a filter with a bad reference is still applied to its other rules). */
  filters: SigmaFilter[];
  errors: RuleLoadError[];
}

/** Placeholder name (without `%`) -> replacement value(s), for the `expand` modifier. */
export type Placeholders = Record<string, string | readonly string[]>;

/** One line of `stele detect` output (DESIGN.md, command table). */
export interface Alert {
  rule: { id: string | null; title: string; level: string | null };
  event_index: number;
  /** Only for correlations: the group-by values of the group that fired. */
  group?: Record<string, unknown>;
}
