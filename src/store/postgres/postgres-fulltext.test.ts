// fullTextOf must give exactly what the SQL function stele_fulltext gives for the same body: rows
// inserted by Stele and rows whose body an update rewrote are then found by the same searches.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, PG_URL, pgUnavailableReason, uniqueSchema } from '../../../test/helpers/pg.js';
import type { AuditEvent } from '../../core/event.js';
import { parseQuery } from '../../query/parser.js';
import { matchesPredicate, planQuery } from '../../query/plan.js';
import { encodeBody } from '../row-codec.js';
import { recordFor } from '../store.case.js';
import { fullTextOf } from './postgres-fulltext.js';
import { PostgresStore } from './postgres-store.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Text with what the function's escape handling and folding have to get right. */
function awkwardText(r: () => number): string {
  const pieces = [
    'Failed password for ROOT',
    'ÉTÉ Straße İstanbul',
    '\u0000',
    '\ud800',
    '\udfff',
    '\ud83d\ude00',
    '\\u0000',
    '\\\\',
    '"quoted"',
    '\n\t',
    'x',
    'ǅ',
  ];
  let text = '';
  const n = Math.floor(r() * 6);
  for (let i = 0; i < n; i++) text += pieces[Math.floor(r() * pieces.length)];
  return text;
}

function randomBody(r: () => number): string {
  const event: Record<string, unknown> = { '@timestamp': '2026-01-01T00:00:00.000Z', event: {} };
  const kind = r();
  if (kind < 0.7) event.message = awkwardText(r);
  else if (kind < 0.8) event.message = 42;
  const original = r();
  if (original < 0.6) (event.event as Record<string, unknown>).original = awkwardText(r);
  else if (original < 0.7) (event.event as Record<string, unknown>).original = ['a', 'B'];
  else if (original < 0.75) event.event = 'not an object';
  if (r() < 0.3) event.user = { name: awkwardText(r) };
  return encodeBody(event as never).body;
}

const unavailable = await pgUnavailableReason();

