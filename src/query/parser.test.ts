import { describe, expect, it } from 'vitest';
import type { QueryNode, ValueNode } from './ast.js';
import { MAX_QUERY_CHARS, MAX_QUERY_DEPTH, MAX_QUERY_TERMS, parseQuery, QuerySyntaxError } from './parser.js';
import { planQuery } from './plan.js';

/** A compact s-expression of the tree, so precedence tests read like the query. */
function show(node: QueryNode): string {
  const v = (value: ValueNode) => (value.kind === 'phrase' ? JSON.stringify(value.text) : value.text);
  switch (node.kind) {
    case 'all':
      return '*';
    case 'and':
    case 'or':
      return `(${node.kind} ${node.items.map(show).join(' ')})`;
    case 'not':
      return `(not ${show(node.item)})`;
    case 'text':
      return v(node.value);
    case 'match':
      return `${node.field.name}=${v(node.value)}`;
    case 'compare':
      return `${node.field.name}${node.op}${v(node.value)}`;
    case 'exists':
      return `${node.field.name}?`;
    case 'range': {
      const lo = node.lower ? v(node.lower) : '*';
      const hi = node.upper ? v(node.upper) : '*';
      return `${node.field.name}${node.includeLower ? '[' : '{'}${lo},${hi}${node.includeUpper ? ']' : '}'}`;
    }
  }
}

const s = (q: string) => show(parseQuery(q));

function syntaxError(q: string): QuerySyntaxError {
  try {
    parseQuery(q);
  } catch (err) {
    if (err instanceof QuerySyntaxError) return err;
    throw err;
  }
  throw new Error(`no error for ${JSON.stringify(q)}`);
}

describe('parseQuery: constructs', () => {
  it('reads the empty and blank query, and a lone *, as match-all', () => {
    expect(parseQuery('')).toEqual({ kind: 'all', start: 0, end: 0 });
    expect(parseQuery(' \t\n')).toEqual({ kind: 'all', start: 0, end: 3 });
    expect(s('*')).toBe('*');
    expect(s('(*)')).toBe('*');
    expect(s('*:*')).toBe('*');
    expect(parseQuery('a *:*')).toMatchObject({ items: [{}, { kind: 'all', start: 2, end: 5 }] });
  });

  it('reads field:value with positions', () => {
    expect(parseQuery('x user.name:root')).toEqual({
      kind: 'and',
      start: 0,
      end: 16,
      items: [
        { kind: 'text', value: { kind: 'word', text: 'x', start: 0, end: 1 }, start: 0, end: 1 },
        {
          kind: 'match',
          field: { name: 'user.name', start: 2, end: 11 },
          value: { kind: 'word', text: 'root', start: 12, end: 16 },
          start: 2,
          end: 16,
        },
      ],
    });
  });

  it('reads phrases, free text and wildcards', () => {
    expect(s('user.name:"john smith"')).toBe('user.name="john smith"');
    expect(s('"failed password" sshd')).toBe('(and "failed password" sshd)');
    expect(parseQuery('user.name:adm*')).toMatchObject({
      kind: 'match',
      value: { kind: 'pattern', text: 'adm*', pattern: { prefix: 'adm' } },
    });
    expect(parseQuery('fail?d')).toMatchObject({ kind: 'text', value: { kind: 'pattern' } });
    expect(s('user.name:""')).toBe('user.name=""');
  });

  it('reads exists in both spellings', () => {
    expect(s('user.name:*')).toBe('user.name?');
    expect(s('_exists_:user.name')).toBe('user.name?');
    expect(parseQuery('_exists_:host.name')).toMatchObject({
      kind: 'exists',
      field: { name: 'host.name', start: 9, end: 18 },
      start: 0,
      end: 18,
    });
    expect(s('f:"*"')).toBe('f="*"');
    expect(s('f:\\*')).toBe('f=*');
  });

  it('reads comparisons, including the field:>value spelling', () => {
    expect(s('@timestamp>=now-24h')).toBe('@timestamp>=now-24h');
    expect(s('source.port > 1024')).toBe('source.port>1024');
    expect(s('source.port:<=1024')).toBe('source.port<=1024');
    expect(s('f<"a b"')).toBe('f<"a b"');
  });

  it('reads inclusive, exclusive, mixed and open ranges', () => {
    expect(s('source.port:[1000 TO 2000]')).toBe('source.port[1000,2000]');
    expect(s('source.port:{1000 TO 2000}')).toBe('source.port{1000,2000}');
    expect(s('source.port:[1000 TO 2000}')).toBe('source.port[1000,2000}');
    expect(s('@timestamp:[now-1d to *]')).toBe('@timestamp[now-1d,*]');
    expect(s('f:[* TO "z z"]')).toBe('f[*,"z z"]');
    expect(parseQuery('a:[1 TO 2]')).toMatchObject({ start: 0, end: 10 });
  });

  it('expands value groups to one condition per value', () => {
    expect(s('user:(root OR admin)')).toBe('(or user=root user=admin)');
    expect(s('user:(root admin)')).toBe('(and user=root user=admin)');
    expect(s('user:(root OR NOT admin* AND "x y")')).toBe(
      '(or user=root (and (not user=admin*) user="x y"))',
    );
    expect(s('f:((a OR b) c)')).toBe('(and (or f=a f=b) f=c)');
    expect(s('f:(* OR [1 TO 2])')).toBe('(or f? f[1,2])');
    expect(s('ip:(10.0.0.0/8 OR ::1)')).toBe('(or ip=10.0.0.0/8 ip=::1)');
  });
});

