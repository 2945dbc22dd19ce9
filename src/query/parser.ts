// Recursive-descent parser for the query language of docs/query-language.md. Precedence is
// NOT > AND > OR, adjacent terms are ANDed, and `field:(a OR b)` is expanded to `field:a OR field:b`.
// Input is hostile: length, nesting and term count are bounded before any work grows with them.

import type {
  CompareNode,
  CompareOp,
  FieldRef,
  QueryNode,
  RangeNode,
  ScalarValue,
  TextNode,
  ValueNode,
} from './ast.js';
import { FIELD_NAME, QuerySyntaxError, tokenize, type Token, type TokenKind } from './lexer.js';

export { QuerySyntaxError } from './lexer.js';

/** Longest query accepted, in UTF-16 code units. */
export const MAX_QUERY_CHARS = 4096;
/** Deepest nesting of parentheses, value groups and negations. */
export const MAX_QUERY_DEPTH = 32;
/** Most terms (field conditions and free-text terms) in one query. */
export const MAX_QUERY_TERMS = 256;

/** Parses a query; the empty (or all-blank) query matches every event. Throws QuerySyntaxError. */
export function parseQuery(text: string): QueryNode {
  if (text.length > MAX_QUERY_CHARS) {
    const limit = `a query of at most ${MAX_QUERY_CHARS} characters`;
    throw new QuerySyntaxError(MAX_QUERY_CHARS, limit, `query is longer than ${MAX_QUERY_CHARS} characters`);
  }
  return new Parser(text, tokenize(text)).parse();
}

/** What differs between the query level and the inside of a `field:( ... )` value group. */
interface Level {
  starts: ReadonlySet<TokenKind>;
  leaf: () => QueryNode;
  /** Noun for error messages: "a term after 'OR'" / "a value after 'OR'". */
  noun: string;
}

const QUERY_STARTS = new Set<TokenKind>([
  'word',
  'phrase',
  'field',
  'lparen',
  'minus',
  'not',
  'lbracket',
  'lbrace',
]);
const VALUE_STARTS = new Set<TokenKind>(['word', 'phrase', 'lparen', 'lbracket', 'lbrace', 'not']);

class Parser {
  private index = 0;
  private depth = 0;
  private terms = 0;
  private readonly query: Level = { starts: QUERY_STARTS, leaf: () => this.queryLeaf(), noun: 'a term' };

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parse(): QueryNode {
    if (this.peek().kind === 'eof') return { kind: 'all', start: 0, end: this.text.length };
    const node = this.or(this.query);
    const t = this.peek();
    if (t.kind === 'eof') return node;
    if (t.kind === 'rparen') {
      throw new QuerySyntaxError(t.start, 'end of query', "unexpected ')' without a matching '('");
    }
    throw this.unexpected(t, 'an operator or end of query');
  }

  private or(level: Level): QueryNode {
    const items = [this.and(level)];
    while (this.peek().kind === 'or') {
      this.requireTerm(level, this.advance());
      items.push(this.and(level));
    }
    return this.combine('or', items);
  }

