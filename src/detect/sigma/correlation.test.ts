import { describe, expect, it } from 'vitest';
import { createDetector, type DetectorOptions } from './engine.js';
import { loadRules } from './loader.js';
import type { Alert } from './types.js';

const FAILED = `title: failed login
name: failed
id: 33333333-0000-4000-8000-000000000001
logsource:
    product: test
detection:
    s:
        outcome: failure
    condition: s
`;
const OK = `title: good login
name: ok
logsource:
    product: test
detection:
    s:
        outcome: success
    condition: s
`;

function run(
  correlation: string,
  events: object[],
  options: Omit<DetectorOptions, 'rules'> = {},
): { alerts: Alert[]; stats: ReturnType<ReturnType<typeof createDetector>['stats']> } {
  const loaded = loadRules([{ path: 'c.yml', text: `${correlation}\n---\n${FAILED}---\n${OK}` }]);
  expect(loaded.errors).toEqual([]);
  const det = createDetector({ ...options, rules: loaded.rules });
  const alerts = events.flatMap((e, i) => det.process(e, i));
  return { alerts, stats: det.stats() };
}

const at = (minute: number, extra: object) => ({
  '@timestamp': new Date(Date.UTC(2024, 0, 1, 0, minute)).toISOString(),
  ...extra,
});
const fired = (alerts: Alert[]) =>
  alerts.filter((a) => a.group !== undefined).map((a) => [a.event_index, a.group]);