describe('parseQuery: boolean structure', () => {
  const cases: Array<[string, string]> = [
    ['a b', '(and a b)'],
    ['a AND b', '(and a b)'],
    ['a and b or c', '(or (and a b) c)'],
    ['a OR b c', '(or a (and b c))'],
    ['a OR b AND c', '(or a (and b c))'],
    ['NOT a b', '(and (not a) b)'],
    ['NOT a OR b', '(or (not a) b)'],
    ['-a OR b', '(or (not a) b)'],
    ['NOT NOT a', '(not (not a))'],
    ['not (a or b)', '(not (or a b))'],
    ['(a OR b) (c OR d)', '(and (or a b) (or c d))'],
    ['a OR b OR c', '(or a b c)'],
    ['a (b)', '(and a b)'],
    ['-user.name:root host:web*', '(and (not user.name=root) host=web*)'],
    ['"a" OR f:b', '(or "a" f=b)'],
    ['x Not y', '(and x (not y))'],
  ];
  it.each(cases)('%s', (q, want) => {
    expect(s(q)).toBe(want);
  });

  it('needs a term right after -', () => {
    expect(syntaxError('- -a').position).toBe(1);
  });

  it('keeps quoted keywords as text', () => {
    expect(s('"AND" "or"')).toBe('(and "AND" "or")');
  });
});

describe('parseQuery: errors', () => {
  const cases: Array<[string, number, string]> = [
    ['user.name:', 10, "a value after ':'"],
    ['ok AND user.name:)', 17, "a value after ':'"],
    ['a AND', 5, "a term after 'AND'"],
    ['a or OR b', 5, "a term after 'OR'"],
    ['NOT', 3, "a term after 'NOT'"],
    ['a (b', 4, "')' to close '(' at 2"],
    ['a (b c', 6, "')' to close '(' at 2"],
    ['()', 1, "a term inside '( )'"],
    ['a)', 1, 'end of query'],
    ['f:(a OR)', 7, "a value after 'OR'"],
    ['f:(a', 4, "')' to close '(' at 2"],
    ['f:()', 3, "a value inside '( )'"],
    ['f:[1 2]', 5, "'TO' between the bounds of a range"],
    ['f:[1 TO 2', 9, "']' or '}' to close the range opened at 2"],
    ['f:[1 TO 2)', 9, "']' or '}' to close the range opened at 2"],
    ['f:[a* TO b]', 3, 'a range bound (a value or *)'],
    ['f:[TO 2]', 3, 'a range bound (a value or *)'],
    ['f>a*', 2, "a value after '>'"],
    ['f>=', 3, "a value after '>='"],
    ['f>(a)', 2, "a value after '>'"],
    ['_exists_:', 9, "a field name after '_exists_:'"],
    ['_exists_:a*', 9, "a field name after '_exists_:'"],
    ['_exists_:"a"', 9, "a field name after '_exists_:'"],
    ['[1 TO 2]', 0, "a field name before '['"],
    ['x ""', 2, 'a non-empty phrase'],
    ['*:x', 0, 'a field name'],
    ['a *>1', 2, 'a field name'],
    ['*:"*"', 0, 'a field name'],
    ['a AND )', 6, "a term after 'AND'"],
  ];
  it.each(cases)('%s fails at %i', (q, position, expected) => {
    const err = syntaxError(q);
    expect({ position: err.position, expected: err.expected }).toEqual({ position, expected });
    expect(err.message.startsWith(`at ${position}: `)).toBe(true);
  });

  it('writes the message the way the docs show', () => {
    expect(syntaxError('user.name:').message).toBe("at 10: expected a value after ':'");
    expect(syntaxError('ok AND user.name:)').message).toBe("at 17: expected a value after ':', found ')'");
    expect(syntaxError('a)').message).toBe("at 1: unexpected ')' without a matching '('");
  });
});