  private and(level: Level): QueryNode {
    const items = [this.unary(level)];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'and') this.requireTerm(level, this.advance());
      else if (!level.starts.has(t.kind)) break;
      items.push(this.unary(level));
    }
    return this.combine('and', items);
  }

  private combine(kind: 'and' | 'or', items: QueryNode[]): QueryNode {
    const first = items[0] as QueryNode;
    if (items.length === 1) return first;
    return { kind, items, start: first.start, end: (items.at(-1) as QueryNode).end };
  }

  private unary(level: Level): QueryNode {
    const t = this.peek();
    if (t.kind !== 'not' && t.kind !== 'minus') return level.leaf();
    this.advance();
    this.requireTerm(level, t);
    this.enter(t);
    const item = this.unary(level);
    this.depth--;
    return { kind: 'not', item, start: t.start, end: item.end };
  }

  private queryLeaf(): QueryNode {
    const t = this.peek();
    switch (t.kind) {
      case 'lparen':
        return this.group(this.query);
      case 'field':
        return this.fieldExpression();
      case 'word':
      case 'phrase': {
        this.count(t.start);
        const value = this.value();
        if (value.kind === 'pattern' && isMatchAll(value)) return { kind: 'all', start: t.start, end: t.end };
        if (value.kind === 'phrase' && value.text === '') {
          throw new QuerySyntaxError(
            t.start,
            'a non-empty phrase',
            'expected a non-empty phrase to search for',
          );
        }
        return { kind: 'text', value, start: t.start, end: t.end } satisfies TextNode;
      }
      case 'lbracket':
      case 'lbrace':
        throw new QuerySyntaxError(t.start, `a field name before '${t.value}'`);
      default:
        throw this.unexpected(t, 'a term');
    }
  }

  // ( ... ) at query level, or field:( ... ) where each value applies to the field.
  private group(level: Level): QueryNode {
    const open = this.advance();
    this.enter(open);
    this.requireTerm(level, open);
    const inner = this.or(level);
    const close = this.peek();
    if (close.kind !== 'rparen') throw this.unexpected(close, `')' to close '(' at ${open.start}`);
    this.advance();
    this.depth--;
    return inner;
  }

  private fieldExpression(): QueryNode {
    const f = this.advance();
    const field: FieldRef = { name: f.value, start: f.start, end: f.end };
    let op = this.advance();
    if (field.name === '*') return this.matchAll(field, op);
    if (op.kind === 'colon' && this.peek().kind === 'compare') op = this.advance();
    if (op.kind === 'compare') return this.compare(field, op);
    if (field.name === '_exists_') return this.exists(field);
    return this.fieldValue(field);
  }

  private compare(field: FieldRef, op: Token): CompareNode {
    const value = this.scalar(`a value after '${op.value}'`);
    this.count(value.start);
    return { kind: 'compare', field, op: op.op as CompareOp, value, start: field.start, end: value.end };
  }

  private exists(keyword: FieldRef): QueryNode {
    const t = this.peek();
    if (t.kind !== 'word' || t.pattern !== undefined || !FIELD_NAME.test(t.value)) {
      throw this.unexpected(t, "a field name after '_exists_:'");
    }
    this.advance();
    this.count(t.start);
    const field: FieldRef = { name: t.value, start: t.start, end: t.end };
    return { kind: 'exists', field, start: keyword.start, end: t.end };
  }

  // Lucene's `*:*`; `*` is no field name otherwise.
  private matchAll(star: FieldRef, op: Token): QueryNode {
    const t = this.peek();
    if (op.kind !== 'colon' || t.kind !== 'word' || t.pattern === undefined || t.value !== '*') {
      throw new QuerySyntaxError(
        star.start,
        'a field name',
        "'*' is not a field name; '*:*' matches everything",
      );
    }
    this.advance();
    this.count(t.start);
    return { kind: 'all', start: star.start, end: t.end };
  }

  // What may follow `field:`: a value, a phrase, `*`, a range or a parenthesized value group.
  private fieldValue(field: FieldRef): QueryNode {
    const t = this.peek();
    switch (t.kind) {
      case 'lparen': {
        const leaf = () => this.fieldValue(field);
        return this.group({ starts: VALUE_STARTS, leaf, noun: 'a value' });
      }
      case 'lbracket':
      case 'lbrace':
        return this.range(field);
      case 'word':
      case 'phrase': {
        this.count(t.start);
        const value = this.value();
        const span = { start: field.start, end: value.end };
        if (value.kind === 'pattern' && isMatchAll(value)) return { kind: 'exists', field, ...span };
        return { kind: 'match', field, value, ...span };
      }
      default:
        throw this.unexpected(t, "a value after ':'");
    }
  }

  private range(field: FieldRef): RangeNode {
    const open = this.advance();
    const lower = this.bound();
    const to = this.peek();
    if (to.kind !== 'to') throw this.unexpected(to, "'TO' between the bounds of a range");
    this.advance();
    const upper = this.bound();
    const close = this.peek();
    if (close.kind !== 'rbracket' && close.kind !== 'rbrace') {
      throw this.unexpected(close, `']' or '}' to close the range opened at ${open.start}`);
    }
    this.advance();
    this.count(open.start);
    const includeLower = open.kind === 'lbracket';
    const includeUpper = close.kind === 'rbracket';
    return {
      kind: 'range',
      field,
      lower,
      upper,
      includeLower,
      includeUpper,
      start: field.start,
      end: close.end,
    };
  }

  private bound(): ScalarValue | undefined {
    const t = this.peek();
    if (t.kind === 'word' && t.pattern?.parts.length === 1 && t.pattern.parts[0]?.kind === 'any') {
      this.advance();
      return undefined;
    }
    return this.scalar('a range bound (a value or *)');
  }

  private scalar(expected: string): ScalarValue {
    const t = this.peek();
    if (t.kind === 'word' && t.pattern !== undefined) {
      const detail = `${expected} without wildcards; quote it to use '*' or '?' literally`;
      throw new QuerySyntaxError(t.start, expected, `expected ${detail}`);
    }
    if (t.kind !== 'word' && t.kind !== 'phrase') throw this.unexpected(t, expected);
    return this.value() as ScalarValue;
  }

  private value(): ValueNode {
    const t = this.advance();
    const span = { start: t.start, end: t.end };
    if (t.kind === 'phrase') return { kind: 'phrase', text: t.value, ...span };
    if (t.pattern) return { kind: 'pattern', text: t.value, pattern: t.pattern, ...span };
    return { kind: 'word', text: t.value, ...span };
  }

  private requireTerm(level: Level, op: Token): void {
    const next = this.peek();
    if (next.kind === 'rparen' && op.kind === 'lparen') {
      throw new QuerySyntaxError(next.start, `${level.noun} inside '( )'`);
    }
    if (!level.starts.has(next.kind)) {
      const name = op.kind === 'minus' || op.kind === 'lparen' ? op.value : op.value.toUpperCase();
      throw this.unexpected(next, `${level.noun} after '${name}'`);
    }
  }

  private enter(t: Token): void {
    if (++this.depth > MAX_QUERY_DEPTH) {
      const expected = `at most ${MAX_QUERY_DEPTH} levels of nesting`;
      throw new QuerySyntaxError(t.start, expected, `query is nested deeper than ${MAX_QUERY_DEPTH} levels`);
    }
  }

  private count(position: number): void {
    if (++this.terms > MAX_QUERY_TERMS) {
      const expected = `at most ${MAX_QUERY_TERMS} terms`;
      throw new QuerySyntaxError(position, expected, `query has more than ${MAX_QUERY_TERMS} terms`);
    }
  }

  private unexpected(t: Token, expected: string): QuerySyntaxError {
    const source = this.text.slice(t.start, Math.min(t.end, t.start + 40));
    const found = t.kind === 'eof' ? '' : `, found '${source}${t.end - t.start > 40 ? '…' : ''}'`;
    return new QuerySyntaxError(t.start, expected, `expected ${expected}${found}`);
  }

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private advance(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.index++;
    return t;
  }
}

function isMatchAll(value: ValueNode): boolean {
  return (
    value.kind === 'pattern' && value.pattern.parts.length === 1 && value.pattern.parts[0]?.kind === 'any'
  );
}
