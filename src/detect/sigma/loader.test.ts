import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDetector } from './engine.js';
import { loadRuleFiles, loadRules } from './loader.js';
import type { SigmaCorrelationRule } from './types.js';

const load = (text: string, path = 'rules.yml') => loadRules([{ path, text }]);

const BASE = `title: base
id: 11111111-0000-4000-8000-000000000001
name: base_rule
logsource:
    product: test
detection:
    sel:
        a: 1
    condition: sel
`;

describe('multi-document collections (action: global, reset, repeat)', () => {
  it('merges a global document into the following rules until reset', () => {
    const r = load(`action: global
logsource:
    product: linux
    service: auditd
detection:
    condition: sel
level: high
---
title: one
detection:
    sel:
        type: EXECVE
---
title: two
detection:
    sel:
        type: SYSCALL
---
action: reset
---
title: three
logsource:
    product: test
detection:
    sel:
        x: 1
    condition: sel
`);
    expect(r.errors).toEqual([]);
    expect(r.rules.map((x) => [x.title, x.level, x.kind === 'detection' ? x.logsource.service : ''])).toEqual(
      [
        ['one', 'high', 'auditd'],
        ['two', 'high', 'auditd'],
        ['three', undefined, undefined],
      ],
    );
  });

  it('repeats the previous rule with changes', () => {
    const r = load(`${BASE}---
action: repeat
title: base again
id: 11111111-0000-4000-8000-000000000002
name: other
detection:
    sel:
        a: 2
`);
    expect(r.errors).toEqual([]);
    const det = createDetector({ rules: r.rules });
    expect(det.process({ a: 2 }, 0).map((a) => a.rule.title)).toEqual(['base again']);
    expect(det.process({ a: 1 }, 1).map((a) => a.rule.title)).toEqual(['base']);
  });

  it('rejects unknown actions and a repeat with nothing before it', () => {
    expect(load('action: include\nfilename: x.yml').errors[0]?.reason).toContain("unknown action 'include'");
    expect(load('action: repeat\ntitle: x').errors[0]?.reason).toContain('no previous rule');
  });
});

describe('rule validation', () => {
  it.each([
    ['logsource:\n    product: x\ndetection:\n    s:\n        a: 1\n    condition: s', "'title' is missing"],
    ['title: t\ndetection:\n    s:\n        a: 1\n    condition: s', "'logsource' is missing"],
    [
      'title: t\nlogsource:\n    product: x\ndetection:\n    s:\n        a: 1',
      "'detection.condition' is missing",
    ],
    [
      'title: t\nlevel: severe\nlogsource:\n    product: x\ndetection:\n    s:\n        a: 1\n    condition: s',
      "unknown level 'severe'",
    ],
    [
      'title: t\nlogsource:\n    product: x\ndetection:\n    s:\n        a:\n            b: 1\n    condition: s',
      'has a map as value',
    ],
    [
      'title: t\nlogsource:\n    product: x\ndetection:\n    s:\n        a: []\n    condition: s',
      'empty value list',
    ],
    ['title: t\nlogsource:\n    product: x\ndetection:\n    s: []\n    condition: s', 'is an empty list'],
    [
      'title: t\nlogsource:\n    product: x\ndetection:\n    s:\n        a: 1\n        a: 2\n    condition: s',
      'YAML: Map keys must be unique',
    ],
    ['title: t\nlogsource: [\n', 'YAML'],
    ['title: t\nlogsource: {product: x}\nfilter:\n    rules: [x]', "line 4: 'filter.condition' is missing"],
  ])('%#: %s', (text, reason) => {
    const r = load(text);
    expect(r.rules).toEqual([]);
    expect(r.errors[0]?.reason).toContain(reason);
  });

  it('reports path, id and title of a rejected rule', () => {
    const r = load(BASE.replace('a: 1', 'a|nope: 1'), 'dir/x.yml');
    expect(r.errors).toEqual([
      {
        path: 'dir/x.yml',
        id: '11111111-0000-4000-8000-000000000001',
        title: 'base',
        reason: "line 8: unknown modifier 'nope' in 'a|nope'",
      },
    ]);
  });

  it('re-binds placeholders in the detector', () => {
    const r = load(
      "title: t\nlogsource:\n    product: x\ndetection:\n    s:\n        h|expand: '%H%'\n    condition: s",
    );
    expect(r.errors[0]?.reason).toContain('unresolved placeholder %H%');
    const ok = loadRules(
      [
        {
          path: 'p.yml',
          text: "title: t\nlogsource:\n    product: x\ndetection:\n    s:\n        h|expand: '%H%'\n    condition: s",
        },
      ],
      { placeholders: { H: 'a' } },
    );
    const det = createDetector({ rules: ok.rules, placeholders: { H: ['b', 'c'] } });
    expect(det.process({ h: 'a' }, 0)).toEqual([]);
    expect(det.process({ h: 'c' }, 1)).toHaveLength(1);
    expect(() => createDetector({ rules: ok.rules, placeholders: { X: 'b' } })).toThrow(
      'unresolved placeholder %H%',
    );
  });
});

