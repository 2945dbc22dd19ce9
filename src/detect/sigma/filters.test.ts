// Sigma filters (sigma-filters-specification.md v2.0, pySigma's behaviour where the spec is silent):
// loaded from `filter:` documents, ANDed onto the rules they name, through the detector.

import { describe, expect, it } from 'vitest';
import { createDetector, type DetectorOptions } from './engine.js';
import { loadRules } from './loader.js';
import type { Alert, LoadResult } from './types.js';

const ID = '6f3e2987-db24-4c78-a860-b4f4095a7095';

/** Failed logins by anyone: the rule the filters below tune. */
const LOGIN = `title: failed login
id: ${ID}
name: failed_login
level: medium
logsource:
    product: linux
    service: sshd
detection:
    selection:
        event.action: ssh.login
        event.outcome: failure
    condition: selection
`;

/** A filter document; `body` is the `filter:` section, indented by 4. */
const filterDoc = (title: string, body: string, logsource = 'product: linux') =>
  `title: ${title}\nlogsource:\n    ${logsource}\nfilter:\n${body
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}\n`;

const NOT_ADMINS = filterDoc(
  'not the adm_ accounts',
  `rules:\n    - ${ID}\nselection:\n    user.name|startswith: adm_\ncondition: not selection`,
);

const login = (user: string, extra: object = {}) => ({
  event: { action: 'ssh.login', outcome: 'failure' },
  user: { name: user },
  ...extra,
});

function load(...docs: string[]): LoadResult {
  return loadRules(docs.map((text, i) => ({ path: `r${i}.yml`, text })));
}

/** Titles of the rules alerting on each event, per event. */
function run(loaded: LoadResult, events: object[], options: Omit<DetectorOptions, 'rules'> = {}) {
  const detector = createDetector({ ...options, rules: loaded.rules });
  return events.map((e, i) => detector.process(e, i).map((a: Alert) => a.rule.title));
}

const reasons = (loaded: LoadResult) => loaded.errors.map((e) => e.reason);

