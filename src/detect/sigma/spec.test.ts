// The Sigma specification, feature by feature (sigma-rules-specification.md v2.0,
// sigma-appendix-modifiers.md v2.1, sigma-correlation-rules-specification.md v2.0, filters v2.0):
// each case states what the spec says and checks the engine does it on rules and events of its own.

import { describe, expect, it } from 'vitest';
import { createDetector } from './engine.js';
import { loadRules } from './loader.js';
import { loadError, matcher } from './test-support.js';
import type { Alert } from './types.js';

const rule = (body: string) => matcher(`${body}\ncondition: s`);

describe('values (spec "General", "String Wildcard", "Escaping", "Special Field Values")', () => {
  it('compare case-insensitively by default, with * and ? wildcards', () => {
    const m = rule("s:\n    f: 'Evil*.e?e'");
    expect(m({ f: 'EVILtool.EXE' })).toBe(true);
    expect(m({ f: 'eviltool.exxe' })).toBe(false);
    expect(m({ f: 'xevil.exe' })).toBe(false);
  });

  it('keep escaped wildcards and a lone backslash before other characters literal', () => {
    const m = rule("s:\n    a: 'x\\*y\\?z'\n    b: 'C:\\Users\\a.b'\n    c: 'end\\'");
    expect(m({ a: 'x*y?z', b: 'C:\\Users\\a.b', c: 'end\\' })).toBe(true);
    expect(m({ a: 'xAyBz', b: 'C:\\Users\\a.b', c: 'end\\' })).toBe(false);
  });

  it('match a number with its number or string form, a quoted number with a number', () => {
    const m = rule("s:\n    EventID: 4624\n    Code: '4625'");
    expect(m({ EventID: 4624, Code: 4625 })).toBe(true);
    expect(m({ EventID: '4624', Code: '4625' })).toBe(true);
    expect(m({ EventID: 4624, Code: 46250 })).toBe(false);
  });

  it('match false with false only', () => {
    const m = rule('s:\n    Flag: false');
    expect(m({ Flag: false })).toBe(true);
    expect(m({ Flag: 'False' })).toBe(true);
    expect(m({ Flag: true })).toBe(false);
    expect(m({})).toBe(false);
  });

  it("'' is the empty value, not a missing one; null is a missing or null one", () => {
    const m = rule("s:\n    a: ''\n    b: null");
    expect(m({ a: '' })).toBe(true);
    expect(m({ a: '', b: null })).toBe(true);
    expect(m({ a: '', b: 'x' })).toBe(false);
    expect(m({ b: null })).toBe(false);
  });

  it('OR the values of a list, AND them with all, and refuse all on a single value', () => {
    const m = rule('s:\n    f|contains: [one, two]');
    expect(m({ f: 'xtwo' })).toBe(true);
    expect(m({ f: 'three' })).toBe(false);
    const all = rule('s:\n    f|contains|all: [one, two]');
    expect(all({ f: 'two one' })).toBe(true);
    expect(all({ f: 'two' })).toBe(false);
    expect(loadError('s:\n    f|all: [one]\ncondition: s')).toContain("'all' needs a list");
  });
});