describe('event_count', () => {
  const rule = `title: brute force
level: high
correlation:
    type: event_count
    rules: [failed]
    group-by: [user]
    timespan: 10m
    condition:
        gte: 3`;

  it('counts per group in a sliding window and fires once per burst', () => {
    const f = (m: number, user: string) => at(m, { outcome: 'failure', user });
    const { alerts } = run(rule, [
      f(0, 'a'),
      f(1, 'b'),
      f(5, 'a'),
      f(11, 'a'),
      f(12, 'a'),
      f(13, 'a'),
      f(14, 'a'),
    ]);
    // a: 0, 5, 11 -> 0 slides out at 11 (window 10 min) -> 5, 11, 12 fires at index 4; then starts afresh.
    expect(fired(alerts)).toEqual([[4, { user: 'a' }]]);
    expect(alerts[0]?.rule).toEqual({ id: null, title: 'brute force', level: 'high' });
  });

  it('suppresses referenced rules unless generate: true', () => {
    const f = at(0, { outcome: 'failure', user: 'a' });
    expect(run(rule, [f]).alerts).toEqual([]);
    const generating = rule.replace('correlation:', 'generate: true\ncorrelation:');
    expect(run(generating, [f]).alerts.map((a) => a.rule.title)).toEqual(['failed login']);
  });

  it('skips events without the group-by field, and groups by a single global key without group-by', () => {
    const f = (m: number, extra: object = {}) => at(m, { outcome: 'failure', ...extra });
    expect(fired(run(rule, [f(0), f(1), f(2)]).alerts)).toEqual([]);
    expect(fired(run(rule.replace('    group-by: [user]\n', ''), [f(0), f(1), f(2)]).alerts)).toEqual([
      [2, {}],
    ]);
  });

  it('drops events older than their group window and counts them as late', () => {
    const f = (m: number) => at(m, { outcome: 'failure', user: 'a' });
    const { alerts, stats } = run(rule, [f(30), f(31), f(5), f(28)]);
    // f(5) is 25 minutes older than the group's newest event: late. f(28) is out of order but in the window.
    expect(stats.late).toBe(1);
    expect(fired(alerts)).toEqual([[3, { user: 'a' }]]);
  });

  it('keeps at most maxGroups groups (least recently used evicted)', () => {
    const events = Array.from({ length: 50 }, (_, i) => at(0, { outcome: 'failure', user: `u${i % 25}` }));
    const { alerts, stats } = run(rule.replace('gte: 3', 'gte: 2'), events, { limits: { maxGroups: 10 } });
    expect(stats.evictedGroups).toBe(40);
    expect(fired(alerts)).toEqual([]);
    const roomy = run(rule.replace('gte: 3', 'gte: 2'), events, { limits: { maxGroups: 100 } });
    expect(fired(roomy.alerts)).toHaveLength(25);
  });

  it('finds every group again through many evictions (as a plain LRU model does)', () => {
    // 40 users over 8 groups: each new one evicts; the model is a Map in use order.
    let seed = 3;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % 40;
    const users = Array.from({ length: 4_000 }, () => `u${next()}`);
    const model = new Map<string, number>();
    const expected: Array<[number, { user: string }]> = [];
    let evicted = 0;
    users.forEach((user, i) => {
      const count = (model.get(user) ?? 0) + 1;
      if (!model.delete(user) && model.size === 8) {
        model.delete(model.keys().next().value as string);
        evicted++;
      }
      if (count === 2) expected.push([i, { user }]);
      else model.set(user, count);
    });
    const events = users.map((user) => at(0, { outcome: 'failure', user }));
    const { alerts, stats } = run(rule.replace('gte: 3', 'gte: 2'), events, { limits: { maxGroups: 8 } });
    expect(fired(alerts)).toEqual(expected);
    expect(stats.evictedGroups).toBe(evicted);
    expect(expected.length).toBeGreaterThan(500);
  });

  it('keeps at most maxEventsPerGroup window entries', () => {
    const events = Array.from({ length: 8 }, (_, i) => at(i, { outcome: 'failure', user: 'a' }));
    const capped = run(rule.replace('gte: 3', 'gte: 6'), events, { limits: { maxEventsPerGroup: 5 } });
    expect(fired(capped.alerts)).toEqual([]);
    expect(capped.stats.truncatedEntries).toBe(3);
    expect(fired(run(rule.replace('gte: 3', 'gte: 6'), events).alerts)).toEqual([[5, { user: 'a' }]]);
  });

  it('evicts the least recently used group under maxGroups, its window with it', () => {
    const f = (m: number, user: string) => at(m, { outcome: 'failure', user });
    const events = [f(0, 'a'), f(1, 'b'), f(2, 'a'), f(3, 'c'), f(4, 'a'), f(5, 'b'), f(6, 'b'), f(7, 'b')];
    // c needs room: b (used at minute 1) goes, not a (used at 2); b then counts from minute 5 again.
    const tight = run(rule, events, { limits: { maxGroups: 2 } });
    expect(fired(tight.alerts)).toEqual([
      [4, { user: 'a' }],
      [7, { user: 'b' }],
    ]);
    expect(tight.stats.evictedGroups).toBe(1);
    expect(fired(run(rule, events).alerts)).toEqual([
      [4, { user: 'a' }],
      [6, { user: 'b' }],
    ]);
  });

  it('drops an expired group before evicting a live one, wherever out-of-order events left it', () => {
    const f = (m: number, user: string) => at(m, { outcome: 'failure', user });
    // a@15 is in a's window (newest 20) and makes a the most recently used group; at c@31, a is
    // expired (20 < 31 - 10) while the older-used b is not.
    const events = [f(20, 'a'), f(30, 'b'), f(15, 'a'), f(31, 'c'), f(32, 'b'), f(33, 'b')];
    const { alerts, stats } = run(rule, events, { limits: { maxGroups: 2 } });
    expect(stats.evictedGroups).toBe(0);
    expect(fired(alerts)).toEqual([[5, { user: 'b' }]]);
  });

  it('keeps group-by values apart by type, and reports them as they were', () => {
    const values: unknown[] = ['[1]', [1], 1, '1', true, 'true'];
    const events = [0, 1, 2].flatMap((m) => values.map((user) => at(m, { outcome: 'failure', user })));
    expect(fired(run(rule, events).alerts)).toEqual(values.map((user, i) => [12 + i, { user }]));
    const pairs = rule.replace('group-by: [user]', 'group-by: [user, host]');
    const mixed = [0, 1, 2].map((m) => at(m, { outcome: 'failure', user: 'a', host: 7 }));
    expect(fired(run(pairs, mixed).alerts)).toEqual([[2, { user: 'a', host: 7 }]]);
  });

  it('expires idle groups as event time advances', () => {
    const events = [
      ...Array.from({ length: 20 }, (_, i) => at(0, { outcome: 'failure', user: `u${i}` })),
      at(100, { outcome: 'failure', user: 'late-comer' }),
      at(100, { outcome: 'failure', user: 'u0' }),
    ];
    const { stats } = run(rule, events, { limits: { maxGroups: 5 } });
    expect(stats.evictedGroups).toBe(15); // the last 5 of the 20 expire by time, not by eviction
  });
});