describe('applying a filter', () => {
  it('by id, listed: the excluded events no longer alert, the others still do', () => {
    const loaded = load(LOGIN, NOT_ADMINS);
    expect(loaded.errors).toEqual([]);
    expect(run(loaded, [login('adm_root'), login('alice'), login('ADM_x')])).toEqual([
      [],
      ['failed login'],
      [], // values compare case-insensitively in the filter as in rules
    ]);
  });

  it('by name, as a single string', () => {
    const byName = filterDoc(
      'not bob',
      'rules: failed_login\nselection:\n    user.name: bob\ncondition: not selection',
    );
    const unnamed = LOGIN.replace(/title: .*\nid: .*\nname: .*\n/, 'title: unnamed\n');
    const loaded = load(LOGIN, unnamed, byName);
    expect(loaded.errors).toEqual([]);
    expect(run(loaded, [login('bob'), login('alice')])).toEqual([['unnamed'], ['failed login', 'unnamed']]);
  });

  it('a filter in another file, before the rule, applies the same', () => {
    const loaded = load(NOT_ADMINS, LOGIN);
    expect(run(loaded, [login('adm_root'), login('alice')])).toEqual([[], ['failed login']]);
  });

  it('several filters on one rule: each exclusion holds', () => {
    const notBastion = filterDoc(
      'not from the bastion',
      `rules: [${ID}]\nfrom_bastion:\n    source.ip: 10.0.0.5\ncondition: not from_bastion`,
    );
    const loaded = load(LOGIN, NOT_ADMINS, notBastion);
    expect(loaded.errors).toEqual([]);
    expect(loaded.filters.map((f) => f.title)).toEqual(['not the adm_ accounts', 'not from the bastion']);
    expect(
      run(loaded, [
        login('adm_root'),
        login('alice', { source: { ip: '10.0.0.5' } }),
        login('alice', { source: { ip: '10.0.0.6' } }),
      ]),
    ).toEqual([[], [], ['failed login']]);
  });

  it('one filter on several rules, and only on those it names', () => {
    const other = `title: other\nname: other\nlogsource: {product: linux, service: sshd}\ndetection: {s: {event.action: ssh.login}, condition: s}\n`;
    const untouched = `title: untouched\nlogsource: {product: linux, service: sshd}\ndetection: {s: {event.action: ssh.login}, condition: s}\n`;
    const filter = filterDoc(
      'not adm',
      `rules: [${ID}, other]\nselection:\n    user.name|startswith: adm_\ncondition: not selection`,
    );
    const loaded = load(LOGIN, other, untouched, filter);
    expect(loaded.errors).toEqual([]);
    expect(run(loaded, [login('adm_1'), login('bob')])).toEqual([
      ['untouched'],
      ['failed login', 'other', 'untouched'],
    ]);
  });

  it('the filter condition is ANDed as written: `not` excludes, a bare selection keeps only its matches', () => {
    const keepOnly = filterDoc(
      'only production hosts',
      `rules: ${ID}\nprod:\n    host.name|startswith: prod-\ncondition: prod`,
    );
    const both = filterDoc(
      'not a scanner from the lab',
      `rules: ${ID}\nscanner:\n    user.name: scan\nlab:\n    source.ip|cidr: 10.9.0.0/16\ncondition: not (scanner and lab)`,
    );
    const keep = load(LOGIN, keepOnly);
    expect(
      run(keep, [login('a', { host: { name: 'prod-1' } }), login('a', { host: { name: 'dev-1' } })]),
    ).toEqual([['failed login'], []]);
    const notBoth = load(LOGIN, both);
    expect(
      run(notBoth, [
        login('scan', { source: { ip: '10.9.1.1' } }),
        login('scan', { source: { ip: '10.8.1.1' } }),
        login('eve', { source: { ip: '10.9.1.1' } }),
      ]),
    ).toEqual([[], ['failed login'], ['failed login']]);
  });

  it("the filter's selection names never read the rule's, nor the rule's the filter's", () => {
    // Both call their search `selection`; mixing them up would either drop every login (the filter
    // reading the rule's selection) or let admin logins through (reading its own twice).
    const loaded = load(LOGIN, NOT_ADMINS);
    expect(run(loaded, [login('adm_1'), login('carol'), { user: { name: 'carol' } }])).toEqual([
      [],
      ['failed login'],
      [],
    ]);
    const rule = loaded.rules[0];
    expect(rule?.kind === 'detection' && Object.keys(rule.searches)).toEqual([
      'selection',
      expect.stringMatching(/^selection@/),
    ]);
  });

  it('a rule condition that is a list is filtered in every branch', () => {
    const twoConditions = `title: two\nid: 22222222-0000-4000-8000-000000000002\nlogsource: {product: linux}\ndetection:\n    a: {x: 1}\n    b: {y: 1}\n    condition:\n        - a\n        - b\n`;
    const filter = filterDoc(
      'not z',
      'rules: 22222222-0000-4000-8000-000000000002\nz:\n    z: 1\ncondition: not z',
    );
    const loaded = load(twoConditions, filter);
    expect(run(loaded, [{ x: 1, z: 1 }, { y: 1, z: 1 }, { y: 1 }])).toEqual([[], [], ['two']]);
  });

  it("`expand` placeholders in a filter are re-bound by the detector like the rule's", () => {
    const filter = filterDoc(
      'not the admins',
      `rules: ${ID}\nadmins:\n    user.name|expand: '%admins%'\ncondition: not admins`,
    );
    const loaded = loadRules(
      [
        { path: 'r.yml', text: LOGIN },
        { path: 'f.yml', text: filter },
      ],
      { placeholders: { admins: 'root' } },
    );
    expect(loaded.errors).toEqual([]);
    expect(run(loaded, [login('root'), login('ops')])).toEqual([[], ['failed login']]);
    expect(run(loaded, [login('root'), login('ops')], { placeholders: { admins: ['ops'] } })).toEqual([
      ['failed login'],
      [],
    ]);
  });
});

