// Splits a query into tokens. The lexer is context-aware in one way: after `field:` (and inside
// value groups and ranges) a value may contain `:`, `<`, `>` and a leading `-`, so IPv6 addresses,
// times and negative numbers need no quoting. Errors carry the offset of the offending character.

import { ValidationError } from '../core/errors.js';
import type { CompareOp, PatternPart, WildcardPattern } from './ast.js';

/** A query the parser cannot read: `position` is a 0-based offset into the query text. */
export class QuerySyntaxError extends ValidationError {
  readonly position: number;
  /** What the parser expected at `position`, in words (`a value after ':'`). */
  readonly expected: string;

  constructor(position: number, expected: string, message = `expected ${expected}`) {
    super(`at ${position}: ${message}`);
    this.position = position;
    this.expected = expected;
  }
}

export type TokenKind =
  | 'word'
  | 'phrase'
  | 'field'
  | 'colon'
  | 'compare'
  | 'lparen'
  | 'rparen'
  | 'lbracket'
  | 'rbracket'
  | 'lbrace'
  | 'rbrace'
  | 'minus'
  | 'and'
  | 'or'
  | 'not'
  | 'to'
  | 'eof';

export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
  /** Unescaped text of a word, phrase or field; the source slice otherwise. */
  value: string;
  /** Set on a word with an unescaped `*` or `?`. */
  pattern?: WildcardPattern;
  /** Set on a compare token. */
  op?: CompareOp;
}

/** Field names: letters, digits, `_`, `.`, `@`, `-`, not starting with a digit, `.` or `-`. */
export const FIELD_NAME = /^[@A-Za-z_][A-Za-z0-9_.@-]*$/;

const WHITESPACE = /\s/;
const QUERY_STOP = new Set([...'()[]{}":<>']);
const VALUE_STOP = new Set([...'()[]{}"']);
const KEYWORDS: Record<string, TokenKind> = { and: 'and', or: 'or', not: 'not' };
const SINGLE: Record<string, TokenKind> = {
  '(': 'lparen',
  ')': 'rparen',
  '[': 'lbracket',
  ']': 'rbracket',
  '{': 'lbrace',
  '}': 'rbrace',
};

type Context = 'query' | 'value' | 'range';

/** Tokenizes a whole query; the last token is always `eof`. */
export function tokenize(text: string): Token[] {
  return new Lexer(text).run();
}

class Lexer {
  private readonly tokens: Token[] = [];
  private readonly stack: Context[] = [];
  private i = 0;

  constructor(private readonly text: string) {}

  run(): Token[] {
    for (;;) {
      const spaced = this.skipWhitespace();
      if (this.i >= this.text.length) break;
      this.next(spaced);
    }
    this.push({ kind: 'eof', start: this.text.length, end: this.text.length, value: '' });
    return this.tokens;
  }

  private next(spaced: boolean): void {
    const ch = this.text[this.i] as string;
    const prev = this.tokens.at(-1)?.kind;
    const top = this.stack.at(-1);
    const afterOp = prev === 'colon' || prev === 'compare';
    const valueMode = afterOp || top === 'value' || top === 'range';
    const single = SINGLE[ch];
    if (single !== undefined) return this.bracket(single, ch, afterOp || top === 'value');
    if (ch === '"') return this.phrase();
    if (prev === 'colon' && !spaced && (ch === '<' || ch === '>')) return this.compare();
    if (!valueMode && (ch === ':' || ch === '<' || ch === '>')) {
      throw new QuerySyntaxError(this.i, `a field name before '${ch}'`);
    }
    if (!valueMode && ch === '-') return this.minus();
    this.word(valueMode, !(afterOp && !spaced), top === 'range');
  }

  private bracket(kind: TokenKind, ch: string, inValue: boolean): void {
    if (kind === 'lparen') this.stack.push(inValue ? 'value' : 'query');
    else if (kind === 'lbracket' || kind === 'lbrace') this.stack.push('range');
    else this.stack.pop();
    this.push({ kind, start: this.i, end: this.i + 1, value: ch });
    this.i += 1;
  }