describe('value_count, value_sum, value_avg, value_percentile', () => {
  const f = (m: number, extra: object) => at(m, { outcome: 'failure', ...extra });

  it('value_count counts distinct values per group', () => {
    const rule = `title: spray
correlation:
    type: value_count
    rules: [failed]
    group-by: [ip]
    timespan: 1h
    condition:
        field: user
        gt: 2`;
    const events = [
      f(0, { ip: 'x', user: 'a' }),
      f(1, { ip: 'x', user: 'a' }),
      f(2, { ip: 'x', user: 'b' }),
      f(3, { ip: 'y', user: 'c' }),
      f(4, { ip: 'x', user: 'C' }),
    ];
    expect(fired(run(rule, events).alerts)).toEqual([[4, { ip: 'x' }]]);
  });

  it('value_count and value_sum forget what slides out of the window', () => {
    const spray = `title: spray\ncorrelation:\n    type: value_count\n    rules: [failed]\n    group-by: [ip]\n    timespan: 10m\n    condition:\n        field: user\n        gt: 2`;
    const users = [f(0, { ip: 'x', user: 'a' }), f(1, { ip: 'x', user: 'b' }), f(15, { ip: 'x', user: 'a' })];
    expect(fired(run(spray, users).alerts)).toEqual([]);
    const more = [...users, f(16, { ip: 'x', user: 'd' }), f(17, { ip: 'x', user: 'e' })];
    expect(fired(run(spray, more).alerts)).toEqual([[4, { ip: 'x' }]]);
    const sum = `title: sum\ncorrelation:\n    type: value_sum\n    rules: [failed]\n    group-by: [ip]\n    timespan: 10m\n    condition:\n        field: n\n        gt: 80`;
    const rows = [f(0, { ip: 'x', n: 50 }), f(15, { ip: 'x', n: 40 }), f(16, { ip: 'x', n: 45 })];
    expect(fired(run(sum, rows).alerts)).toEqual([[2, { ip: 'x' }]]);
  });

  it('value_avg, value_min, value_max, value_median', () => {
    const events = [
      f(0, { ip: 'x', n: 10 }),
      f(1, { ip: 'x', n: '30' }),
      f(2, { ip: 'x', n: 'n/a' }),
      f(3, { ip: 'x', n: 50 }),
    ];
    const rule = (type: string, cond: string) =>
      `title: ${type}\ncorrelation:\n    type: ${type}\n    rules: [failed]\n    group-by: [ip]\n    timespan: 1h\n    condition:\n        field: n\n        ${cond}`;
    expect(fired(run(rule('value_avg', 'gte: 30'), events).alerts)).toEqual([[3, { ip: 'x' }]]);
    // A group that fired starts afresh: 50 alone fires again.
    expect(fired(run(rule('value_max', 'gte: 30'), events).alerts)).toEqual([
      [1, { ip: 'x' }],
      [3, { ip: 'x' }],
    ]);
    expect(fired(run(rule('value_min', 'lt: 20'), events).alerts)).toEqual([[0, { ip: 'x' }]]);
    expect(fired(run(rule('value_median', 'eq: 20'), events).alerts)).toEqual([[1, { ip: 'x' }]]);
    expect(fired(run(rule('value_sum', 'gt: 80'), events).alerts)).toEqual([[3, { ip: 'x' }]]);
  });

  it('value_percentile: the given percentile of the values, or the rarity (%) of this value', () => {
    const events = [10, 20, 30, 40, 1000].map((n, i) => f(i, { host: 'h', n }));
    const p90 = `title: p90\ncorrelation:\n    type: value_percentile\n    rules: [failed]\n    group-by: [host]\n    timespan: 1h\n    condition:\n        field: n\n        percentile: 90\n        gte: 500`;
    expect(fired(run(p90, events).alerts)).toEqual([[4, { host: 'h' }]]);
    const rare = `title: rare\ncorrelation:\n    type: value_percentile\n    rules: [failed]\n    group-by: [host]\n    timespan: 1h\n    condition:\n        field: image\n        lte: 10`;
    const procs = [
      ...Array.from({ length: 12 }, (_, i) => f(i, { host: 'h', image: '/bin/sh' })),
      f(20, { host: 'h', image: '/tmp/x' }),
    ];
    expect(fired(run(rare, procs).alerts)).toEqual([[12, { host: 'h' }]]);
    // Out of order and beyond maxEventsPerGroup, /tmp/x is dropped at once: 0 % of the window.
    const capped = [f(5, { host: 'h', image: '/bin/sh' }), f(4, { host: 'h', image: '/tmp/x' })];
    expect(fired(run(rare, capped, { limits: { maxEventsPerGroup: 1 } }).alerts)).toEqual([
      [1, { host: 'h' }],
    ]);
  });
});

