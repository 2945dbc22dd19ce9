// The detection condition (sigma-rules-specification.md, "Condition"): lexer, recursive-descent
// parser and compiler. Precedence, least to most binding: or, and, not, `x of`, parentheses.
// `1 of` / `any of` / `all of` take `them` (identifiers not starting with `_`) or a `*` pattern.
// The pre-v2 aggregation syntax (`| count() by x > n`, `near`) is rejected with its replacement.

import { ValidationError } from '../../core/errors.js';
import type { ConditionNode } from './types.js';

type Token = { kind: 'lparen' | 'rparen' | 'word'; text: string; at: number };

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c === '(' ? 'lparen' : 'rparen', text: c, at: i });
      i++;
    } else if (c === '|') {
      const legacy = text.slice(i + 1).trim();
      const replacement = /^near\b/i.test(legacy) ? 'a temporal' : 'an event_count or value_count';
      throw new ValidationError(
        `condition '${text}': the pre-v2 aggregation '| ${legacy}' is not part of Sigma v2; rewrite it as ${replacement} correlation rule`,
      );
    } else {
      const start = i;
      while (i < text.length && !/[\s()|]/.test(text[i] as string)) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i), at: start });
    }
  }
  return tokens;
}

/** The parse tree before `x of` is resolved against the search identifiers. */
type Expr =
  | { kind: 'and' | 'or'; items: Expr[] }
  | { kind: 'not'; item: Expr }
  | { kind: 'ref'; name: string }
  | { kind: 'of'; all: boolean; pattern: string };

class ConditionParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private fail(message: string): never {
    throw new ValidationError(`condition '${this.text}': ${message}`);
  }

  private peekWord(): string | undefined {
    const t = this.tokens[this.pos];
    return t?.kind === 'word' ? t.text.toLowerCase() : undefined;
  }

  parse(): Expr {
    if (this.tokens.length === 0) this.fail('empty');
    const e = this.or();
    const rest = this.tokens[this.pos];
    if (rest !== undefined) this.fail(`unexpected '${rest.text}' at ${rest.at}`);
    return e;
  }

  private or(): Expr {
    const items = [this.and()];
    while (this.peekWord() === 'or') {
      this.pos++;
      items.push(this.and());
    }
    return items.length === 1 ? (items[0] as Expr) : { kind: 'or', items };
  }

  private and(): Expr {
    const items = [this.not()];
    while (this.peekWord() === 'and') {
      this.pos++;
      items.push(this.not());
    }
    return items.length === 1 ? (items[0] as Expr) : { kind: 'and', items };
  }

  private not(): Expr {
    if (this.peekWord() === 'not') {
      this.pos++;
      return { kind: 'not', item: this.not() };
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.tokens[this.pos++];
    if (t === undefined) return this.fail('unexpected end');
    if (t.kind === 'lparen') {
      const e = this.or();
      if (this.tokens[this.pos++]?.kind !== 'rparen') this.fail(`missing ')' for '(' at ${t.at}`);
      return e;
    }
    if (t.kind === 'rparen') this.fail(`unexpected ')' at ${t.at}`);
    const word = t.text.toLowerCase();
    if (word === 'and' || word === 'or' || word === 'of' || word === 'them')
      this.fail(`unexpected '${t.text}' at ${t.at}`);
    if (word === 'near')
      this.fail("'near' was removed in Sigma v2; write a temporal correlation rule instead");
    if (this.peekWord() === 'of') {
      if (word !== '1' && word !== 'any' && word !== 'all') {
        this.fail(`'${t.text} of' is not supported: use '1 of', 'any of' or 'all of'`);
      }
      this.pos++;
      const target = this.tokens[this.pos++];
      if (target === undefined || target.kind !== 'word')
        this.fail(`'${t.text} of' needs 'them' or a pattern`);
      return { kind: 'of', all: word === 'all', pattern: target.text };
    }
    return { kind: 'ref', name: t.text };
  }
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

/**
 * Parses a condition and resolves its identifiers against `names` (search identifiers, or for a
 * temporal correlation the referenced rules). Throws ValidationError on any unknown identifier.
 */
export function parseCondition(text: string, names: readonly string[]): ConditionNode {
  const expr = new ConditionParser(text, lex(text)).parse();
  const resolve = (e: Expr): ConditionNode => {
    switch (e.kind) {
      case 'and':
      case 'or':
        return { kind: e.kind, items: e.items.map(resolve) };
      case 'not':
        return { kind: 'not', item: resolve(e.item) };
      case 'ref':
        if (!names.includes(e.name))
          throw new ValidationError(`condition '${text}': unknown identifier '${e.name}'`);
        return e;
      case 'of': {
        const matched =
          e.pattern.toLowerCase() === 'them'
            ? names.filter((n) => !n.startsWith('_'))
            : names.filter((n) => globToRegExp(e.pattern).test(n));
        if (matched.length === 0) {
          throw new ValidationError(`condition '${text}': '${e.pattern}' matches no search identifier`);
        }
        const items: ConditionNode[] = matched.map((name) => ({ kind: 'ref', name }));
        return items.length === 1 ? (items[0] as ConditionNode) : { kind: e.all ? 'and' : 'or', items };
      }
    }
  };
  return resolve(expr);
}

/** Every identifier a condition reads. */
export function conditionRefs(node: ConditionNode, into = new Set<string>()): Set<string> {
  if (node.kind === 'ref') into.add(node.name);
  else if (node.kind === 'not') conditionRefs(node.item, into);
  else for (const item of node.items) conditionRefs(item, into);
  return into;
}

/** Compiles a condition into a predicate, given a predicate per identifier. */
export function compileCondition<C>(
  node: ConditionNode,
  leaf: (name: string) => (ctx: C) => boolean,
): (ctx: C) => boolean {
  switch (node.kind) {
    case 'ref':
      return leaf(node.name);
    case 'not': {
      const inner = compileCondition(node.item, leaf);
      return (ctx) => !inner(ctx);
    }
    case 'and':
    case 'or': {
      const parts = node.items.map((item) => compileCondition(item, leaf));
      if (parts.length === 2) {
        const [a, b] = parts as [(ctx: C) => boolean, (ctx: C) => boolean];
        return node.kind === 'and' ? (ctx) => a(ctx) && b(ctx) : (ctx) => a(ctx) || b(ctx);
      }
      return node.kind === 'and' ? (ctx) => parts.every((p) => p(ctx)) : (ctx) => parts.some((p) => p(ctx));
    }
  }
}
