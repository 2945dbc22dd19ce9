// PostgreSQL's own search plans (postgres-store.ts): they must give exactly what the plain plan and
// the reference semantics give, whichever way they read. Skips with a printed reason when
// PostgreSQL is unreachable, unless STELE_REQUIRE_PG=1.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dropSchema, PG_URL, pgUnavailableReason, uniqueSchema } from '../../../test/helpers/pg.js';
import type { AuditEvent } from '../../core/event.js';
import { parseQuery } from '../../query/parser.js';
import { matchesPredicate, planQuery } from '../../query/plan.js';
import { CIDR_CORPUS, CIDR_QUERIES, CIDR_START, recordFor, seqsThroughPages } from '../store.case.js';
import type { HistogramRequest } from '../store.js';
import { PostgresStore } from './postgres-store.js';

const unavailable = await pgUnavailableReason();
const HOUR = 3_600_000;
const plan = (q: string) => planQuery(parseQuery(q), { now: 0 });

/** The SQL text of every statement run on any PostgreSQL connection while `fn` runs. */
async function statementsOf(fn: () => Promise<unknown>): Promise<string[]> {
  return (await callsOf(fn)).map((call) => call.sql);
}

/** Every statement run on any PostgreSQL connection while `fn` runs, with its parameters. */
async function callsOf(fn: () => Promise<unknown>): Promise<Array<{ sql: string; params: unknown[] }>> {
  const calls: Array<{ sql: string; params: unknown[] }> = [];
  const query = pg.Client.prototype.query;
  const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
    this: pg.Client,
    ...args: unknown[]
  ) {
    if (typeof args[0] === 'string')
      calls.push({ sql: args[0], params: Array.isArray(args[1]) ? (args[1] as unknown[]) : [] });
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query);
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return calls;
}

/** Every node of an EXPLAIN (FORMAT JSON) plan. */
function planNodes(node: Record<string, unknown>): Array<Record<string, unknown>> {
  const children = (node.Plans as Array<Record<string, unknown>> | undefined) ?? [];
  return [node, ...children.flatMap(planNodes)];
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

describe.skipIf(unavailable)('postgres pages of a CIDR block', () => {
  const events = CIDR_CORPUS;
  const T0 = CIDR_START;
  const expected = (q: string, live: (seq: number) => boolean, from = -Infinity, to = Infinity) =>
    events
      .map((e, seq) => ({ e, seq, ts: Date.parse(e['@timestamp']) }))
      .filter(({ e, seq, ts }) => live(seq) && ts >= from && ts < to && matchesPredicate(plan(q), e))
      .sort((a, b) => b.ts - a.ts || b.seq - a.seq)
      .map((x) => x.seq);
  let store: PostgresStore;
  const schema = uniqueSchema();
  beforeAll(async () => {
    store = await PostgresStore.open({ url: PG_URL, schema, poolSize: 2 });
    await store.append({
      events: events.slice(0, 2700).map(recordFor),
      nodes: [],
      frontier: '{}',
      producers: [],
    });
    await store.append({
      events: events.slice(2700).map((e, i) => recordFor(e, 2700 + i)),
      nodes: [],
      frontier: '{}',
      producers: [],
    });
  });
  afterAll(async () => {
    await store.close();
    await dropSchema(schema);
  });

  async function expectSamePages(live: (seq: number) => boolean): Promise<void> {
    const from = T0 + 500_000;
    const to = T0 + 2_000_000;
    for (const q of CIDR_QUERIES) {
      const where = store.compileFilter(plan(q));
      const plain = where && { sql: where.sql, params: where.params };
      for (const window of [{}, { from, to }]) {
        const all = expected(q, live, (window as { from?: number }).from, (window as { to?: number }).to);
        for (const order of ['desc', 'asc'] as const) {
          const want = order === 'desc' ? all : [...all].reverse();
          const label = `${q} ${order} ${JSON.stringify(window)}`;
          expect(
            await seqsThroughPages(store, { where, ...window, limit: 61, order, maxSeq: 2999 }),
            label,
          ).toEqual(want);
          expect(
            await seqsThroughPages(store, { where: plain, ...window, limit: 61, order, maxSeq: 2999 }),
            `${label} (plain plan)`,
          ).toEqual(want);
        }
      }
    }
  }

  it('reads a page per address of a block with few, and the plain plan for one with many', async () => {
    const pageSql = async (q: string) =>
      (await statementsOf(() => store.search({ where: store.compileFilter(plan(q)), limit: 100 }))).find(
        (s) => s.includes('JOIN events USING'),
      ) ?? '';
    expect(await pageSql('source.ip:198.51.0.0/24')).toContain('CROSS JOIN LATERAL');
    expect(await pageSql('source.ip:198.51.0.4 AND outcome:failure')).toContain('CROSS JOIN LATERAL');
    // Under an OR or a NOT the block is not split.
    expect(await pageSql('source.ip:198.51.0.0/24 OR user.name:u1')).not.toContain('LATERAL');
    expect(await pageSql('NOT source.ip:198.51.0.0/24')).not.toContain('LATERAL');
    // 10.0.0.0/16 has 200 addresses: the listing stops after 33 and the plain branch answers.
    const many = await statementsOf(async () => {
      const page = await store.search({
        where: store.compileFilter(plan('source.ip:10.0.0.0/16')),
        limit: 5,
      });
      expect(page.map((r) => r.seq)).toEqual(expected('source.ip:10.0.0.0/16', () => true).slice(0, 5));
    });
    expect(many.filter((s) => s.includes('CROSS JOIN LATERAL'))).toHaveLength(1);
  });

  it("reads each address's page from the index alone, without the rows", async () => {
    // Only index-only scans allowed: on (source_ip, ts) an address's page needed each row for its
    // seq, so it could not be read this way. (How many rows the scan still fetched depends on the
    // visibility map, which transactions of other tests running meanwhile hold back: not checked.)
    const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema},public` });
    await client.connect();
    try {
      await client.query('VACUUM (ANALYZE) events');
      const [call] = (
        await callsOf(() =>
          store.search({ where: store.compileFilter(plan('source.ip:198.51.0.0/24')), limit: 20 }),
        )
      ).filter((c) => c.sql.includes('CROSS JOIN LATERAL'));
      expect(call).toBeDefined();
      await client.query('SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_indexscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: Record<string, unknown> }> }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${call!.sql}`,
        call!.params,
      );
      const perAddress = planNodes(rows[0]!['QUERY PLAN'][0]!.Plan).filter((n) =>
        String(n['Index Cond'] ?? '').includes('= v.value'),
      );
      expect(perAddress.length).toBeGreaterThan(0);
      for (const node of perAddress) {
        expect(node['Node Type']).toBe('Index Only Scan');
      }
    } finally {
      await client.end();
    }
  });

  it('gives the same pages as the plain plan and the reference, in both orders, through cursors and after retention', async () => {
    await expectSamePages(() => true);
    // Retention removes the bodies (and addresses) of the first 400 events.
    await store.expireEvents([{ first: 0, last: 399, record: 2999, expired: T0 }]);
    await expectSamePages((seq) => seq >= 400);
  });
});