describe('logsource', () => {
  it('a filter whose logsource does not cover the rule is not applied to it, and says so', () => {
    const aws = filterDoc(
      'cloudtrail filter',
      `rules: ${ID}\nselection:\n    user.name: adm_root\ncondition: not selection`,
      'product: aws',
    );
    const loaded = load(LOGIN, aws);
    expect(run(loaded, [login('adm_root')])).toEqual([['failed login']]);
    expect(loaded.errors).toEqual([
      {
        path: 'r1.yml',
        title: 'cloudtrail filter',
        reason: `filter not applied to '${ID}': its logsource {product: linux, service: sshd} is not within the filter's {product: aws}`,
      },
    ]);
  });

  it('a filter more specific than the rule does not cover it (pySigma containment)', () => {
    const specific = filterDoc(
      'sshd on prod',
      `rules: ${ID}\nselection:\n    user.name: x\ncondition: not selection`,
      'product: linux\n    service: sshd\n    category: authentication',
    );
    const loaded = load(LOGIN, specific);
    expect(run(loaded, [login('x')])).toEqual([['failed login']]);
    expect(reasons(loaded)).toEqual([expect.stringContaining('is not within the filter')]);
  });

  it('`rules: any` applies to every detection rule the logsource covers, silently skipping the rest', () => {
    const auditd = `title: exec\nlogsource: {product: linux, service: auditd}\ndetection: {s: {type: EXECVE}, condition: s}\n`;
    const win = `title: win\nlogsource: {product: windows}\ndetection: {s: {type: EXECVE}, condition: s}\n`;
    const anyLinux = filterDoc(
      'no test hosts',
      'rules: any\nselection:\n    host.name: test\ncondition: not selection',
    );
    const loaded = load(LOGIN, auditd, win, anyLinux);
    expect(loaded.errors).toEqual([]);
    const host = { host: { name: 'test' } };
    expect(run(loaded, [login('a', host), { type: 'EXECVE', ...host }])).toEqual([[], ['win']]);
  });
});

describe('the prefilter and routing', () => {
  it('a filter never lets an excluded event through, and never hides a match, on routed events', () => {
    // The rule index picks one necessary condition per rule; with a positive filter condition the
    // filter's own selection may be picked. Either way the events below must come out right.
    const keep = filterDoc('keep port 22', `rules: ${ID}\nport:\n    destination.port: 22\ncondition: port`);
    const loaded = load(LOGIN, keep, NOT_ADMINS);
    const sshd = (user: string, port: number) =>
      login(user, {
        event: { action: 'ssh.login', outcome: 'failure', dataset: 'linux.auth' },
        destination: { port },
      });
    expect(
      run(loaded, [
        sshd('bob', 22),
        sshd('bob', 2222),
        sshd('adm_1', 22),
        { ...sshd('bob', 22), event: { action: 'ssh.login', outcome: 'failure', dataset: 'aws.cloudtrail' } },
      ]),
    ).toEqual([['failed login'], [], [], []]);
  });

  it("a `not` filter's selection is never taken as the rule's necessary condition", () => {
    // `host.name: scanner` is more selective than the keyword: indexing the rule on it would skip
    // every event from another host, which are exactly the ones the rule must still match.
    const keywords = `title: kw\nname: kw\nlogsource: {product: linux}\ndetection:\n    k:\n        - 'Invalid user'\n    condition: k\n`;
    const filter = filterDoc('not scanners', 'rules: kw\nscan:\n    host.name: scanner\ncondition: not scan');
    const loaded = load(keywords, filter);
    expect(
      run(loaded, [
        { message: 'Invalid user x', host: { name: 'web' } },
        { message: 'Invalid user x', host: { name: 'scanner' } },
        { message: 'Accepted password', host: { name: 'web' } },
        { message: 'Invalid user x', host: { name: 'web' }, event: { dataset: 'linux.auth' } },
      ]),
    ).toEqual([['kw'], [], [], ['kw']]);
  });
});