describe('modifiers (sigma-appendix-modifiers.md)', () => {
  it('base64offset|contains finds the value at each of the three byte offsets', () => {
    const m = rule("s:\n    f|base64offset|contains: 'whoami'");
    for (const prefix of ['', 'a', 'ab', 'abc', 'abcd'])
      for (const suffix of ['', 'z', 'zz'])
        expect(m({ f: Buffer.from(`${prefix}whoami${suffix}`).toString('base64') })).toBe(true);
    expect(m({ f: Buffer.from('who ami').toString('base64') })).toBe(false);
  });

  it('utf16le, utf16be, utf16 and wide combine with base64offset', () => {
    for (const [mod, encode] of [
      ['utf16le', (s: string) => Buffer.from(s, 'utf16le')],
      ['wide', (s: string) => Buffer.from(s, 'utf16le')],
      ['utf16be', (s: string) => Buffer.from(s, 'utf16le').swap16()],
    ] as const) {
      const m = rule(`s:\n    f|${mod}|base64offset|contains: 'Invoke-'`);
      for (const prefix of ['', 'x', 'xy'])
        expect(m({ f: encode(`${prefix}Invoke-Expression`).toString('base64') }), `${mod} ${prefix}`).toBe(
          true,
        );
      expect(m({ f: Buffer.from('Invoke-Expression').toString('base64') }), mod).toBe(false);
    }
  });

  it('windash makes - / – — ― interchangeable, wherever the rule has one', () => {
    const m = rule("s:\n    f|windash: '/c'");
    for (const dash of ['-', '/', '\u2013', '\u2014', '\u2015']) expect(m({ f: `${dash}c` })).toBe(true);
    expect(m({ f: '\\c' })).toBe(false);
  });

  it('re is case-sensitive and unanchored; i, m, s combine', () => {
    expect(rule("s:\n    f|re: 'b.d'")({ f: 'aBcDe' })).toBe(false);
    expect(rule("s:\n    f|re|i: 'b.d'")({ f: 'aBcDe' })).toBe(true);
    const ims = rule("s:\n    f|re|i|m|s: '^B.D$'");
    expect(ims({ f: 'a\nb\nd\nx' })).toBe(true);
    expect(rule("s:\n    f|re|m: '^B.D$'")({ f: 'a\nb\nd\nx' })).toBe(false);
  });

  it('cidr: IPv4 and IPv6 networks; anything else in the event never matches', () => {
    const m = rule("s:\n    ip|cidr: ['192.168.0.0/16', '2001:db8::/32']");
    expect(m({ ip: '192.168.10.1' })).toBe(true);
    expect(m({ ip: '2001:DB8:0:0::1' })).toBe(true);
    expect(m({ ip: '2001:db9::1' })).toBe(false);
    for (const ip of ['192.168.1', '192.168.1.1.1', '192.168.1.300', '', 'abc', 3232235777, null])
      expect(m({ ip }), String(ip)).toBe(false);
  });

  it('exists checks presence only, whatever the value', () => {
    const yes = rule('s:\n    f|exists: true');
    const no = rule('s:\n    f|exists: false');
    for (const f of ['', null, 0, false, [], {}]) {
      expect(yes({ f }), JSON.stringify(f)).toBe(true);
      expect(no({ f }), JSON.stringify(f)).toBe(false);
    }
    expect(yes({})).toBe(false);
    expect(no({})).toBe(true);
  });

  it('fieldref, alone, with a wildcard modifier, and with neq (v2.1)', () => {
    const eq = rule('s:\n    a|fieldref: b');
    expect(eq({ a: 'X', b: 'x' })).toBe(true);
    expect(eq({ a: 1, b: '1' })).toBe(true);
    const starts = rule('s:\n    a|fieldref|startswith: b');
    expect(starts({ a: 'admin-bob', b: 'ADMIN' })).toBe(true);
    expect(starts({ a: 'bob-admin', b: 'admin' })).toBe(false);
    const differs = rule('s:\n    a|fieldref|neq: b');
    expect(differs({ a: 'x', b: 'y' })).toBe(true);
    expect(differs({ a: 'x', b: 'X' })).toBe(false);
  });

  it('gt, gte, lt, lte on numbers and numeric strings; others never match', () => {
    const m = rule('s:\n    n|gte: -1.5');
    expect(m({ n: -1.5 })).toBe(true);
    expect(m({ n: '0' })).toBe(true);
    expect(m({ n: -2 })).toBe(false);
    for (const n of ['', 'abc', true, null, {}]) expect(m({ n }), JSON.stringify(n)).toBe(false);
    expect(rule('s:\n    n|lt: 3')({ n: [9, 2] })).toBe(true);
  });

  it('time parts of the date in UTC: minute, hour, day, week, month, year', () => {
    const ts = '2024-12-30T23:59:10Z'; // a Monday of ISO week 1 of 2025
    const parts: Array<[string, number]> = [
      ['minute', 59],
      ['hour', 23],
      ['day', 30],
      ['week', 1],
      ['month', 12],
      ['year', 2024],
    ];
    for (const [part, value] of parts) {
      expect(rule(`s:\n    ts|${part}: ${value}`)({ ts }), part).toBe(true);
      expect(rule(`s:\n    ts|${part}: ${value + 1}`)({ ts }), part).toBe(false);
    }
    // Stele's event time is UTC: a value with an offset is read in UTC (docs/detection.md).
    expect(rule('s:\n    ts|hour: 21')({ ts: '2024-05-01T23:10:00+02:00' })).toBe(true);
  });

  it('expand replaces placeholders by configured values; an unknown one rejects the rule', () => {
    const m = matcher("s:\n    user|expand: '%Administrators%'\ncondition: s", {
      placeholders: { Administrators: ['root', 'adm_*'] },
    });
    expect(m({ user: 'ADM_bob' })).toBe(true);
    expect(m({ user: 'bob' })).toBe(false);
    expect(loadError("s:\n    user|expand: '%Nobody%'\ncondition: s")).toContain('%Nobody%');
    // Without expand, %name% is a literal value.
    expect(rule("s:\n    user: '%Administrators%'")({ user: '%administrators%' })).toBe(true);
  });
});

