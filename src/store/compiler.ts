// Compiles a planned query (query/plan.ts) to a parameterized SQL filter. The shape of the SQL is
// shared; what differs between databases (placeholders, reading a JSON path, case-insensitive
// matching, IP comparison) is a handful of hooks each dialect overrides. Values are always bound
// as parameters, never pasted into the SQL text.

import { SteleError } from '../core/errors.js';
import type { Predicate, RangeBounds, RangePredicate, WildcardPattern } from '../query/plan.js';
import type { SqlFilter } from './store.js';

/** Fields stored in their own indexed column, and how their values are represented there. */
interface ColumnInfo {
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

export abstract class FilterCompiler {
  protected params: unknown[] = [];

  compile(predicate: Predicate): SqlFilter | undefined {
    if (predicate.kind === 'all') return undefined;
    this.params = [];
    const sql = this.node(predicate);
    return { sql, params: this.params };
  }

  /** The next placeholder for a bound value. */
  protected bind(value: unknown): string {
    this.params.push(value);
    return this.placeholder(this.params.length);
  }

  protected abstract placeholder(n: number): string;
  /** A condition over every scalar at a JSON path of the body (an array path yields its elements); `test` receives the SQL expression of one scalar. */
  protected abstract anyJsonValue(path: string[], test: (value: string) => string): string;
  /** A case-sensitive glob match of a text expression. */
  protected abstract glob(expr: string, pattern: WildcardPattern): string;
  /** A case-insensitive (ASCII) substring match; `pattern` may hold wildcards. */
  protected abstract containsText(expr: string, pattern: WildcardPattern): string;
  /** The comparable form (query/plan.ts ipToComparable) of an expression holding an IP as text. */
  protected abstract ipComparable(expr: string): string;

  private node(p: Predicate): string {
    switch (p.kind) {
      case 'all':
        return '1 = 1';
      case 'and':
        return p.items.length === 0 ? '1 = 1' : p.items.map((i) => `(${this.node(i)})`).join(' AND ');
      case 'or':
        return p.items.length === 0 ? '1 = 0' : p.items.map((i) => `(${this.node(i)})`).join(' OR ');
      case 'not':
        return `NOT (${this.node(p.item)})`;
      case 'eq':
        return this.onField(p.field, (expr) => `${expr} = ${this.bind(p.value)}`);
      case 'wildcard':
        return this.onField(p.field, (expr) => this.glob(expr, p.pattern));
      case 'range':
        return this.onField(p.field, (expr, column) =>
          p.type === 'ip'
            ? this.range(column ? expr : this.ipComparable(expr), ipBounds(p))
            : this.range(expr, p),
        );
      case 'cidr':
        return this.onField(p.field, (expr, column) => {
          const value = column?.kind === 'ip' ? expr : this.ipComparable(expr);
          return `${value} BETWEEN ${this.bind(ipBytes(p.low))} AND ${this.bind(ipBytes(p.high))}`;
        });
      case 'exists': {
        const column = COLUMNS[p.field];
        if (column) return `${column.column} IS NOT NULL`;
        return this.anyJsonValue(splitField(p.field), () => '1 = 1');
      }
      case 'text': {
        const pattern: WildcardPattern =
          p.match === 'wildcard'
            ? p.pattern
            : { parts: [{ kind: 'literal', text: p.value }], prefix: p.value };
        const each = p.fields.map((f) => this.onField(f, (expr) => this.containsText(expr, pattern)));
        return each.length === 1 ? each[0]! : each.map((c) => `(${c})`).join(' OR ');
      }
    }
  }

  private range(expr: string, p: RangeBounds<unknown>): string {
    const parts: string[] = [];
    if (p.gt !== undefined) parts.push(`${expr} > ${this.bind(p.gt)}`);
    if (p.gte !== undefined) parts.push(`${expr} >= ${this.bind(p.gte)}`);
    if (p.lt !== undefined) parts.push(`${expr} < ${this.bind(p.lt)}`);
    if (p.lte !== undefined) parts.push(`${expr} <= ${this.bind(p.lte)}`);
    return parts.length === 0 ? '1 = 1' : parts.join(' AND ');
  }

  /** Applies a test to an indexed column, or to every value at the field's JSON path. */
  private onField(field: string, test: (expr: string, column: ColumnInfo | undefined) => string): string {
    const column = COLUMNS[field];
    if (column) return test(column.column, column);
    return this.anyJsonValue(splitField(field), (value) => test(value, undefined));
  }
}

/** IPs are compared as the 16 bytes of their comparable form (hex in the planner's predicates). */
function ipBytes(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}

function ipBounds(p: RangePredicate): RangeBounds<Buffer> {
  const out: RangeBounds<Buffer> = {};
  for (const k of ['gt', 'gte', 'lt', 'lte'] as const) {
    const v = p[k];
    if (typeof v === 'string') out[k] = ipBytes(v);
  }
  return out;
}

export function splitField(field: string): string[] {
  const parts = field.split('.');
  if (parts.some((p) => p === '')) throw new SteleError('validation', `bad field name '${field}'`);
  return parts;
}
