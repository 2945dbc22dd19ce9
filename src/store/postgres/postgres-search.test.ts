// PostgreSQL's own search plans (postgres-store.ts): they must give exactly what the plain plan and
// the reference semantics give, whichever way they read. Skips with a printed reason when
// PostgreSQL is unreachable, unless STELE_REQUIRE_PG=1.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dropSchema, PG_URL, pgUnavailableReason, uniqueSchema } from '../../../test/helpers/pg.js';
import type { AuditEvent } from '../../core/event.js';
import { parseQuery } from '../../query/parser.js';
import { matchesPredicate, planQuery } from '../../query/plan.js';
import { recordFor } from '../store.case.js';
import type { HistogramRequest } from '../store.js';
import { PostgresStore } from './postgres-store.js';

const unavailable = await pgUnavailableReason();
const HOUR = 3_600_000;
const plan = (q: string) => planQuery(parseQuery(q), { now: 0 });

/** The SQL text of every statement run on any PostgreSQL connection while `fn` runs. */
async function statementsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const statements: string[] = [];
  const query = pg.Client.prototype.query;
  const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
    this: pg.Client,
    ...args: unknown[]
  ) {
    if (typeof args[0] === 'string') statements.push(args[0]);
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query);
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return statements;
}

describe.skipIf(unavailable)('postgres histograms from hourly counts', () => {
  const T0 = Date.UTC(2026, 10, 30, 20);
  // Hours T0-3h .. T0: 200 events each, spread over the hour; the last hour (the one being written)
  // only in its first 40 minutes, as at 40 past while events arrive.
  const events = Array.from({ length: 800 }, (_, i) => {
    const hour = Math.floor(i / 200) - 3;
    const within = hour === 0 ? ((i * 7919) % 200) * 12_000 : ((i * 7919) % 200) * 18_000;
    return {
      '@timestamp': new Date(T0 + hour * HOUR + within).toISOString(),
      event: { action: 'ssh.login', outcome: i % 3 === 0 ? 'failure' : 'success' },
      user: { name: `u${i % 4}` },
    } as AuditEvent;
  });
  let store: PostgresStore;
  const schema = uniqueSchema();
  beforeAll(async () => {
    store = await PostgresStore.open({ url: PG_URL, schema, poolSize: 2 });
    await store.append({ events: events.map(recordFor), nodes: [], frontier: '{}', producers: [] });
  });
  afterAll(async () => {
    await store.close();
    await dropSchema(schema);
  });

  function reference(r: HistogramRequest, live: (seq: number) => boolean) {
    const buckets = new Map<number, { start: number; count: number; failures: number }>();
    events.forEach((e, seq) => {
      const ts = Date.parse(e['@timestamp']);
      if (!live(seq) || ts < r.from || ts >= r.to || !matchesPredicate(r.predicate, e)) return;
      const start = r.start + Math.floor((ts - r.start) / r.interval) * r.interval;
      const b = buckets.get(start) ?? { start, count: 0, failures: 0 };
      b.count++;
      if (e.event?.outcome === 'failure') b.failures++;
      buckets.set(start, b);
    });
    return [...buckets.values()].sort((a, b) => a.start - b.start);
  }

  it('counts the hour being written as its hourly count less the rest of the hour, and equals the events', async () => {
    // From 10 past the first hour (the rest of it, 10 minutes, is counted) to 40 past the last
    // (nothing after): neither partial hour is read from its own events.
    const request: HistogramRequest = {
      predicate: plan('user.name:u1'),
      start: T0 - 3 * HOUR,
      interval: HOUR,
      from: T0 - 3 * HOUR + 600_000,
      to: T0 + 2_400_000,
      failures: true,
    };
    let got: unknown;
    const statements = await statementsOf(async () => (got = await store.histogram(request)));
    expect(got).toEqual(reference(request, () => true));
    expect(statements.filter((s) => s.includes('GROUP BY bucket'))).toEqual([]);
    expect(statements.filter((s) => s.includes('AS upto'))).toHaveLength(2);
    // From 50 past: the rest of that hour holds most of its events, so the edge is counted itself.
    const late = { ...request, from: T0 - 3 * HOUR + 3_000_000 };
    const lateStatements = await statementsOf(async () => (got = await store.histogram(late)));
    expect(got).toEqual(reference(late, () => true));
    expect(lateStatements.filter((s) => s.includes('GROUP BY bucket'))).toHaveLength(1);
    // Only live events count, after retention removed some bodies in both partial hours.
    await store.expireEvents([
      { first: 0, last: 30, record: 800, expired: T0 },
      { first: 700, last: 720, record: 800, expired: T0 },
    ]);
    const live = (seq: number) => !(seq <= 30 || (seq >= 700 && seq <= 720));
    for (const r of [request, late, { ...request, interval: 2 * HOUR, start: T0 - 4 * HOUR }]) {
      expect(await store.histogram(r), JSON.stringify({ ...r, predicate: undefined })).toEqual(
        reference(r, live),
      );
    }
  });
});