describe('conditions (spec "Condition")', () => {
  const m = matcher(
    [
      'selection_a:\n    a: 1',
      'selection_b:\n    b: 1',
      'filter:\n    c: 1',
      '_helper:\n    d: 1',
      'condition: selection_a or selection_b and not filter',
    ].join('\n'),
  );

  it('not binds tighter than and, and than or', () => {
    expect(m({ a: 1, c: 1 })).toBe(true);
    expect(m({ b: 1, c: 1 })).toBe(false);
    expect(m({ b: 1 })).toBe(true);
  });

  it('parentheses, 1 of / all of a pattern, them without _ identifiers', () => {
    const sels = 'selection_a:\n    a: 1\nselection_b:\n    b: 1\n_helper:\n    d: 1\n';
    expect(matcher(`${sels}condition: (selection_a or selection_b) and not _helper`)({ b: 1, d: 1 })).toBe(
      false,
    );
    expect(matcher(`${sels}condition: all of selection_*`)({ a: 1 })).toBe(false);
    expect(matcher(`${sels}condition: all of selection_*`)({ a: 1, b: 1 })).toBe(true);
    expect(matcher(`${sels}condition: all of them`)({ a: 1, b: 1 })).toBe(true);
    expect(matcher(`${sels}condition: 1 of them`)({ d: 1 })).toBe(false);
  });

  it('keywords as a list and as a map with |all; a list of maps is an OR of ANDs', () => {
    const k = matcher("keywords:\n    - 'evil'\n    - 'bad thing'\ncondition: keywords");
    expect(k({ message: 'an EVIL line' })).toBe(true);
    expect(k({ message: 'good' })).toBe(false);
    const lm = matcher('s:\n    - a: 1\n      b: 2\n    - c: 3\ncondition: s');
    expect(lm({ a: 1, b: 2 })).toBe(true);
    expect(lm({ a: 1 })).toBe(false);
    expect(lm({ c: 3 })).toBe(true);
  });
});

describe('fields (spec "Field Usage")', () => {
  it('dotted names reach nested objects and flat dotted keys; any array element matches', () => {
    const m = rule("s:\n    process.args: '-e'");
    expect(m({ process: { args: ['x', '-E'] } })).toBe(true);
    expect(m({ 'process.args': '-e' })).toBe(true);
    expect(m({ process: [{ args: 'y' }, { args: ['-e'] }] })).toBe(true);
    expect(m({ process: { args: ['x'] } })).toBe(false);
  });
});

// --- correlations ---------------------------------------------------------------------------------

/** Two detection rules by name (`failed` also by id), each matching one `outcome`. */
const outcomeRule = (name: string, outcome: string, id = '') =>
  `title: ${name}\nname: ${name}\n${id === '' ? '' : `id: ${id}\n`}` +
  `logsource: {product: test}\ndetection: {s: {outcome: ${outcome}}, condition: s}\n`;
const BASE = `${outcomeRule('failed', 'failure', '11111111-2222-4333-8444-555555555555')}---\n${outcomeRule('ok', 'success')}`;

function correlate(correlations: string, events: object[]): Alert[] {
  const loaded = loadRules([{ path: 'c.yml', text: `${correlations}\n---\n${BASE}` }]);
  expect(loaded.errors).toEqual([]);
  const detector = createDetector({ rules: loaded.rules });
  return events.flatMap((e, i) => detector.process(e, i));
}

const at = (seconds: number, extra: object) => ({
  '@timestamp': new Date(Date.UTC(2024, 0, 1) + seconds * 1000).toISOString(),
  ...extra,
});

const firing = (alerts: Alert[], title: string) =>
  alerts.filter((a) => a.rule.title === title).map((a) => a.event_index);