describe('parseQuery: limits on hostile input', () => {
  it('rejects queries longer than the limit, and accepts one at the limit', () => {
    const long = 'a'.repeat(MAX_QUERY_CHARS + 1);
    expect(syntaxError(long)).toMatchObject({ position: MAX_QUERY_CHARS });
    expect(syntaxError(long).message).toBe(`at ${MAX_QUERY_CHARS}: query is longer than 4096 characters`);
    expect(parseQuery('a'.repeat(MAX_QUERY_CHARS))).toMatchObject({ kind: 'text' });
  });

  it('rejects nesting deeper than the limit', () => {
    const nested = (n: number) => '('.repeat(n) + 'a' + ')'.repeat(n);
    expect(s(nested(MAX_QUERY_DEPTH))).toBe('a');
    const err = syntaxError(nested(MAX_QUERY_DEPTH + 1));
    expect(err.position).toBe(MAX_QUERY_DEPTH);
    expect(err.message).toMatch(/nested deeper than 32 levels/);
    expect(syntaxError('NOT '.repeat(MAX_QUERY_DEPTH + 1) + 'a').position).toBe(4 * MAX_QUERY_DEPTH);
    expect(syntaxError('-'.repeat(MAX_QUERY_DEPTH + 1) + 'a').position).toBe(MAX_QUERY_DEPTH);
    expect(syntaxError('f:' + '('.repeat(MAX_QUERY_DEPTH + 1) + 'a').position).toBe(2 + MAX_QUERY_DEPTH);
    expect(syntaxError('(NOT '.repeat(17) + 'a').expected).toBe('at most 32 levels of nesting');
  });

  it('rejects more terms than the limit', () => {
    const terms = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`).join(' ');
    expect(parseQuery(terms(MAX_QUERY_TERMS))).toMatchObject({ kind: 'and' });
    const err = syntaxError(terms(MAX_QUERY_TERMS + 1));
    expect(err.expected).toBe('at most 256 terms');
    expect(err.position).toBe(terms(MAX_QUERY_TERMS).length + 1);
    const grouped = `f:(${Array.from({ length: MAX_QUERY_TERMS + 1 }, (_, i) => i).join(' OR ')})`;
    expect(syntaxError(grouped).expected).toBe('at most 256 terms');
    const ranges = Array.from({ length: 86 }, () => 'f:[1 TO 2]').join(' ');
    expect(parseQuery(ranges)).toMatchObject({ kind: 'and' }); // a range is one term, not three
  });
});

describe('parseQuery: random input never fails with anything but QuerySyntaxError', () => {
  // Deterministic PRNG (mulberry32) so a failure is reproducible from its seed.
  function random(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const pieces = [
    'user.name',
    'source.ip',
    'source.port',
    '@timestamp',
    'ip',
    'user',
    'seq',
    'message',
    '_exists_',
    'x',
    ':',
    ':',
    '>',
    '>=',
    '<',
    '<=',
    '(',
    ')',
    '[',
    ']',
    '{',
    '}',
    '"',
    '\\',
    '*',
    '?',
    '-',
    ' ',
    ' ',
    ' ',
    'AND',
    'OR',
    'NOT',
    'TO',
    'and',
    'root',
    'adm*',
    '10.0.0.0/8',
    '::1',
    '2001:db8::/32',
    '10.0.0.256',
    'now-24h',
    'now/d',
    '2024-05-01',
    '2024-05-01T10:00:00Z',
    '1024',
    '-1',
    'é',
    '🔥',
    '"a b"',
    '\u0000',
  ];
  const now = Date.UTC(2024, 4, 15);

  it('for 3000 generated queries', () => {
    const next = random(20240515);
    let parsed = 0;
    for (let i = 0; i < 3000; i++) {
      const length = 1 + Math.floor(next() * 12);
      let q = '';
      for (let j = 0; j < length; j++) q += pieces[Math.floor(next() * pieces.length)];
      try {
        planQuery(parseQuery(q), { now });
        parsed++;
      } catch (err) {
        if (!(err instanceof QuerySyntaxError))
          throw new Error(`query ${JSON.stringify(q)} threw ${String(err)}`);
        expect(err.position).toBeGreaterThanOrEqual(0);
        expect(err.position).toBeLessThanOrEqual(q.length);
      }
    }
    expect(parsed).toBeGreaterThan(100); // the generator must produce valid queries too
  });
});
