// Compiles a planned query (query/plan.ts) to a parameterized SQL filter. The shape of the SQL is
// shared; what differs between databases (placeholders, reading a JSON path, case-insensitive
// matching, IP comparison) is a handful of hooks each dialect overrides. Values are always bound
// as parameters, never pasted into the SQL text. Aggregations (aggregate-sql.ts) reuse the hooks.

import { SteleError } from '../core/errors.js';
import type { Predicate, RangeBounds, TextPredicate, WildcardPattern } from '../query/plan.js';
import type { SqlFilter } from './store.js';

/** Fields stored in their own indexed column, and how their values are represented there. */
export interface ColumnInfo {
  column: string;
  kind: 'text' | 'number' | 'time' | 'ip';
}

export const COLUMNS: Record<string, ColumnInfo> = {
  '@timestamp': { column: 'ts', kind: 'time' },
  'stele.seq': { column: 'seq', kind: 'number' },
  'stele.received': { column: 'received', kind: 'time' },
  'stele.source': { column: 'source', kind: 'text' },
  'event.action': { column: 'action', kind: 'text' },
  'event.outcome': { column: 'outcome', kind: 'text' },
  'user.name': { column: 'user_name', kind: 'text' },
  'host.name': { column: 'host_name', kind: 'text' },
  'source.ip': { column: 'source_ip', kind: 'ip' },
  'event.dataset': { column: 'dataset', kind: 'text' },
  'session.id': { column: 'session_id', kind: 'text' },
  'stele.producer.id': { column: 'producer_id', kind: 'text' },
  'stele.producer.seq': { column: 'producer_seq', kind: 'number' },
};

/**
 * SQL expressions for one value of a field, one per way the reference semantics (matchesPredicate)
 * reads a value; each is NULL when the value cannot be read that way.
 */
export interface ValueExprs {
  /** Strings as they are, numbers and booleans by their JSON text. */
  text: string;
  /** Strings only. */
  string: string;
  /** Numbers, and strings holding a plain decimal. */
  number: string;
  /** Strings holding an RFC 3339 time, as epoch ms (a time column as it is). */
  time: string;
  /** Strings holding an IP address, in the dialect's comparable form (ipValue; an IP column as it is). */
  ip: string;
}

type Need = keyof ValueExprs;

/** Which readings a column can serve itself; others fall back to the JSON body. */
const COLUMN_SERVES: Record<ColumnInfo['kind'], readonly Need[]> = {
  text: ['text', 'string', 'number', 'time', 'ip'],
  number: ['number', 'text'],
  time: ['time'],
  // source.ip stays in the body too; its column only holds valid addresses.
  ip: ['ip'],
};

/**
 * Put before a column in a condition that a page in time order should test rather than seek by
 * (SqlFilter.orderedSql): it becomes a unary `+` there, which keeps the planner from using an
 * index for that term, and nothing in the plain condition.
 */
export const ORDERED_MARK = '/*ordered*/';

/** Fields the full-text index covers (query/plan.ts TEXT_FIELDS). */
export const FULL_TEXT_FIELDS: readonly string[] = ['message', 'event.original'];

export abstract class FilterCompiler {
  protected params: unknown[] = [];

  compile(predicate: Predicate): SqlFilter | undefined {
    if (predicate.kind === 'all') return undefined;
    const filter = this.compileNode(predicate);
    const byValue = this.splitsBlocks ? this.byValue(predicate) : undefined;
    if (byValue) filter.byValue = byValue;
    return filter;
  }

  /** The dialect's store reads pages of a CIDR block by value (SqlFilter.byValue). */
  protected readonly splitsBlocks: boolean = false;

  private compileNode(predicate: Predicate): SqlFilter {
    this.params = [];
    const sql = this.node(predicate);
    if (!sql.includes(ORDERED_MARK)) return { sql, params: this.params };
    return {
      sql: sql.replaceAll(ORDERED_MARK, ''),
      params: this.params,
      orderedSql: sql.replaceAll(ORDERED_MARK, '+'),
    };
  }

  /** SqlFilter.byValue: the first top-level CIDR block on an IP column, and the rest compiled apart. */
  private byValue(predicate: Predicate): SqlFilter['byValue'] {
    const items = predicate.kind === 'and' ? predicate.items : [predicate];
    const at = items.findIndex((p) => p.kind === 'cidr' && COLUMNS[p.field]?.kind === 'ip');
    const block = items[at];
    if (block?.kind !== 'cidr') return undefined;
    const rest = items.filter((_, i) => i !== at);
    const byValue: NonNullable<SqlFilter['byValue']> = {
      column: COLUMNS[block.field]!.column,
      low: this.ipValue(block.low),
      high: this.ipValue(block.high),
    };
    if (rest.length > 0)
      byValue.rest = this.compileNode(rest.length === 1 ? rest[0]! : { kind: 'and', items: rest });
    return byValue;
  }

