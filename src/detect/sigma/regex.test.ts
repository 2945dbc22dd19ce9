import { describe, expect, it } from 'vitest';
import { compileRegex } from './regex.js';

// Patterns whose meaning is the same in PCRE and JavaScript: the V8 engine is the oracle.
const DIFFERENTIAL: Array<[string, string]> = [
  ['\\s-O\\s', ''],
  ['apt\\d', 'i'],
  ['^abc$', ''],
  ['^a.c', 's'],
  ['^b$', 'm'],
  ['(a|ab)(c|bcd)(d*)', ''],
  ['[^-\\s]{0,20}i', ''],
  ['(?:\\s-[^-\\s]{0,20}i|\\s--inode\\s)', ''],
  ['-(W|R)\\s?(\\s|"|\')([0-9a-fA-F]{2}\\s?){2,20}(\\s|"|\')', ''],
  ['(^|\\/)\\.[^.\\/]', ''],
  ['.+:assumed-role/aws:.+', ''],
  ['(^0oa.*|[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,10})', ''],
  ['\\bfoo\\b', ''],
  ['\\Bfoo', ''],
  ['x{2,}y?', ''],
  ['a{3}', ''],
  ['colou?r', 'i'],
  ['[a-f]+$', 'i'],
  ['\\x41\\u0042[\\d\\-]', ''],
  ['(a*)*b', ''],
  ['a{,2}', ''],
  ['a+?b', ''],
  ['\\.\\*\\?', ''],
];

const INPUTS = [
  '',
  'wget http://x -O /tmp/a',
  'Backdoor.APT1',
  'abc',
  'ABC',
  'a\nc',
  'xx\nb\nyy',
  'abcd',
  'ls -li /tmp',
  'stat --inode x',
  'pnscan -W "0a 1b 2c"',
  '/home/.hidden',
  'arn:aws:sts::1:assumed-role/aws:ec2-instance/i-1',
  '0oa1234',
  'user@example.com',
  'a foo b',
  'afoo',
  'xxxy',
  'aaa',
  'Colour COLOR',
  'deadBEEF',
  'AB1',
  'AB-',
  'aaab',
  ']',
  'a{,2}',
  'aab',
  '.*?',
];

describe('linear-time regex: same answers as V8 on the Sigma subset', () => {
  it.each(DIFFERENTIAL)('/%s/%s', (source, flags) => {
    const mine = compileRegex(source, flags);
    const oracle = new RegExp(source, flags);
    for (const input of INPUTS) expect(mine.test(input), JSON.stringify(input)).toBe(oracle.test(input));
  });
});

describe('regex features', () => {
  it('applies a leading (?i) inline flag, which JavaScript of Node 20 cannot', () => {
    const re = compileRegex('(?i)(ipfs\\.io/|ipfs\\.io\\s).+\\..+@.+\\.[a-z]+');
    expect(re.test('https://IPFS.IO/ipfs/abc.html#user@corp.com')).toBe(true);
    expect(re.test('https://example.com/')).toBe(false);
  });

  it('scopes inline flags to their group', () => {
    const re = compileRegex('a(?i:b)c');
    expect(re.test('aBc')).toBe(true);
    expect(re.test('aBC')).toBe(false);
    expect(compileRegex('(?i)a(?-i)b').test('Ab')).toBe(true);
    expect(compileRegex('(?i)a(?-i)b').test('AB')).toBe(false);
  });

  it("reads ']' first in a class as a literal, as PCRE does", () => {
    expect(compileRegex('^[]a]$').test(']')).toBe(true);
    expect(compileRegex('^[]a]$').test('a')).toBe(true);
    expect(compileRegex('^[]a]$').test('b')).toBe(false);
  });

  it('case-folds classes before negating them, as PCRE does', () => {
    expect(compileRegex('^[^a]$', 'i').test('A')).toBe(false);
    expect(compileRegex('^[^a]$', 'i').test('b')).toBe(true);
  });

  it.each([
    ['(a)\\1', 'backreferences'],
    ['(?=a)', 'lookahead'],
    ['(?<!a)b', 'lookbehind'],
    ['(?>a)', 'atomic'],
    ['a++', 'possessive'],
    ['*a', 'nothing to repeat'],
    ['(a', "missing ')'"],
    ['a)', "unbalanced ')'"],
    ['[a', "missing ']'"],
    ['[z-a]', 'out of order'],
    ['a{2000}', 'repeat count'],
    ['\\p{L}', 'unsupported escape'],
    ['[[:alpha:]]', 'POSIX'],
    ['(?x)a', 'extended'],
  ])('rejects /%s/ (%s)', (source, reason) => {
    expect(() => compileRegex(source)).toThrow(reason);
  });

  it('rejects patterns that expand beyond the NFA budget', () => {
    expect(() => compileRegex('((a{1000}){1000}){1000}')).toThrow('too large');
  });

  it('runs catastrophic-backtracking patterns in linear time', () => {
    const evil = `${'a'.repeat(50_000)}!`;
    for (const source of ['(a+)+$', '^(a|a)*$', '(a*)*b', '(.*a){20}$', '^(\\w+\\s?)*$']) {
      const re = compileRegex(source);
      const start = performance.now();
      expect(re.test(evil)).toBe(false);
      expect(performance.now() - start, source).toBeLessThan(2_000);
    }
  });

  it('stays correct when its DFA cache is flushed', () => {
    // [a-z]{0,12}x has many distinct DFA states over random input.
    const re = compileRegex('[a-z]{0,12}x[a-z]{12}');
    const oracle = /[a-z]{0,12}x[a-z]{12}/;
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 300; n++) {
      const s = Array.from({ length: 60 }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join('');
      expect(re.test(s)).toBe(oracle.test(s));
    }
  });
});