  private minus(): void {
    const after = this.text[this.i + 1];
    if (after === undefined || WHITESPACE.test(after)) {
      throw new QuerySyntaxError(this.i + 1, "a term right after '-'");
    }
    this.push({ kind: 'minus', start: this.i, end: this.i + 1, value: '-' });
    this.i += 1;
  }

  private compare(): void {
    const start = this.i;
    const op = (
      this.text[this.i + 1] === '=' ? this.text.slice(start, start + 2) : this.text[start]
    ) as CompareOp;
    this.i += op.length;
    this.push({ kind: 'compare', start, end: this.i, value: op, op });
  }

  // "..." with \" and \\ as escapes; any other backslash is kept (Windows paths read naturally).
  private phrase(): void {
    const start = this.i;
    let value = '';
    let j = start + 1;
    for (;;) {
      const c = this.text[j];
      if (c === undefined) throw new QuerySyntaxError(start, `a closing '"' for the quote at ${start}`);
      if (c === '"') break;
      const n = this.text[j + 1];
      if (c === '\\' && (n === '"' || n === '\\')) {
        value += n;
        j += 2;
      } else {
        value += c;
        j += 1;
      }
    }
    this.i = j + 1;
    this.push({ kind: 'phrase', start, end: this.i, value });
  }

  private word(valueMode: boolean, keywords: boolean, inRange: boolean): void {
    const start = this.i;
    const stop = valueMode ? VALUE_STOP : QUERY_STOP;
    const parts: PatternPart[] = [];
    let literal = '';
    let value = '';
    let plain = true;
    let j = start;
    for (; j < this.text.length; j++) {
      const c = this.text[j] as string;
      if (WHITESPACE.test(c) || stop.has(c)) break;
      if (c === '\\') {
        const n = this.text[j + 1];
        if (n === undefined) throw new QuerySyntaxError(j + 1, "a character after '\\'");
        literal += n;
        value += n;
        plain = false;
        j += 1;
      } else if (c === '*' || c === '?') {
        if (literal) parts.push({ kind: 'literal', text: literal });
        literal = '';
        if (c === '?') parts.push({ kind: 'one' });
        else if (parts.at(-1)?.kind !== 'any') parts.push({ kind: 'any' });
        value += c;
      } else {
        literal += c;
        value += c;
      }
    }
    this.i = j;
    if (!valueMode && this.fieldFollows()) return this.field(start, j, value, plain);
    const token: Token = { kind: 'word', start, end: j, value };
    if (parts.length > 0) {
      if (literal) parts.push({ kind: 'literal', text: literal });
      const first = parts[0];
      token.pattern = { parts, prefix: first?.kind === 'literal' ? first.text : '' };
    } else if (plain && keywords) {
      const lower = value.toLowerCase();
      token.kind = KEYWORDS[lower] ?? (inRange && lower === 'to' ? 'to' : 'word');
    }
    this.push(token);
  }

  // In query position a word followed (maybe after spaces) by `:`, `<` or `>` is a field name.
  private fieldFollows(): boolean {
    let j = this.i;
    while (j < this.text.length && WHITESPACE.test(this.text[j] as string)) j++;
    const c = this.text[j];
    if (c !== ':' && c !== '<' && c !== '>') return false;
    this.i = j;
    return true;
  }

  private field(start: number, end: number, name: string, plain: boolean): void {
    const raw = this.text.slice(start, end);
    if (!plain || !(FIELD_NAME.test(raw) || raw === '*')) {
      throw new QuerySyntaxError(
        start,
        'a field name',
        `'${raw}' is not a field name (letters, digits, '_', '.', '@', '-'); quote a value that contains ':'`,
      );
    }
    this.push({ kind: 'field', start, end, value: name });
    if (this.text[this.i] !== ':') return this.compare();
    this.push({ kind: 'colon', start: this.i, end: this.i + 1, value: ':' });
    this.i += 1;
  }

  private skipWhitespace(): boolean {
    const from = this.i;
    while (this.i < this.text.length && WHITESPACE.test(this.text[this.i] as string)) this.i++;
    return this.i > from;
  }

  private push(token: Token): void {
    this.tokens.push(token);
  }
}