  /** Starts a new statement built by outside code (aggregations) with this compiler's hooks. */
  reset(): void {
    this.params = [];
  }

  /** The parameters bound since the last reset/compile. */
  boundParams(): unknown[] {
    return this.params;
  }

  /** The SQL of a predicate inside a larger statement; parameters accumulate. */
  condition(predicate: Predicate): string {
    return this.node(predicate);
  }

  /** The next placeholder for a bound value. */
  bind(value: unknown): string {
    this.params.push(value);
    return this.placeholder(this.params.length);
  }

  protected abstract placeholder(n: number): string;
  /**
   * A condition over every scalar at a JSON path of the body: the value itself, or each element
   * when it is an array (never the members of an object); `test` receives its expressions.
   */
  protected abstract anyJsonValue(path: string[], test: (value: ValueExprs) => string): string;
  /**
   * A join adding one row per scalar at a JSON path of the body (a NULL row when there is none),
   * for grouping; `value` are the expressions of the joined value.
   */
  abstract jsonValuesJoin(alias: string, path: string[]): { join: string; value: ValueExprs };
  /** The value at a JSON path is present: not null, and not an array without non-null elements. */
  protected abstract jsonExists(path: string[]): string;
  /** A case-sensitive glob match of a text expression. */
  protected abstract glob(expr: string, pattern: WildcardPattern): string;
  /** A case-insensitive (ASCII) substring match; `pattern` may hold wildcards. */
  protected abstract containsText(expr: string, pattern: WildcardPattern): string;
  /** The comparable form (query/plan.ts ipToComparable) of an expression holding an IP as text. */
  protected abstract ipComparable(expr: string): string;
  /** The number a text expression holds when it is a plain decimal, else NULL. */
  protected abstract decimal(expr: string): string;
  /** Epoch ms of a text expression holding an RFC 3339 time (query/time.ts parseTime), else NULL. */
  protected abstract timeOf(expr: string): string;
  /**
   * An IP bound as the database compares it: by default the 16 bytes of its comparable form (hex in
   * the planner's predicates); a dialect that stores another order-preserving form overrides this.
   */
  protected ipValue(hex: string): unknown {
    return Buffer.from(hex, 'hex');
  }

  private ipBounds(p: RangeBounds<unknown>): RangeBounds<unknown> {
    const out: RangeBounds<unknown> = {};
    for (const k of ['gt', 'gte', 'lt', 'lte'] as const) {
      const v = p[k];
      if (typeof v === 'string') out[k] = this.ipValue(v);
    }
    return out;
  }

  /** Rows whose indexed text may contain every literal (a superset), or undefined without an index. */
  protected fullTextCandidates(_literals: string[]): string | undefined {
    return undefined;
  }

  /** The expressions of a column for the readings it serves. */
  columnExprs(column: ColumnInfo): Partial<ValueExprs> {
    const c = column.column;
    switch (column.kind) {
      case 'text':
        return {
          text: c,
          string: c,
          number: this.decimal(c),
          time: this.timeOf(c),
          ip: this.ipComparable(c),
        };
      case 'number':
        return { number: c, text: `CAST(${c} AS TEXT)` };
      case 'time':
        return { time: c };
      case 'ip':
        return { ip: c };
    }
  }