describe('correlations', () => {
  const brute = `title: brute force
correlation:
    type: event_count
    rules: [failed_login]
    group-by: [source.ip]
    timespan: 10m
    condition:
        gte: 3
`;
  const at = (s: number, user: string) =>
    login(user, { '@timestamp': `2024-01-01T00:00:0${s}Z`, source: { ip: '1.2.3.4' } });

  it('a correlation over a filtered rule counts only the matches the filter keeps', () => {
    const events = [at(1, 'adm_1'), at(2, 'adm_2'), at(3, 'bob'), at(4, 'adm_3'), at(5, 'eve'), at(6, 'joe')];
    const firing = (loaded: LoadResult) =>
      run(loaded, events).flatMap((titles, i) => (titles.includes('brute force') ? [i] : []));
    expect(firing(load(LOGIN, brute))).toEqual([2, 5]);
    const filtered = load(LOGIN, brute, NOT_ADMINS);
    expect(filtered.errors).toEqual([]);
    expect(firing(filtered)).toEqual([5]);
  });

  it('a filter naming a correlation is not applied to it, and says so', () => {
    const named = brute.replace('title: brute force', 'title: brute force\nname: brute');
    const filter = filterDoc('on the correlation', 'rules: brute\ns:\n    user.name: x\ncondition: not s');
    const loaded = load(LOGIN, named, filter);
    expect(reasons(loaded)).toEqual([
      expect.stringMatching(/^filter not applied to 'brute': it is a correlation/),
    ]);
  });

  it('a correlation naming a filter is rejected', () => {
    const named = NOT_ADMINS.replace('title: not the adm_ accounts', 'title: f\nname: not_adm');
    const loaded = load(LOGIN, named, brute.replace('[failed_login]', '[not_adm]'));
    expect(reasons(loaded)).toEqual(["references filter 'not_adm', which never matches on its own"]);
  });
});

describe('what a filter is not', () => {
  it('never a rule: it does not alert, and is listed apart from the rules', () => {
    const loaded = load(NOT_ADMINS);
    expect(loaded.rules).toEqual([]);
    expect(loaded.filters.map((f) => [f.kind, f.title, f.rules])).toEqual([
      ['filter', 'not the adm_ accounts', [ID]],
    ]);
    expect(run(loaded, [login('bob'), { user: { name: 'bob' } }])).toEqual([[], []]);
  });

  it('not merged with an `action: global` template, as in pySigma', () => {
    // Merged, the template's `detection` would make the filter a rule, and its logsource narrower.
    const collection = `action: global
logsource: {product: linux, service: sshd}
detection:
    condition: selection
---
title: failed login
id: ${ID}
detection:
    selection: {event.action: ssh.login, event.outcome: failure}
---
${NOT_ADMINS}`;
    const loaded = load(collection);
    expect(loaded.errors).toEqual([]);
    expect(loaded.filters[0]?.logsource).toEqual({ product: 'linux' });
    expect(run(loaded, [login('adm_1'), login('bob')])).toEqual([[], ['failed login']]);
  });
});

