import { describe, expect, it } from 'vitest';
import { base64Offsets } from './modifiers.js';
import { loadError, matcher } from './test-support.js';
import { compilePattern, expandPlaceholders, parseSigmaString, patternToString } from './values.js';

describe('Sigma strings: wildcards and escapes (spec "Escaping")', () => {
  it.each([
    ['C:\\Windows', 'C:\\Windows', true],
    ['C:\\\\Windows', 'C:\\Windows', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axxb', false],
    ['a\\?b', 'a?b', true],
    ['C:\\Temp\\\\*', 'C:\\Temp\\evil.exe', true], // \\* = backslash, then a wildcard
    ['C:\\Temp\\\\\\*', 'C:\\Temp\\*', true], // \\\* = backslash, then a plain *
    ['C:\\Temp\\\\\\*', 'C:\\Temp\\x', false],
    ['x\\\\\\\\y', 'x\\\\y', true], // four backslashes = two
    ['*a*a*a*b', `${'a'.repeat(40)}b`, true],
    ['*a*a*a*b', 'a'.repeat(40), false],
    ['pro?.exe', 'prog.exe', true],
    ['pro?.exe', 'pro.exe', false],
    ['*?', '', false],
    ['*?', 'x', true],
    ['a*', 'a', true],
    ['', '', true],
    ['', 'x', false],
  ])('%s vs %s -> %s', (rule, value, expected) => {
    expect(compilePattern(parseSigmaString(rule), false)(value)).toBe(expected);
  });

  it('keeps wildcards and escapes when rendered back', () => {
    expect(patternToString(parseSigmaString('a\\*b*c?'))).toBe('a\\*b*c?');
  });

  it('expands placeholders into alternatives; \\% is a plain percent', () => {
    expect(expandPlaceholders('%a%-%b%', { a: ['1', '2'], b: 'x' })).toEqual(['1-x', '2-x']);
    expect(expandPlaceholders('\\%plain%name%', { name: 'v' })).toEqual(['%plainv']);
    expect(() => expandPlaceholders('%missing%', {})).toThrow('unresolved placeholder %missing%');
  });
});

describe('plain values', () => {
  it('compares numbers, booleans and strings by their text, case-insensitively', () => {
    const m = matcher('selection:\n    EventID: 4625\n    Flag: true\ncondition: selection');
    expect(m({ EventID: 4625, Flag: true })).toBe(true);
    expect(m({ EventID: '4625', Flag: 'TRUE' })).toBe(true);
    expect(m({ EventID: 46250, Flag: true })).toBe(false);
  });

  it('keeps the source text of unquoted scalars (no YAML number or boolean coercion)', () => {
    const m = matcher(
      'selection:\n    Code: 00000429\n    Hex: 0x17\n    Answer: yes\n    Ver: 1.10\ncondition: selection',
    );
    expect(m({ Code: '00000429', Hex: '0x17', Answer: 'yes', Ver: '1.10' })).toBe(true);
    expect(m({ Code: 429, Hex: '0x17', Answer: 'yes', Ver: '1.10' })).toBe(false);
    expect(m({ Code: '00000429', Hex: 23, Answer: 'yes', Ver: '1.10' })).toBe(false);
    expect(m({ Code: '00000429', Hex: '0x17', Answer: true, Ver: '1.10' })).toBe(false);
  });

  it('matches null and the empty string as the spec describes', () => {
    const isNull = matcher('selection:\n    f: null\ncondition: selection');
    expect(isNull({})).toBe(true);
    expect(isNull({ f: null })).toBe(true);
    expect(isNull({ f: '' })).toBe(false);
    const isEmpty = matcher("selection:\n    f: ''\ncondition: selection");
    expect(isEmpty({ f: '' })).toBe(true);
    expect(isEmpty({})).toBe(false);
  });

  it('matches a list field when any element matches, and `*` any present value', () => {
    const m = matcher("selection:\n    ips: '10.*'\ncondition: selection");
    expect(m({ ips: ['192.168.0.1', '10.1.1.1'] })).toBe(true);
    expect(m({ ips: [] })).toBe(false);
    const any = matcher("selection:\n    caps: '*'\ncondition: selection");
    expect(any({ caps: { add: ['NET_ADMIN'] } })).toBe(true);
    expect(any({ caps: null })).toBe(false);
    expect(any({})).toBe(false);
  });

  it('reads nested paths, through arrays, and literal dotted keys', () => {
    const m = matcher('selection:\n    a.b.c: x\ncondition: selection');
    expect(m({ a: { b: { c: 'x' } } })).toBe(true);
    expect(m({ 'a.b.c': 'x' })).toBe(true);
    expect(m({ a: { 'b.c': 'x' } })).toBe(true);
    expect(m({ a: [{ b: { c: 'y' } }, { b: { c: 'X' } }] })).toBe(true);
    expect(m({ a: { b: 'x' } })).toBe(false);
    expect(m({ constructor: 'x' })).toBe(false);
  });

  it('ORs list values and lists of maps, ANDs map keys', () => {
    const m = matcher('selection:\n    - a: 1\n      b: [2, 3]\n    - c: 4\ncondition: selection');
    expect(m({ a: 1, b: 3 })).toBe(true);
    expect(m({ a: 1, b: 4 })).toBe(false);
    expect(m({ c: '4' })).toBe(true);
  });
});

describe('modifiers', () => {
  it('contains, startswith, endswith with inner wildcards', () => {
    expect(matcher("s:\n    f|contains: 'a*c'\ncondition: s")({ f: 'xxabbcxx' })).toBe(true);
    expect(matcher("s:\n    f|startswith: 'ab'\ncondition: s")({ f: 'ABc' })).toBe(true);
    expect(matcher("s:\n    f|startswith: 'ab'\ncondition: s")({ f: 'cab' })).toBe(false);
    expect(matcher("s:\n    f|endswith: '.exe'\ncondition: s")({ f: 'X.EXE' })).toBe(true);
  });

  it('all: every value must match', () => {
    const m = matcher('s:\n    f|contains|all: [a, b]\ncondition: s');
    expect(m({ f: 'ab' })).toBe(true);
    expect(m({ f: 'a' })).toBe(false);
    expect(loadError('s:\n    f|contains|all: a\ncondition: s')).toContain("'all' needs a list");
  });

  it('cased', () => {
    const m = matcher('s:\n    f|cased: Evil\ncondition: s');
    expect(m({ f: 'Evil' })).toBe(true);
    expect(m({ f: 'evil' })).toBe(false);
  });

  it('exists (true, false, and YAML 1.1 yes/no)', () => {
    expect(matcher('s:\n    f|exists: true\ncondition: s')({ f: null })).toBe(true);
    expect(matcher('s:\n    f|exists: no\ncondition: s')({ g: 1 })).toBe(true);
    expect(matcher('s:\n    f|exists: false\ncondition: s')({ f: '' })).toBe(false);
    expect(loadError("s:\n    f|exists: 'true'\ncondition: s")).toContain("'exists' takes true or false");
  });

  it('windash: every dash-like character is interchangeable', () => {
    const m = matcher("s:\n    f|windash|contains: ' -enc '\ncondition: s");
    for (const dash of ['-', '/', '\u2013', '\u2014', '\u2015'])
      expect(m({ f: `ps ${dash}enc x` })).toBe(true);
    expect(m({ f: 'ps +enc x' })).toBe(false);
  });

  it('base64, base64offset (pySigma offsets), utf16 family', () => {
    expect(base64Offsets(Buffer.from('foobar'))).toEqual(['Zm9vYmFy', 'Zvb2Jhc', 'mb29iYX']);
    const le = matcher("s:\n    f|utf16le|base64: 'cmd'\ncondition: s");
    expect(le({ f: Buffer.from('cmd', 'utf16le').toString('base64') })).toBe(true);
    const be = matcher("s:\n    f|utf16be|base64: 'cmd'\ncondition: s");
    expect(be({ f: Buffer.from([0, 0x63, 0, 0x6d, 0, 0x64]).toString('base64') })).toBe(true);
    const bom = matcher("s:\n    f|utf16|base64: 'cmd'\ncondition: s");
    expect(bom({ f: Buffer.from([0xff, 0xfe, 0x63, 0, 0x6d, 0, 0x64, 0]).toString('base64') })).toBe(true);
    // Base64 text is case-sensitive.
    expect(matcher("s:\n    f|base64: 'foobar'\ncondition: s")({ f: 'ZM9VYMFY' })).toBe(false);
    expect(loadError("s:\n    f|contains|base64: 'a'\ncondition: s")).toContain(
      'cannot encode a value with wildcards',
    );
  });

  it('re with i, m, s sub-modifiers', () => {
    expect(matcher("s:\n    f|re: '^a.b$'\ncondition: s")({ f: 'a\nb' })).toBe(false);
    expect(matcher("s:\n    f|re|s: '^a.b$'\ncondition: s")({ f: 'a\nb' })).toBe(true);
    expect(matcher("s:\n    f|re|m: '^b$'\ncondition: s")({ f: 'a\nb' })).toBe(true);
    expect(matcher("s:\n    f|re|i: 'AB'\ncondition: s")({ f: 'xaby' })).toBe(true);
    expect(loadError("s:\n    f|re: '(a)\\1'\ncondition: s")).toContain('backreferences are not supported');
    expect(loadError("s:\n    f|i: 'a'\ncondition: s")).toContain("sub-modifier of 're'");
    expect(loadError("s:\n    f|re|contains: 'a'\ncondition: s")).toContain('cannot be combined');
  });

  it('lt, lte, gt, gte on numbers and numeric strings', () => {
    const m = matcher('s:\n    n|gt: 10\n    m|lte: 2.5\ncondition: s');
    expect(m({ n: 11, m: 2.5 })).toBe(true);
    expect(m({ n: ' 11 ', m: '1e0' })).toBe(true);
    expect(m({ n: 10, m: 1 })).toBe(false);
    expect(m({ n: 'eleven', m: 1 })).toBe(false);
    expect(loadError("s:\n    n|lt: 'x'\ncondition: s")).toContain('needs a number');
    expect(loadError('s:\n    n|lt|gt: 1\ncondition: s')).toContain('only one comparison');
  });

  it('neq: the item is negated (a missing field satisfies it)', () => {
    const m = matcher("s:\n    f|neq: 'Yes'\ncondition: s");
    expect(m({ f: 'No' })).toBe(true);
    expect(m({ f: 'yes' })).toBe(false);
    expect(m({})).toBe(true);
    expect(matcher('s:\n    n|neq: 5\ncondition: s')({ n: 5 })).toBe(false);
  });

  it('cidr for IPv4 and IPv6, strict at load time', () => {
    const m = matcher("s:\n    ip|cidr: ['10.0.0.0/8', '192.168.1.0/24', 'fc00::/7', '::1']\ncondition: s");
    expect(m({ ip: '10.200.3.4' })).toBe(true);
    expect(m({ ip: '192.168.2.1' })).toBe(false);
    expect(m({ ip: 'fd12:3456::1' })).toBe(true);
    expect(m({ ip: '::1' })).toBe(true);
    expect(m({ ip: '::ffff:10.1.2.3' })).toBe(true); // IPv4-mapped
    expect(m({ ip: 'fe80::1%eth0' })).toBe(false);
    expect(m({ ip: 'not an ip' })).toBe(false);
    expect(loadError("s:\n    ip|cidr: '10.0.0.1/8'\ncondition: s")).toContain('host bits');
    expect(loadError("s:\n    ip|cidr: '10.0.0.0/33'\ncondition: s")).toContain('prefix length');
    expect(loadError("s:\n    ip|cidr: '300.0.0.0/8'\ncondition: s")).toContain('not an IP address');
  });

  it('expand with configured placeholders; unresolved ones reject the rule', () => {
    const m = matcher("s:\n    host|expand: '%Servers%'\ncondition: s", {
      placeholders: { Servers: ['srv*', 'db1'] },
    });
    expect(m({ host: 'SRV-01' })).toBe(true);
    expect(m({ host: 'db1' })).toBe(true);
    expect(m({ host: 'ws1' })).toBe(false);
    expect(loadError("s:\n    host|expand: '%Servers%'\ncondition: s")).toContain(
      'unresolved placeholder %Servers%',
    );
  });

  it('the detector can re-bind placeholder values', () => {
    const m = matcher("s:\n    host|expand: '%Servers%'\ncondition: s", {
      placeholders: { Servers: 'a' },
    });
    expect(m({ host: 'a' })).toBe(true);
  });

  it('fieldref compares two fields of the event', () => {
    const m = matcher('s:\n    src|fieldref: dst\ncondition: s');
    expect(m({ src: 'A', dst: 'a' })).toBe(true);
    expect(m({ src: 'a', dst: 'b' })).toBe(false);
    expect(m({ src: 'a' })).toBe(false);
    const ends = matcher('s:\n    arn|fieldref|endswith: user\ncondition: s');
    expect(ends({ arn: 'arn:aws:iam::1:user/alice', user: 'alice' })).toBe(true);
  });

  it('time part modifiers, alone or with a comparison', () => {
    const m = matcher('s:\n    ts|hour|gte: 22\ncondition: s');
    expect(m({ ts: '2024-05-01T23:10:00Z' })).toBe(true);
    expect(m({ ts: '2024-05-01T08:10:00Z' })).toBe(false);
    expect(matcher('s:\n    ts|month: 5\ncondition: s')({ ts: '2024-05-01T08:10:00Z' })).toBe(true);
    expect(matcher('s:\n    ts|week: 1\ncondition: s')({ ts: '2021-01-04T00:00:00Z' })).toBe(true);
  });

  it('rejects unknown and repeated modifiers', () => {
    expect(loadError("s:\n    f|containz: 'x'\ncondition: s")).toMatch(
      /line \d+: unknown modifier 'containz'/,
    );
    expect(loadError("s:\n    f|contains|contains: 'x'\ncondition: s")).toContain('repeated');
    expect(loadError("s:\n    f|contains|endswith: 'x'\ncondition: s")).toContain('only one of contains');
  });
});

describe('keywords (spec "Keywords search")', () => {
  it('search message and event.original, case-insensitive substring', () => {
    const m = matcher("keywords:\n    - 'Corrupted MAC'\n    - 'bad * value'\ncondition: keywords");
    expect(m({ message: 'fatal: corrupted mac on input' })).toBe(true);
    expect(m({ event: { original: 'got a bad DH value' } })).toBe(true);
    // The log message is what is searched when the event has one.
    expect(m({ message: 'fine', event: { original: 'fine' }, other: 'Corrupted MAC' })).toBe(false);
  });

  it('search every value of an event without a log message, numbers by their JSON spelling', () => {
    const m = matcher("keywords:\n    - 'authentication failure'\n    - '4625'\ncondition: keywords");
    expect(m({ a: { b: ['x', 'pam: Authentication failure; user=x'] } })).toBe(true);
    expect(m({ EventID: 4625 })).toBe(true);
    expect(m({ a: 1, b: true })).toBe(false);
  });

  it("'|all' needs every keyword", () => {
    const m = matcher("keywords:\n    '|all':\n        - pkexec\n        - XAUTHORITY\ncondition: keywords");
    expect(m({ message: 'pkexec: XAUTHORITY suspicious' })).toBe(true);
    expect(m({ message: 'pkexec only' })).toBe(false);
  });
});