describe('correlations (sigma-correlation-rules-specification.md)', () => {
  it('timespan units s, m, h, d', () => {
    for (const [span, seconds] of [
      ['30s', 30],
      ['2m', 120],
      ['1h', 3600],
      ['1d', 86400],
    ] as const) {
      const c = `title: c\ncorrelation:\n    type: event_count\n    rules: [failed]\n    group-by: [user]\n    timespan: ${span}\n    condition:\n        gte: 2`;
      const inside = [
        at(0, { outcome: 'failure', user: 'u' }),
        at(seconds - 1, { outcome: 'failure', user: 'u' }),
      ];
      const outside = [
        at(0, { outcome: 'failure', user: 'u' }),
        at(seconds + 1, { outcome: 'failure', user: 'u' }),
      ];
      expect(firing(correlate(c, inside), 'c'), span).toEqual([1]);
      expect(firing(correlate(c, outside), 'c'), span).toEqual([]);
    }
  });

  it('condition operators eq, gt, lte and ranges', () => {
    const events = [0, 1, 2, 3].map((s) => at(s, { outcome: 'failure', user: 'u' }));
    const c = (cond: string) =>
      `title: c\ncorrelation:\n    type: event_count\n    rules: [failed]\n    group-by: [user]\n    timespan: 1m\n    condition:\n${cond}`;
    expect(firing(correlate(c('        eq: 3'), events), 'c')).toEqual([2]);
    // A group that fires starts afresh: events 2 and 3 make a new window of two.
    expect(firing(correlate(c('        gt: 1\n        lte: 2'), events), 'c')).toEqual([1, 3]);
    expect(firing(correlate(c('        gt: 4'), events), 'c')).toEqual([]);
  });

  it('rules referenced by id; generate: true lets them alert too', () => {
    const c = `title: c\ncorrelation:\n    type: event_count\n    rules: [11111111-2222-4333-8444-555555555555]\n    group-by: [user]\n    timespan: 1m\n    generate: true\n    condition:\n        gte: 2`;
    const alerts = correlate(c, [
      at(0, { outcome: 'failure', user: 'u' }),
      at(1, { outcome: 'failure', user: 'u' }),
    ]);
    expect(firing(alerts, 'c')).toEqual([1]);
    expect(firing(alerts, 'failed')).toEqual([0, 1]);
  });

  it('value_count counts distinct values per group', () => {
    const c = `title: c\ncorrelation:\n    type: value_count\n    rules: [failed]\n    group-by: [ip]\n    timespan: 1m\n    condition:\n        field: user\n        gte: 3`;
    const users = ['a', 'b', 'a', 'c'];
    const alerts = correlate(
      c,
      users.map((user, i) => at(i, { outcome: 'failure', ip: '1.2.3.4', user })),
    );
    expect(firing(alerts, 'c')).toEqual([3]);
  });

  it('temporal_ordered needs the rules in order; a correlation of a correlation', () => {
    const c = `title: many
name: many
correlation:
    type: event_count
    rules: [failed]
    group-by: [user]
    timespan: 1m
    condition:
        gte: 2
---
title: then ok
correlation:
    type: temporal_ordered
    rules: [many, ok]
    group-by: [user]
    timespan: 5m`;
    const good = [0, 1].map((s) => at(s, { outcome: 'failure', user: 'u' }));
    expect(firing(correlate(c, [...good, at(2, { outcome: 'success', user: 'u' })]), 'then ok')).toEqual([2]);
    expect(
      firing(
        correlate(c, [
          at(0, { outcome: 'success', user: 'u' }),
          ...good.map((e, i) => ({ ...e, '@timestamp': at(i + 1, {})['@timestamp'] })),
        ]),
        'then ok',
      ),
    ).toEqual([]);
  });

  it('aliases give each rule its own group-by field', () => {
    const c = `title: c\ncorrelation:\n    type: temporal\n    rules: [failed, ok]\n    group-by: [person]\n    timespan: 1m\n    aliases:\n        person:\n            failed: user\n            ok: target`;
    const alerts = correlate(c, [
      at(0, { outcome: 'failure', user: 'u' }),
      at(1, { outcome: 'success', target: 'u' }),
    ]);
    expect(alerts.filter((a) => a.rule.title === 'c').map((a) => a.group)).toEqual([{ person: 'u' }]);
  });
});

describe('filters (sigma-filters-specification.md)', () => {
  // "refers to one or multiple Sigma rules where to add the filter"; the logsource, selection and
  // condition as in a rule. pySigma adds it as `(rule condition) and (filter condition)`.
  const filter = (rules: string, logsource = 'product: test') =>
    `title: not admins\nlogsource:\n    ${logsource}\nfilter:\n    rules: ${rules}\n    selection:\n        user|startswith: adm_\n    condition: not selection\n`;
  const outcomes = (text: string) => {
    const loaded = loadRules([{ path: 'f.yml', text: `${text}---\n${BASE}` }]);
    const detector = createDetector({ rules: loaded.rules });
    const events = [
      { outcome: 'failure', user: 'adm_x' },
      { outcome: 'failure', user: 'bob' },
      { outcome: 'success', user: 'adm_x' },
    ];
    return {
      errors: loaded.errors,
      alerts: events.map((e, i) => detector.process(e, i).map((a) => a.rule.title)),
    };
  };

  it('ANDs its condition onto the rules it names, by id or name, where its logsource covers theirs', () => {
    for (const rules of ['[11111111-2222-4333-8444-555555555555]', 'failed']) {
      expect(outcomes(filter(rules))).toEqual({ errors: [], alerts: [[], ['failed'], ['ok']] });
    }
    const elsewhere = outcomes(filter('failed', 'product: other'));
    expect(elsewhere.alerts).toEqual([['failed'], ['failed'], ['ok']]);
  });
});
