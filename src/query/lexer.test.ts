import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { QuerySyntaxError, tokenize, type Token } from './lexer.js';

const kinds = (q: string) => tokenize(q).map((t) => t.kind);
const brief = (q: string) =>
  tokenize(q)
    .filter((t) => t.kind !== 'eof')
    .map((t) => `${t.kind}:${t.value}`);

function lexError(q: string): QuerySyntaxError {
  try {
    tokenize(q);
  } catch (err) {
    if (err instanceof QuerySyntaxError) return err;
    throw err;
  }
  throw new Error(`no error for ${q}`);
}

describe('tokenize', () => {
  it('ends with eof at the end of the text', () => {
    expect(tokenize('')).toEqual([{ kind: 'eof', start: 0, end: 0, value: '' }]);
    expect(tokenize('  a ').at(-1)).toMatchObject({ kind: 'eof', start: 4 });
  });

  it('splits field, colon and value, with offsets', () => {
    const [field, colon, value] = tokenize('user.name:root') as [Token, Token, Token];
    expect(field).toMatchObject({ kind: 'field', value: 'user.name', start: 0, end: 9 });
    expect(colon).toMatchObject({ kind: 'colon', start: 9, end: 10 });
    expect(value).toMatchObject({ kind: 'word', value: 'root', start: 10, end: 14 });
  });

  it('recognizes AND, OR, NOT in any case, but not as values right after a colon', () => {
    expect(kinds('a and b Or c NOT d')).toEqual(['word', 'and', 'word', 'or', 'word', 'not', 'word', 'eof']);
    expect(brief('f:or')).toEqual(['field:f', 'colon::', 'word:or']);
    expect(brief('f: or')).toEqual(['field:f', 'colon::', 'or:or']);
  });

  it('treats TO as a keyword inside ranges only', () => {
    expect(kinds('to')).toEqual(['word', 'eof']);
    expect(kinds('f:[1 to 2]')).toEqual([
      'field',
      'colon',
      'lbracket',
      'word',
      'to',
      'word',
      'rbracket',
      'eof',
    ]);
    expect(kinds('f:{* TO 2}')).toEqual(['field', 'colon', 'lbrace', 'word', 'to', 'word', 'rbrace', 'eof']);
  });

  it('lets values contain colons, so IPv6 and times need no quotes', () => {
    expect(brief('source.ip:2001:db8::/32')).toEqual(['field:source.ip', 'colon::', 'word:2001:db8::/32']);
    expect(brief('ip:::1')).toEqual(['field:ip', 'colon::', 'word:::1']);
    expect(brief('@timestamp>=2024-05-01T10:00:00Z')).toEqual([
      'field:@timestamp',
      'compare:>=',
      'word:2024-05-01T10:00:00Z',
    ]);
    expect(brief('ip:(::1 OR 10.0.0.1)')).toEqual([
      'field:ip',
      'colon::',
      'lparen:(',
      'word:::1',
      'or:OR',
      'word:10.0.0.1',
      'rparen:)',
    ]);
  });

  it('reads comparison operators, with or without spaces, and after a colon', () => {
    for (const op of ['>', '>=', '<', '<=']) {
      expect(tokenize(`source.port${op}1024`)[1]).toMatchObject({ kind: 'compare', op });
      expect(tokenize(`source.port ${op} 1024`)[1]).toMatchObject({ kind: 'compare', op });
    }
    expect(kinds('f:>=5')).toEqual(['field', 'colon', 'compare', 'word', 'eof']);
    expect(brief('f>-1')).toEqual(['field:f', 'compare:>', 'word:-1']);
  });

  it('accepts spaces around the colon', () => {
    expect(brief('user.name : root')).toEqual(['field:user.name', 'colon::', 'word:root']);
    expect(brief('a :b')).toEqual(['field:a', 'colon::', 'word:b']);
  });

  it('reads a leading - as negation in query position and as part of a value after a colon', () => {
    expect(kinds('-a')).toEqual(['minus', 'word', 'eof']);
    expect(kinds('--a')).toEqual(['minus', 'minus', 'word', 'eof']);
    expect(kinds('-f:x')).toEqual(['minus', 'field', 'colon', 'word', 'eof']);
    expect(brief('a-b')).toEqual(['word:a-b']);
    expect(brief('f:-1')).toEqual(['field:f', 'colon::', 'word:-1']);
    expect(brief('f:(-1)')).toEqual(['field:f', 'colon::', 'lparen:(', 'word:-1', 'rparen:)']);
  });

  it('unescapes \\" and \\\\ in phrases and keeps other backslashes', () => {
    expect(tokenize('"say \\"hi\\" \\\\o/"')[0]).toMatchObject({ kind: 'phrase', value: 'say "hi" \\o/' });
    expect(tokenize('"C:\\Users\\bob"')[0]).toMatchObject({ kind: 'phrase', value: 'C:\\Users\\bob' });
    expect(tokenize('"a*b?" x')[0]).toMatchObject({ kind: 'phrase', value: 'a*b?', start: 0, end: 6 });
    expect(tokenize('"a*b?"')[0]?.pattern).toBeUndefined();
  });

  it('builds wildcard patterns with literal segments and a prefix', () => {
    expect(tokenize('f:adm*')[2]?.pattern).toEqual({
      parts: [{ kind: 'literal', text: 'adm' }, { kind: 'any' }],
      prefix: 'adm',
    });
    expect(tokenize('f:*a**b?')[2]?.pattern).toEqual({
      parts: [
        { kind: 'any' },
        { kind: 'literal', text: 'a' },
        { kind: 'any' },
        { kind: 'literal', text: 'b' },
        { kind: 'one' },
      ],
      prefix: '',
    });
  });

  it('makes escaped characters literal in unquoted words', () => {
    const star = tokenize('f:a\\*b')[2];
    expect(star).toMatchObject({ kind: 'word', value: 'a*b' });
    expect(star?.pattern).toBeUndefined();
    expect(tokenize('f:x\\*y*')[2]?.pattern?.parts).toEqual([
      { kind: 'literal', text: 'x*y' },
      { kind: 'any' },
    ]);
    expect(brief('foo\\:bar')).toEqual(['word:foo:bar']);
    expect(brief('a\\ b')).toEqual(['word:a b']);
    expect(brief('\\and')).toEqual(['word:and']);
  });

  it('rejects a bad field name at its start', () => {
    const err = lexError('x 2001:db8::1');
    expect(err.position).toBe(2);
    expect(err.expected).toBe('a field name');
    expect(err.message).toMatch(/^at 2: '2001' is not a field name/);
    expect(lexError('us*r:x').position).toBe(0);
    expect(lexError('a\\.b:x').position).toBe(0);
  });
});

describe('lexer errors', () => {
  const cases: Array<[string, number, string]> = [
    [':x', 0, "a field name before ':'"],
    ['(a) :x', 4, "a field name before ':'"],
    ['>5', 0, "a field name before '>'"],
    ['a - b', 3, "a term right after '-'"],
    ['a -', 3, "a term right after '-'"],
    ['foo\\', 4, "a character after '\\'"],
    ['x "abc', 2, `a closing '"' for the quote at 2`],
    ['"a\\"', 0, `a closing '"' for the quote at 0`],
  ];
  it.each(cases)('%s fails at %i', (q, position, expected) => {
    const err = lexError(q);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.code).toBe('validation');
    expect(err.name).toBe('QuerySyntaxError');
    expect({ position: err.position, expected: err.expected }).toEqual({ position, expected });
    expect(err.message).toBe(`at ${position}: expected ${expected}`);
  });
});