const CORRELATION = (body: string) => `title: corr
id: 22222222-0000-4000-8000-000000000001
correlation:
${body}
---
${BASE}`;

describe('correlation rules', () => {
  it('parses type, references by name or id, group-by, aliases, timespan, condition', () => {
    const r = load(
      CORRELATION(`    type: value_count
    rules:
        - base_rule
    group-by:
        - ip
    aliases:
        ip:
            base_rule: source.ip
    timespan: 90m
    condition:
        field: user
        gte: 10
        lt: 20`),
    );
    expect(r.errors).toEqual([]);
    const c = r.rules[0] as SigmaCorrelationRule;
    expect(c).toMatchObject({
      kind: 'correlation',
      type: 'value_count',
      rules: ['base_rule'],
      groupBy: ['ip'],
      aliases: { ip: { base_rule: 'source.ip' } },
      timespanMs: 90 * 60_000,
      condition: {
        field: 'user',
        bounds: [
          { op: 'gte', value: 10 },
          { op: 'lt', value: 20 },
        ],
      },
      generate: false,
    });
  });

  it.each([
    [
      '    type: event_count\n    rules: [missing_rule]\n    timespan: 1h\n    condition:\n        gte: 2',
      "references unknown rule 'missing_rule'",
    ],
    [
      '    type: event_count\n    rules: [base_rule]\n    timespan: 1 hour\n    condition:\n        gte: 2',
      "'timespan' must be",
    ],
    ['    type: sum\n    rules: [base_rule]\n    timespan: 1h', "unknown correlation type 'sum'"],
    ['    type: event_count\n    rules: [base_rule]\n    timespan: 1h', 'needs a condition'],
    [
      '    type: value_sum\n    rules: [base_rule]\n    timespan: 1h\n    condition:\n        gt: 5',
      "needs 'condition.field'",
    ],
    [
      '    type: event_count\n    rules: [base_rule]\n    timespan: 1h\n    condition:\n        over: 5',
      "unknown correlation condition key 'over'",
    ],
    [
      '    type: event_count\n    rules: [base_rule]\n    timespan: 1h\n    condition:\n        gt: many',
      "'condition.gt' must be a number",
    ],
    ['    type: temporal\n    rules: [base_rule]\n    timespan: 1h', 'at least two rules'],
    [
      '    type: event_count\n    rules: [base_rule]\n    timespan: 1h\n    aliases:\n        ip:\n            nope: x\n    condition:\n        gt: 1',
      "names 'nope', which is not in 'rules'",
    ],
  ])('%#: rejects (%s)', (body, reason) => {
    const r = load(CORRELATION(body));
    expect(r.errors.map((e) => e.reason).join('\n')).toContain(reason);
    expect(r.rules.map((x) => x.title)).toEqual(['base']);
  });

  it('resolves references across files and rejects those to failed rules or cycles', () => {
    const good = loadRules([
      {
        path: 'c.yml',
        text: CORRELATION(
          '    type: event_count\n    rules: [11111111-0000-4000-8000-000000000001]\n    timespan: 1h\n    condition:\n        gt: 1',
        ).split('---')[0] as string,
      },
      { path: 'b.yml', text: BASE },
    ]);
    expect(good.errors).toEqual([]);
    const failed = loadRules([
      {
        path: 'c.yml',
        text: CORRELATION(
          '    type: event_count\n    rules: [base_rule]\n    timespan: 1h\n    condition:\n        gt: 1',
        ).split('---')[0] as string,
      },
      { path: 'b.yml', text: BASE.replace('a: 1', 'a|bad: 1') },
    ]);
    expect(failed.errors.map((e) => e.reason)).toEqual([
      "line 8: unknown modifier 'bad' in 'a|bad'",
      "references rule 'base_rule', which failed to load",
    ]);
    const cycle = load(`title: x
name: cx
correlation:
    type: event_count
    rules: [cy]
    timespan: 1h
    condition:
        gt: 1
---
title: y
name: cy
correlation:
    type: event_count
    rules: [cx]
    timespan: 1h
    condition:
        gt: 1`);
    expect(cycle.errors.map((e) => e.reason)).toEqual([
      'correlation references form a cycle',
      'correlation references form a cycle',
    ]);
  });

  it('rejects duplicate ids and names', () => {
    const r = loadRules([
      { path: 'a.yml', text: BASE },
      { path: 'b.yml', text: BASE },
    ]);
    expect(r.rules).toHaveLength(1);
    expect(r.errors[0]?.reason).toContain(
      "'11111111-0000-4000-8000-000000000001' is already used by 'base' in a.yml",
    );
  });
});

describe('loadRuleFiles', () => {
  it('walks folders for .yml and .yaml files, in sorted order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigma-'));
    try {
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'b.yaml'), BASE.replace(/id: .*\n/, '').replace('name: base_rule', 'name: b'));
      writeFileSync(join(dir, 'sub', 'a.yml'), BASE);
      writeFileSync(join(dir, 'notes.txt'), 'not a rule');
      const r = loadRuleFiles([dir]);
      expect(r.errors).toEqual([]);
      expect(r.rules.map((x) => x.path)).toEqual([join(dir, 'b.yaml'), join(dir, 'sub', 'a.yml')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