describe('temporal, aliases and chaining', () => {
  it('aliases map each rule to its own field', () => {
    const rule = `title: pair
correlation:
    type: temporal
    rules: [failed, ok]
    group-by: [who]
    aliases:
        who:
            failed: target
            ok: user
    timespan: 5m`;
    const events = [
      at(0, { outcome: 'failure', target: 'bob' }),
      at(1, { outcome: 'success', user: 'alice' }),
      at(2, { outcome: 'success', user: 'bob' }),
    ];
    expect(fired(run(rule, events).alerts)).toEqual([[2, { who: 'bob' }]]);
  });

  it('temporal takes a boolean expression over the rules', () => {
    const rule = `title: either
correlation:
    type: temporal
    rules: [failed, ok]
    group-by: [user]
    timespan: 5m
    condition: failed or ok`;
    expect(fired(run(rule, [at(0, { outcome: 'success', user: 'u' })]).alerts)).toEqual([[0, { user: 'u' }]]);
  });

  it('a group evicted under maxGroups comes back empty, whatever state it held', () => {
    const pair = `title: pair\ncorrelation:\n    type: temporal\n    rules: [failed, ok]\n    group-by: [user]\n    timespan: 10m`;
    const ev = (m: number, outcome: string, user: string) => at(m, { outcome, user });
    const events = [
      ev(0, 'failure', 'a'),
      ev(1, 'failure', 'b'),
      ev(2, 'success', 'a'),
      ev(3, 'success', 'b'),
    ];
    expect(fired(run(pair, events, { limits: { maxGroups: 1 } }).alerts)).toEqual([]);
    expect(fired(run(pair, events).alerts)).toEqual([
      [2, { user: 'a' }],
      [3, { user: 'b' }],
    ]);
    const sum = `title: sum\ncorrelation:\n    type: value_sum\n    rules: [failed]\n    group-by: [user]\n    timespan: 10m\n    condition:\n        field: n\n        gte: 10`;
    const rows = [
      at(0, { outcome: 'failure', user: 'a', n: 6 }),
      at(1, { outcome: 'failure', user: 'b', n: 6 }),
    ];
    expect(fired(run(sum, rows, { limits: { maxGroups: 1 } }).alerts)).toEqual([]);
  });

  it('chains correlations: failures then success (spec example)', () => {
    const rules = `title: brute force then success
level: critical
correlation:
    type: temporal_ordered
    rules: [many_failed, ok]
    group-by: [user]
    timespan: 10m
---
title: many failed
name: many_failed
correlation:
    type: event_count
    rules: [failed]
    group-by: [user]
    timespan: 10m
    condition:
        gte: 3`;
    const ev = (m: number, outcome: string) => at(m, { outcome, user: 'u' });
    const { alerts } = run(rules, [
      ev(0, 'success'),
      ev(1, 'failure'),
      ev(2, 'failure'),
      ev(3, 'failure'),
      ev(4, 'success'),
    ]);
    // The inner correlation (generate: false by default) does not alert; the outer fires at the success.
    expect(alerts.map((a) => [a.rule.title, a.event_index])).toEqual([['brute force then success', 4]]);
  });
});