describe('references a filter cannot take', () => {
  it('an unknown rule is reported; the filter still applies to the rules it names that loaded', () => {
    const filter = filterDoc(
      'not adm',
      `rules: [nope, ${ID}]\nselection:\n    user.name|startswith: adm_\ncondition: not selection`,
    );
    const loaded = load(LOGIN, filter);
    expect(reasons(loaded)).toEqual(["filter not applied to 'nope': no such rule"]);
    expect(run(loaded, [login('adm_1'), login('bob')])).toEqual([[], ['failed login']]);
  });

  it('a rule that failed to load is reported as such', () => {
    const broken = `title: broken\nname: broken\nlogsource: {product: linux}\ndetection: {s: {a|nope: 1}, condition: s}\n`;
    const filter = filterDoc('f', 'rules: broken\ns:\n    a: 1\ncondition: not s');
    expect(reasons(load(broken, filter))).toEqual([
      expect.stringContaining("unknown modifier 'nope'"),
      "filter not applied to 'broken': that rule failed to load",
    ]);
  });

  it("a filter whose id is a rule's is not applied, and the rule keeps loading", () => {
    const clash = NOT_ADMINS.replace('title: not the adm_ accounts', `title: clash\nid: ${ID}`);
    const loaded = load(LOGIN, clash);
    expect(loaded.rules.map((r) => r.title)).toEqual(['failed login']);
    expect(loaded.filters).toEqual([]);
    expect(reasons(loaded)).toEqual([
      `id or name '${ID}' is already used by 'failed login' in r0.yml; the filter is not applied`,
    ]);
    expect(run(loaded, [login('adm_1')])).toEqual([['failed login']]);
  });
});

describe('malformed filter documents', () => {
  it.each([
    ['no rules', 'selection:\n    a: 1\ncondition: not selection', "line 5: 'filter.rules' is missing"],
    [
      'empty rules',
      'rules: []\nselection:\n    a: 1\ncondition: not selection',
      "line 5: 'filter.rules' is missing",
    ],
    ['no condition', 'rules: x\nselection:\n    a: 1', "line 5: 'filter.condition' is missing"],
    [
      'a condition list',
      'rules: x\nselection:\n    a: 1\ncondition:\n    - selection\n    - not selection',
      "line 9: 'filter.condition' must be one condition, not a list",
    ],
    [
      'no selection',
      'rules: x\ncondition: not selection',
      "line 6: condition 'not selection': unknown identifier 'selection'",
    ],
    [
      "a rule's selection",
      'rules: x\ns:\n    a: 1\ncondition: not selection',
      "line 8: condition 'not selection': unknown identifier 'selection'",
    ],
    [
      'a bad modifier',
      'rules: x\ns:\n    a|nope: 1\ncondition: not s',
      "line 7: unknown modifier 'nope' in 'a|nope'",
    ],
    [
      'rules as a map',
      'rules:\n    a: 1\ns:\n    a: 1\ncondition: not s',
      "line 6: 'filter.rules' must be a list",
    ],
  ])('%s', (_, body, reason) => {
    const loaded = load(filterDoc('bad', body));
    expect(loaded.filters).toEqual([]);
    expect(loaded.errors).toEqual([
      { path: 'r0.yml', title: 'bad', reason: expect.stringContaining(reason) },
    ]);
  });

  it.each([
    [
      'no logsource',
      'title: f\nfilter:\n    rules: x\n    s: {a: 1}\n    condition: not s',
      "line 1: 'logsource' is missing",
    ],
    [
      'no title',
      'logsource: {product: linux}\nfilter:\n    rules: x\n    s: {a: 1}\n    condition: not s',
      "line 1: 'title' is missing",
    ],
    [
      'filter not a map',
      'title: f\nlogsource: {product: linux}\nfilter: [x]',
      "line 3: 'filter' must be a map",
    ],
    [
      'a detection beside it',
      `title: f\nlogsource: {product: linux}\ndetection: {s: {a: 1}, condition: s}\nfilter:\n    rules: x\n    s: {a: 1}\n    condition: not s`,
      "line 1: 'filter' and 'detection' in one document",
    ],
  ])('%s', (_, text, reason) => {
    const loaded = load(text);
    expect([loaded.rules, loaded.filters]).toEqual([[], []]);
    expect(reasons(loaded)).toEqual([expect.stringContaining(reason)]);
  });

  it('a broken filter leaves its rules running unfiltered, next to the error', () => {
    const broken = NOT_ADMINS.replace('condition: not selection', 'condition: not selectoin');
    const loaded = load(LOGIN, broken);
    expect(reasons(loaded)).toEqual([expect.stringContaining("unknown identifier 'selectoin'")]);
    expect(run(loaded, [login('adm_1')])).toEqual([['failed login']]);
  });
});
