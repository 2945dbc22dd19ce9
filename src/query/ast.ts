// The syntax tree of Stele's query language, as the parser builds it and the planner reads it.
// Every node carries its [start, end) offsets in the query text (UTF-16 code units, 0-based).

/** One piece of a wildcard pattern: a literal run, `*` (any run, even empty) or `?` (one character). */
export type PatternPart = { kind: 'literal'; text: string } | { kind: 'any' } | { kind: 'one' };

/**
 * A parsed wildcard pattern. Literal runs are already unescaped, adjacent `*` are merged, and
 * `prefix` is the literal text before the first wildcard (what a prefix index can range-scan).
 */
export interface WildcardPattern {
  parts: PatternPart[];
  prefix: string;
}

export interface Located {
  start: number;
  end: number;
}

/** A field name as written (aliases are resolved by the planner, not here). */
export interface FieldRef extends Located {
  name: string;
}

/** An unquoted value without wildcards; backslash escapes removed. */
export interface WordValue extends Located {
  kind: 'word';
  text: string;
}

/** A quoted value: `*` and `?` in it are literal. */
export interface PhraseValue extends Located {
  kind: 'phrase';
  text: string;
}

/** An unquoted value with at least one unescaped `*` or `?`. `text` is the source as written. */
export interface PatternValue extends Located {
  kind: 'pattern';
  text: string;
  pattern: WildcardPattern;
}

export type ValueNode = WordValue | PhraseValue | PatternValue;
export type ScalarValue = WordValue | PhraseValue;

export type CompareOp = '>' | '>=' | '<' | '<=';

/** The empty query, or `*` on its own: matches every event. */
export interface AllNode extends Located {
  kind: 'all';
}

export interface AndNode extends Located {
  kind: 'and';
  items: QueryNode[];
}

export interface OrNode extends Located {
  kind: 'or';
  items: QueryNode[];
}

export interface NotNode extends Located {
  kind: 'not';
  item: QueryNode;
}

/** `field:value`, `field:"phrase"`, `field:patt*rn`; `field:(a OR b)` becomes an OrNode of these. */
export interface MatchNode extends Located {
  kind: 'match';
  field: FieldRef;
  value: ValueNode;
}

/** `field>value`, `field>=value`, `field<value`, `field<=value`. */
export interface CompareNode extends Located {
  kind: 'compare';
  field: FieldRef;
  op: CompareOp;
  value: ScalarValue;
}

/** `field:[a TO b]`, `{a TO b}` or mixed; an undefined bound is an open end (`*`). */
export interface RangeNode extends Located {
  kind: 'range';
  field: FieldRef;
  lower: ScalarValue | undefined;
  upper: ScalarValue | undefined;
  includeLower: boolean;
  includeUpper: boolean;
}

/** `field:*` or `_exists_:field`. */
export interface ExistsNode extends Located {
  kind: 'exists';
  field: FieldRef;
}

/** A term, phrase or pattern with no field: full-text search. */
export interface TextNode extends Located {
  kind: 'text';
  value: ValueNode;
}

export type QueryNode =
  AllNode | AndNode | OrNode | NotNode | MatchNode | CompareNode | RangeNode | ExistsNode | TextNode;
