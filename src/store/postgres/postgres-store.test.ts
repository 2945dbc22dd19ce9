// The shared store suite on PostgreSQL, in a fresh schema per test, dropped afterwards. Skips with a
// printed reason when PostgreSQL is unreachable, unless STELE_REQUIRE_PG=1.

import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { dropSchema, PG_URL, pgUnavailableReason, uniqueSchema } from '../../../test/helpers/pg.js';
import { runStoreSuite } from '../store.case.js';
import { PostgresStore } from './postgres-store.js';
import { partitionOf } from './postgres-partitions.js';
import { recordFor, CORPUS } from '../store.case.js';

const unavailable = await pgUnavailableReason();

if (unavailable) {
  describe.skip(`store suite: postgres (${unavailable})`, () => {
    it('skipped', () => undefined);
  });
} else {
  let schema = '';
  runStoreSuite(
    'postgres',
    async () => {
      schema = uniqueSchema();
      return PostgresStore.open({ url: PG_URL, schema, poolSize: 3 });
    },
    async () => dropSchema(schema),
    async (store, sql) => void (await (store as PostgresStore).query(sql)),
  );

  describe('postgres store: partitions and hostile values', () => {
    it('writes batches sent before the last one committed, in the order sent', async () => {
      const s = uniqueSchema();
      const store = await PostgresStore.open({ url: PG_URL, schema: s, poolSize: 4 });
      try {
        // The first batch creates a partition (slow), the later ones land in it: before appends were
        // kept in order, a later batch claimed the ledger size first and was refused.
        const batches = [0, 1, 2, 3].map((b) => ({
          events: Array.from({ length: 50 }, (_, i) =>
            recordFor({ ...CORPUS[0]!, '@timestamp': `2031-05-0${b + 1}T00:00:00.000Z` }, b * 50 + i),
          ),
          nodes: [],
          frontier: '{}',
          producers: [],
        }));
        await Promise.all(batches.map((batch) => store.append(batch)));
        expect((await store.loadLedgerState()).size).toBe(200);
        expect((await store.scanEvents(0, 500)).map((r) => r.seq)).toEqual(
          Array.from({ length: 200 }, (_, i) => i),
        );
      } finally {
        await store.close();
        await dropSchema(s);
      }
    });

    it('vacuums without the statement timeout every other statement has', async () => {
      const s = uniqueSchema();
      const store = await PostgresStore.open({
        url: PG_URL,
        schema: s,
        poolSize: 2,
        statementTimeoutMs: 1000,
      });
      const blocker = new pg.Client({ connectionString: PG_URL });
      await blocker.connect();
      try {
        await store.append({ events: [recordFor(CORPUS[0]!, 0)], nodes: [], frontier: '{}', producers: [] });
        // VACUUM waits for this lock for longer than the statement timeout.
        await blocker.query('BEGIN');
        await blocker.query(`LOCK TABLE "${s}".events IN SHARE UPDATE EXCLUSIVE MODE`);
        const analyzed = store.analyze();
        await new Promise((r) => setTimeout(r, 1500));
        await blocker.query('COMMIT');
        await analyzed;
        // The other statements still have theirs, on every pooled connection.
        for (let i = 0; i < 2; i++) {
          await expect(store.query('SELECT pg_sleep(1.5)')).rejects.toThrow(/timeout|cancel/i);
        }
      } finally {
        await blocker.end();
        await store.close();
        await dropSchema(s);
      }
    });

    it('stores events of any time, creating month partitions on demand', async () => {
      const s = uniqueSchema();
      const store = await PostgresStore.open({ url: PG_URL, schema: s, poolSize: 2 });
      try {
        const times = ['1969-12-31T23:59:59.000Z', '2001-02-03T04:05:06.000Z', '2300-01-01T00:00:00.000Z'];
        const records = times.map((t, i) => recordFor({ ...CORPUS[0]!, '@timestamp': t }, i));
        await store.append({ events: records, nodes: [], frontier: '{}', producers: [] });
        expect((await store.scanEvents(0, 10)).map((r) => r.ts)).toEqual(times.map((t) => Date.parse(t)));
        const parts = await store.query<{ name: string }>(
          `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace
            WHERE p.relname = 'events' AND n.nspname = $1`,
          [s],
        );
        const names = parts.map((p) => p.name);
        expect(names).toContain(partitionOf(Date.parse(times[1]!))!.name);
        expect(names).toContain('events_default');
      } finally {
        await store.close();
        await dropSchema(s);
      }
    });

    it('keeps alerts, first-seen keys with NUL separators, and erases derived values', async () => {
      const s = uniqueSchema();
      const store = await PostgresStore.open({ url: PG_URL, schema: s, poolSize: 2 });
      try {
        const alert = {
          ruleKey: 'r1',
          ruleId: 'r1',
          title: 'Rule one',
          level: 'high',
          groupKey: JSON.stringify([['user.name', 'mallory']]),
          group: { 'user.name': 'mallory' },
          seq: 4,
          ts: 1000,
        };
        const seen = ['login\u0000mallory\u0000web-1', 'login\u0000a\\0b'];
        const first = await store.recordDetections({
          alerts: [alert, { ...alert, seq: 5, ts: 1500 }],
          cursor: 5,
          seen,
          sinks: ['hook'],
          dedupWindowMs: 60_000,
          now: 2000,
        });
        expect(first.created).toHaveLength(1);
        expect(first.merged).toEqual(first.created);
        expect(await store.seenKeys([...seen, 'login\u0000other'])).toEqual(new Set(seen));
        expect(await store.getMeta('detect_cursor')).toBe('5');
        const got = await store.getAlert(first.created[0]!);
        expect(got).toMatchObject({ count: 2, firstSeq: 4, lastSeq: 5, seqs: [4, 5], status: 'open' });
        expect((await store.dueDeliveries(2000, 10)).map((d) => d.sink)).toEqual(['hook']);
        expect(await store.eraseDerived(['mallory'], '[erased]')).toEqual({ seen: 1, alerts: 1 });
        expect(await store.seenKeys(seen)).toEqual(new Set([seen[1]]));
        expect((await store.listAlerts({ limit: 10 }))[0]!.group).toEqual({ 'user.name': '[erased]' });
      } finally {
        await store.close();
        await dropSchema(s);
      }
    });

    it('keeps U+0000 in column values exactly', async () => {
      const s = uniqueSchema();
      const store = await PostgresStore.open({ url: PG_URL, schema: s, poolSize: 2 });
      try {
        const event = { ...CORPUS[0]!, user: { name: 'a\u0000b' }, message: 'x\u0000y \ud800' };
        await store.append({ events: [recordFor(event, 0)], nodes: [], frontier: '{}', producers: [] });
        const row = await store.getEvent(0);
        expect(row!.columns[3]).toBe('a\u0000b');
        const filter = store.compileFilter({ kind: 'exists', field: 'message' });
        expect(await store.count(filter)).toBe(1);
      } finally {
        await store.close();
        await dropSchema(s);
      }
    });

    it('erases and expires events whose source or column values hold U+0000, keeping the source exact', async () => {
      const s = uniqueSchema();
      const store = await PostgresStore.open({ url: PG_URL, schema: s, poolSize: 2 });
      try {
        const nul = { ...recordFor({ ...CORPUS[0]!, user: { name: 'a\u0000b' } }, 0), source: 'key\u0000x' };
        const plain = { ...recordFor(CORPUS[1]!, 1), source: 'key\u0000y' };
        await store.append({ events: [nul, plain], nodes: [], frontier: '{}', producers: [] });
        const row = (await store.getEvent(0))!;
        const erased = { commitments: { 'user.name': 'c' }, salts: {} };
        // The new column values hold U+0000 (row 0), or only the kept source does (row 1).
        await store.eraseEvents([
          { seq: 0, body: row.body!, columns: ['x\u0000', null, null, null, null, null], erased },
          { seq: 1, body: row.body!, columns: [null, null, null, null, null, null], erased },
        ]);
        expect((await store.getEvent(0))!).toMatchObject({
          source: 'key\u0000x',
          columns: ['x\u0000', null, null, null, null, null],
        });
        expect((await store.getEvent(1))!.source).toBe('key\u0000y');
        expect(await store.expireEvents([{ first: 0, last: 1, record: 1, expired: 5 }])).toBe(2);
        for (const seq of [0, 1]) {
          expect(await store.getEvent(seq)).toMatchObject({
            source: seq === 0 ? 'key\u0000x' : 'key\u0000y',
            body: null,
            columns: [null, null, null, null, null, null],
          });
        }
        expect(await store.count(undefined)).toBe(0);
        expect(await store.listExpiredRanges()).toEqual([{ first: 0, last: 1, record: 1, expired: 5 }]);
      } finally {
        await store.close();
        await dropSchema(s);
      }
    });
  });
}