describe.skipIf(unavailable !== undefined)('fullTextOf = stele_fulltext', () => {
  let schema = '';
  let store: PostgresStore;
  beforeAll(async () => {
    schema = uniqueSchema();
    store = await PostgresStore.open({ url: PG_URL, schema, poolSize: 2 });
  });
  afterAll(async () => {
    await store.close();
    await dropSchema(schema);
  });

  it('on random bodies with NUL, lone surrogates, escaped backslashes and non-ASCII capitals', async () => {
    const r = rng(9162);
    const bodies = Array.from({ length: 600 }, () => randomBody(r));
    bodies.push('{}', '{"message":null}', '{"event":{"original":"A\\\\u0000B"}}');
    const rows = await store.query<{ f: string }>(
      'SELECT stele_fulltext(b) AS f FROM unnest($1::text[]) WITH ORDINALITY AS x (b, i) ORDER BY i',
      [bodies],
    );
    expect(rows.map((row) => row.f)).toEqual(bodies.map(fullTextOf));
  });

  it('reads a first page of a text search in the newest hours first, with the same results', async () => {
    const other = uniqueSchema();
    const windowed = await PostgresStore.open({ url: PG_URL, schema: other, poolSize: 2 });
    try {
      // 2,000 events a minute apart (33 hours): "common" in every third, "rare" in ten, spread out.
      const start = Date.UTC(2026, 0, 1);
      const events = Array.from(
        { length: 2000 },
        (_, i): AuditEvent =>
          ({
            '@timestamp': new Date(start + i * 60_000).toISOString(),
            event: { action: 'ssh.login', outcome: i % 2 === 0 ? 'success' : 'failure' },
            message: `${i % 3 === 0 ? 'common' : 'plain'} ${i % 200 === 7 ? 'rare' : ''} ${i}`,
          }) as AuditEvent,
      );
      await windowed.append({ events: events.map(recordFor), nodes: [], frontier: '{}', producers: [] });
      const statements: string[] = [];
      const query = windowed.query.bind(windowed);
      windowed.query = ((sql: string, params?: unknown[]) => {
        statements.push(sql);
        return query(sql, params);
      }) as typeof windowed.query;
      const plan = (q: string) => planQuery(parseQuery(q), { now: Date.now() });
      const cases: Array<[string, { limit: number; to?: number; from?: number; order?: 'asc' }, boolean]> = [
        ['common', { limit: 10 }, true], // 20 in the newest hour
        ['common AND outcome:failure', { limit: 10 }, true],
        ['common', { limit: 100 }, true], // the newest 8 hours
        ['rare', { limit: 10 }, false], // in all time, with the trigram index
        ['common', { limit: 10, to: start + 10 * 3_600_000 }, true],
        ['common', { limit: 10, from: start + 1_990 * 60_000 }, false], // the window reaches `from`
        ['common', { limit: 10, order: 'asc' }, false],
      ];
      for (const [q, options, inWindow] of cases) {
        const where = windowed.compileFilter(plan(q));
        const expected = events
          .map((e, seq) => ({ e, seq, ts: Date.parse(e['@timestamp']) }))
          .filter(
            ({ e, ts }) =>
              matchesPredicate(plan(q), e) &&
              ts >= (options.from ?? -Infinity) &&
              ts < (options.to ?? Infinity),
          )
          .sort((a, b) => (options.order === 'asc' ? a.ts - b.ts : b.ts - a.ts))
          .map((x) => x.seq);
        const got: number[] = [];
        let after: { ts: number; seq: number } | undefined;
        statements.length = 0;
        for (let pages = 0; pages <= 2000 / options.limit; pages++) {
          const page = await windowed.search({ where, ...options, after });
          if (pages === 0) {
            // The statement whose rows made the page: the last one run.
            const walked = statements.at(-1)!.includes("(events.fulltext || '') LIKE");
            expect(walked, `${q} ${JSON.stringify(options)}`).toBe(inWindow);
          }
          got.push(...page.map((r) => r.seq));
          const last = page.at(-1);
          if (!last) break;
          after = { ts: last.ts, seq: last.seq };
        }
        expect(got, `${q} ${JSON.stringify(options)}`).toEqual(expected);
      }
    } finally {
      await windowed.close();
      await dropSchema(other);
    }
  });

  it('reads a term too rare for the newest hours from the newest month partition, with the same results', async () => {
    const other = uniqueSchema();
    const windowed = await PostgresStore.open({ url: PG_URL, schema: other, poolSize: 2 });
    try {
      // 2,000 events a minute apart across a month's end: 12 hours of December, 21 of January.
      const start = Date.UTC(2025, 11, 31, 12);
      const january = Date.UTC(2026, 0, 1);
      const events = Array.from(
        { length: 2000 },
        (_, i): AuditEvent =>
          ({
            '@timestamp': new Date(start + i * 60_000).toISOString(),
            event: { action: 'ssh.login' },
            message: `${i % 50 === 3 ? 'medium' : 'plain'} ${i % 400 === 9 ? 'scarce' : ''} ${i}`,
          }) as AuditEvent,
      );
      await windowed.append({ events: events.map(recordFor), nodes: [], frontier: '{}', producers: [] });
      const statements: Array<{ sql: string; params: unknown[] }> = [];
      const query = windowed.query.bind(windowed);
      windowed.query = ((sql: string, params: unknown[] = []) => {
        statements.push({ sql, params });
        return query(sql, params);
      }) as typeof windowed.query;
      const plan = (q: string) => planQuery(parseQuery(q), { now: Date.now() });
      // `medium`: about 10 in the newest 8 hours, 25 in January; `scarce`: 5 in all, 3 in January.
      for (const [q, limit, fromMonth] of [
        ['medium', 20, true],
        ['medium', 30, false],
        ['scarce', 3, true], // 3 in January
        ['scarce', 4, false],
      ] as const) {
        const where = windowed.compileFilter(plan(q));
        const expected = events
          .map((e, seq) => ({ e, seq }))
          .filter(({ e }) => matchesPredicate(plan(q), e))
          .reverse()
          .map((x) => x.seq)
          .slice(0, limit);
        statements.length = 0;
        const page = await windowed.search({ where, limit });
        expect(
          page.map((r) => r.seq),
          `${q} ${limit}`,
        ).toEqual(expected);
        // The statement whose rows made the page: the last one run, and whether it began at January.
        const last = statements.at(-1)!;
        expect(last.sql.includes("(events.fulltext || '') LIKE"), `${q} ${limit}`).toBe(false);
        expect(last.params.includes(january), `${q} ${limit}`).toBe(fromMonth);
      }
    } finally {
      await windowed.close();
      await dropSchema(other);
    }
  });

  it('is filled for old rows by the migration, and follows a body an update rewrites', async () => {
    const other = uniqueSchema();
    let old = await PostgresStore.open({ url: PG_URL, schema: other, poolSize: 2 });
    try {
      const events = [
        'Accepted password for ALICE',
        'session opened for bob',
        'Failed password for carol',
      ].map(
        (message, i): AuditEvent =>
          ({
            '@timestamp': `2026-01-01T00:00:0${i}.000Z`,
            event: { action: 'ssh.login' },
            message,
          }) as AuditEvent,
      );
      await old.append({ events: events.map(recordFor), nodes: [], frontier: '{}', producers: [] });
      // Back to the schema before 0206: no column, the index on the expression.
      await old.query(`
        DROP TRIGGER events_fulltext_update ON events;
        DROP FUNCTION events_fulltext_update();
        DROP INDEX events_fulltext;
        ALTER TABLE events DROP COLUMN fulltext;
        DELETE FROM migrations WHERE name IN ('0206-fulltext-column', '0207-fulltext-index');
        CREATE INDEX events_fulltext ON events USING gin (stele_fulltext(body) public.gin_trgm_ops);
        INSERT INTO migrations (name, applied) VALUES ('0004-fulltext', 0);`);
      await old.close();
      old = await PostgresStore.open({ url: PG_URL, schema: other, poolSize: 2 });
      const find = async (q: string) => {
        const where = old.compileFilter(planQuery(parseQuery(q), { now: Date.now() }));
        return (await old.search({ where, limit: 10 })).map((row) => row.seq).sort();
      };
      const texts = async () =>
        (await old.query<{ fulltext: string | null }>('SELECT fulltext FROM events ORDER BY seq')).map(
          (row) => row.fulltext,
        );
      expect(await texts()).toEqual(events.map((e) => fullTextOf(encodeBody(e).body)));
      expect(await find('alice')).toEqual([0]);
      expect(await find('"password for"')).toEqual([0, 2]);
      const index = await old.query<{ def: string }>(
        "SELECT indexdef AS def FROM pg_indexes WHERE schemaname = $1 AND indexname = 'events_fulltext'",
        [other],
      );
      expect(index[0]?.def).toMatch(/gin \(fulltext /);
      // An update of the body (as erasure makes) recomputes the column.
      await old.query(`UPDATE events SET body = $1 WHERE seq = 0`, [
        encodeBody({ ...events[0]!, message: 'Accepted password for [erased]' } as AuditEvent).body,
      ]);
      expect((await texts())[0]).toBe('accepted password for [erased]\n');
      expect(await find('alice')).toEqual([]);
      expect(await find('erased')).toEqual([0]);
    } finally {
      await old.close();
      await dropSchema(other);
    }
  });
});