  private node(p: Predicate): string {
    switch (p.kind) {
      case 'all':
        return '1 = 1';
      case 'and':
        return p.items.length === 0 ? '1 = 1' : p.items.map((i) => `(${this.node(i)})`).join(' AND ');
      case 'or':
        return p.items.length === 0 ? '1 = 0' : p.items.map((i) => `(${this.node(i)})`).join(' OR ');
      case 'not':
        // A column test on a missing value is NULL, and NOT NULL is NULL: the event would match
        // neither `x` nor `NOT x`. The reference semantics says it matches `NOT x`.
        return `(${this.node(p.item)}) IS NOT TRUE`;
      case 'eq':
        return typeof p.value === 'number'
          ? this.onField(p.field, 'number', (v) => `${v.number} = ${this.bind(p.value)}`)
          : this.onField(p.field, 'text', (v) => `${v.text} = ${this.bind(p.value)}`);
      case 'wildcard':
        return this.onField(p.field, 'text', (v) => this.glob(v.text, p.pattern));
      case 'range': {
        const need: Need = p.type === 'string' ? 'text' : p.type === 'date' ? 'time' : p.type;
        const bounds = p.type === 'ip' ? this.ipBounds(p) : (p as RangeBounds<unknown>);
        return this.onField(p.field, need, (v) => this.range(v[need], bounds));
      }
      case 'cidr':
        return this.onField(
          p.field,
          'ip',
          (v) => `${v.ip} BETWEEN ${this.bind(this.ipValue(p.low))} AND ${this.bind(this.ipValue(p.high))}`,
        );
      case 'exists':
        return this.exists(p.field);
      case 'text':
        return this.text(p);
    }
  }

  /** Present in a column, in the body, or (for an object such as `user`) in a column under it. */
  private exists(field: string): string {
    const parts: string[] = [];
    const column = COLUMNS[field];
    if (column && column.kind !== 'ip') parts.push(`${column.column} IS NOT NULL`);
    for (const [name, info] of Object.entries(COLUMNS)) {
      if (name.startsWith(`${field}.`)) parts.push(`${info.column} IS NOT NULL`);
    }
    if (!column || column.kind === 'ip' || isBodyField(field)) parts.push(this.jsonExists(splitField(field)));
    return parts.length === 1 ? parts[0]! : parts.map((c) => `(${c})`).join(' OR ');
  }

  private text(p: TextPredicate): string {
    const pattern = textPattern(p);
    // Bound in text order: the index lookup (when there is one) comes first.
    const indexed = fullTextIndexed(p);
    const candidates = indexed ? this.fullTextCandidates(literalRuns(pattern)) : undefined;
    const each = p.fields.map((f) => this.onField(f, 'string', (v) => this.containsText(v.string, pattern)));
    const exact = each.length === 1 ? each[0]! : each.map((c) => `(${c})`).join(' OR ');
    // The index narrows the rows; the exact test keeps the reference semantics.
    return candidates === undefined ? exact : `${candidates} AND (${exact})`;
  }

  private range(expr: string, p: RangeBounds<unknown>): string {
    const parts: string[] = [];
    if (p.gt !== undefined) parts.push(`${expr} > ${this.bind(p.gt)}`);
    if (p.gte !== undefined) parts.push(`${expr} >= ${this.bind(p.gte)}`);
    if (p.lt !== undefined) parts.push(`${expr} < ${this.bind(p.lt)}`);
    if (p.lte !== undefined) parts.push(`${expr} <= ${this.bind(p.lte)}`);
    return parts.length === 0 ? `${expr} IS NOT NULL` : parts.join(' AND ');
  }

  /** Applies a test to an indexed column when it serves the reading, else to every body value. */
  private onField(field: string, need: Need, test: (value: ValueExprs) => string): string {
    const column = COLUMNS[field];
    if (column && COLUMN_SERVES[column.kind].includes(need)) {
      return test(this.columnExprs(column) as ValueExprs);
    }
    return this.anyJsonValue(splitField(field), test);
  }
}

/** Column fields whose value is also kept in the body (row-codec.ts keeps them there). */
function isBodyField(field: string): boolean {
  return field === 'stele.producer.id' || field === 'stele.producer.seq';
}

/** A text predicate's value as a pattern (a term or phrase is one literal). */
export function textPattern(p: TextPredicate): WildcardPattern {
  return p.match === 'wildcard'
    ? p.pattern
    : { parts: [{ kind: 'literal', text: p.value }], prefix: p.value };
}

/** Every field of a text predicate is one the full-text index covers. */
export function fullTextIndexed(p: TextPredicate): boolean {
  return p.fields.every((f) => FULL_TEXT_FIELDS.includes(f));
}

/** The literal stretches of a pattern (between wildcards), which every match must contain. */
export function literalRuns(pattern: WildcardPattern): string[] {
  const runs: string[] = [];
  let current = '';
  for (const part of pattern.parts) {
    if (part.kind === 'literal') {
      current += part.text;
    } else {
      if (current) runs.push(current);
      current = '';
    }
  }
  if (current) runs.push(current);
  return runs;
}

export function splitField(field: string): string[] {
  const parts = field.split('.');
  if (parts.some((p) => p === '')) throw new SteleError('validation', `bad field name '${field}'`);
  return parts;
}
