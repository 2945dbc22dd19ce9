// Hourly event counts (event_counts), on SQLite and PostgreSQL: aggregations answered from them
// must equal the in-memory reference over random events, requests and time ranges, and the table
// must stay equal to a recount of the live events after erasure and retention change rows.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dropSchema, PG_URL, pgUnavailableReason, uniqueSchema } from '../../test/helpers/pg.js';
import type { AuditEvent, StoredEvent } from '../core/event.js';
import { aggregateEvents } from '../query/aggregate.js';
import { parseQuery } from '../query/parser.js';
import { matchesPredicate, planQuery } from '../query/plan.js';
import {
  COUNT_TABLES,
  countedHistogram,
  countFilterOf,
  countHourSql,
  countSpanOf,
  COUNT_HOUR_MS,
} from './aggregate-sql.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { encodeBody } from './row-codec.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { recordFor } from './store.case.js';
import { rowToEvent, type AggregateRequest, type RetentionStore, type Store } from './store.js';

const HOUR = COUNT_HOUR_MS;
/** Hour-aligned, so the random ranges below cross whole hours and partial ones. */
const T0 = Date.UTC(2026, 10, 1);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomEvents(n: number, r: () => number): AuditEvent[] {
  const users = ['alice', 'bob', 'carol', '', 'root'];
  const outcomes = ['success', 'failure', 'unknown'];
  const datasets = ['linux.auth', 'k8s.audit'];
  const events: AuditEvent[] = [];
  for (let i = 0; i < n; i++) {
    // Ten hours and a bit, some events exactly on an hour boundary.
    const ts = r() < 0.05 ? T0 + Math.floor(r() * 10) * HOUR : T0 + Math.floor(r() * 10.5 * HOUR);
    const e: Record<string, unknown> = {
      '@timestamp': new Date(ts).toISOString(),
      event: { action: ['ssh.login', 'sudo.command', 'k8s.exec'][Math.floor(r() * 3)] },
      message: `event ${i}`,
    };
    const event = e.event as Record<string, unknown>;
    if (r() < 0.1) delete event.action;
    if (r() < 0.9) event.outcome = outcomes[Math.floor(r() * outcomes.length)];
    if (r() < 0.8) event.dataset = datasets[Math.floor(r() * datasets.length)];
    if (r() < 0.85) e.user = { name: users[Math.floor(r() * users.length)] };
    events.push(e as unknown as AuditEvent);
  }
  return events;
}

const QUERIES = [
  '',
  'outcome:failure',
  'user.name:alice',
  'dataset:k8s.audit AND outcome:failure',
  'user.name:""',
  'action:sudo.command',
  'action:k8s.exec AND outcome:success',
];
const BYS = [
  [],
  ['user.name'],
  ['event.outcome'],
  ['user.name', 'event.outcome'],
  ['event.dataset', 'user.name'],
  ['event.action'],
  ['event.action', 'event.outcome'],
];

interface Dialect {
  name: string;
  open(): Promise<Store & RetentionStore>;
  /** Reopens the same database, as a new process would. */
  reopen(store: Store): Promise<Store & RetentionStore>;
  rows(store: Store, sql: string): Promise<unknown[]>;
  exec(store: Store, sql: string): Promise<void>;
  cleanup(): Promise<void>;
  /** SQL that removes the table and its migration record, as in a data dir made before it. */
  dropCounts: string;
}

let dir = '';
const sqlite: Dialect = {
  name: 'sqlite',
  async open() {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stele-counts-'));
    return new SqliteStore(dir);
  },
  async reopen(store) {
    await store.close();
    return new SqliteStore(dir);
  },
  async rows(store, sql) {
    return (store as SqliteStore).raw.prepare(sql).all();
  },
  async exec(store, sql) {
    (store as SqliteStore).raw.exec(sql);
  },
  async cleanup() {
    fs.rmSync(dir, { recursive: true, force: true });
  },
  dropCounts: `${COUNT_TABLES.map((t) => `DROP TRIGGER ${t.table}_update; DROP TRIGGER ${t.table}_delete; DROP TABLE ${t.table};`).join(' ')}
    DELETE FROM migrations WHERE name = '0203-search-event-counts'`,
};

let schema = '';
const postgres: Dialect = {
  name: 'postgres',
  async open() {
    schema = uniqueSchema();
    return PostgresStore.open({ url: PG_URL, schema, poolSize: 3 });
  },
  async reopen(store) {
    await store.close();
    return PostgresStore.open({ url: PG_URL, schema, poolSize: 3 });
  },
  async rows(store, sql) {
    return (store as PostgresStore).query(sql);
  },
  async exec(store, sql) {
    await (store as PostgresStore).query(sql);
  },
  cleanup: () => dropSchema(schema),
  dropCounts: `${COUNT_TABLES.map((t) => `DROP TABLE ${t.table}; DROP FUNCTION ${t.table}_change() CASCADE;`).join(' ')}
    DELETE FROM migrations WHERE name = '0202-search-event-counts'`,
};

const unavailable = await pgUnavailableReason();
const dialects = unavailable ? [sqlite] : [sqlite, postgres];

describe.each(dialects)('hourly event counts: $name', (dialect) => {
  let store: Store & RetentionStore;
  beforeEach(async () => {
    store = await dialect.open();
  });
  afterEach(async () => {
    await store.close();
    await dialect.cleanup();
  });

  async function load(events: AuditEvent[], batch: number): Promise<void> {
    for (let i = 0; i < events.length; i += batch) {
      const records = events.slice(i, i + batch).map((e, j) => recordFor(e, i + j));
      await store.append({ events: records, nodes: [], frontier: '{}', producers: [] });
    }
  }

  async function liveEvents(): Promise<StoredEvent[]> {
    const rows = await store.scanEvents(0, 1_000_000);
    return rows.flatMap((row) => rowToEvent(row) ?? []);
  }

  /** Each count table as stored (rows whose count fell to zero aside), and as a recount of the live events. */
  async function expectCountsRight(): Promise<void> {
    for (const t of COUNT_TABLES) {
      const columns = Object.values(t.columns).join(', ');
      const order = `ORDER BY 1, ${Object.values(t.columns)
        .map((_, i) => `${i + 2} NULLS FIRST`)
        .join(', ')}`;
      const stored = await dialect.rows(
        store,
        `SELECT hour, ${columns}, n FROM ${t.table} WHERE n <> 0 ${order}`,
      );
      const recount = await dialect.rows(
        store,
        `SELECT ${countHourSql('ts')} AS hour, ${columns}, COUNT(*) AS n FROM events
          WHERE body IS NOT NULL GROUP BY 1, 2, 3, 4 ${order}`,
      );
      expect(stored.length, t.table).toBeGreaterThan(20);
      expect(stored, t.table).toEqual(recount);
    }
  }

  function randomRequest(r: () => number): AggregateRequest {
    const q = QUERIES[Math.floor(r() * QUERIES.length)]!;
    const request: AggregateRequest = {
      predicate: planQuery(parseQuery(q), { now: T0 }),
      by: BYS[Math.floor(r() * BYS.length)]!,
      limit: 1 + Math.floor(r() * 6),
    };
    if (r() < 0.5) request.sort = 'failures';
    // From before the first event to after the last; a range of at least two hours, so it holds a
    // whole hour, sometimes aligned on hours.
    const edge = () => (r() < 0.2 ? Math.floor(r() * 12) * HOUR : Math.floor(r() * 12 * HOUR));
    if (r() < 0.8) {
      let from = T0 - HOUR + edge();
      let to = T0 - HOUR + edge();
      if (to < from) [from, to] = [to, from];
      if (r() < 0.9) request.from = from;
      if (r() < 0.9) request.to = Math.max(to, from + 2 * HOUR);
    }
    return request;
  }

  it('answers counted aggregations exactly as the reference, across whole and partial hours', async () => {
    const r = rng(7);
    const events = randomEvents(3000, r);
    await load(events, 250);
    await expectCountsRight();
    const stored = await liveEvents();
    let counted = 0;
    for (let i = 0; i < 300; i++) {
      const request = randomRequest(r);
      if (countFilterOf(request) && countSpanOf(request.from, request.to)) counted++;
      const label = JSON.stringify({ ...request, predicate: undefined });
      expect(await store.aggregate(request), label).toEqual(aggregateEvents(stored, request));
    }
    // Most took the counted path; the others (an action with a user, or no whole hour) did not.
    expect(counted).toBeGreaterThan(150);
    expect(counted).toBeLessThan(300);
  });

  it('counts histograms of whole-hour buckets from the hourly counts, exactly as the events give them', async () => {
    const r = rng(5);
    await load(randomEvents(2000, r), 200);
    const stored = await liveEvents();
    let counted = 0;
    for (let i = 0; i < 120; i++) {
      const q = QUERIES[Math.floor(r() * QUERIES.length)]!;
      const predicate = planQuery(parseQuery(q), { now: T0 });
      const interval = [HOUR, 2 * HOUR, 3 * HOUR, 30 * 60_000][Math.floor(r() * 4)]!;
      let from = T0 - HOUR + Math.floor(r() * 12 * HOUR);
      let to = T0 - HOUR + Math.floor(r() * 12 * HOUR);
      if (to < from) [from, to] = [to, from];
      to = Math.max(to, from + 2 * HOUR);
      const start = Math.floor(from / interval) * interval;
      const request = { predicate, start, interval, from, to, failures: r() < 0.5 };
      if (countedHistogram(request)) counted++;
      const expected = new Map<number, { start: number; count: number; failures?: number }>();
      for (const e of stored) {
        const ts = Date.parse(e['@timestamp']);
        if (ts < from || ts >= to || !matchesPredicate(predicate, e)) continue;
        const b = start + Math.floor((ts - start) / interval) * interval;
        const bucket =
          expected.get(b) ??
          (request.failures ? { start: b, count: 0, failures: 0 } : { start: b, count: 0 });
        bucket.count++;
        if (request.failures && e.event?.outcome === 'failure') bucket.failures!++;
        expected.set(b, bucket);
      }
      const want = [...expected.values()].sort((a, b) => a.start - b.start);
      expect(
        await store.histogram(request),
        `${q} ${JSON.stringify({ ...request, predicate: undefined })}`,
      ).toEqual(want);
    }
    expect(counted).toBeGreaterThan(40);
    expect(counted).toBeLessThan(120);
  });

  it('does not take a name of Object.prototype for a counted field', () => {
    for (const q of ['toString:x', 'constructor:x AND outcome:failure']) {
      expect(
        countFilterOf({ predicate: planQuery(parseQuery(q), { now: T0 }), by: [], limit: 1 }),
        q,
      ).toBeUndefined();
    }
    expect(countFilterOf({ predicate: { kind: 'all' }, by: ['__proto__'], limit: 1 })).toBeUndefined();
  });

  it('keeps the counts right through erasure and retention', async () => {
    const r = rng(11);
    const events = randomEvents(1500, r);
    await load(events, 100);
    // Erase alice: her name becomes another value, some outcomes change, and one event loses them.
    const updates = events.flatMap((e, seq) => {
      if (e.user?.name !== 'alice') return [];
      const changed = { ...e, user: { name: '[erased]' } } as AuditEvent;
      if (seq % 7 === 0) delete (changed as { user?: unknown }).user;
      return [{ seq, ...encodeBody(changed), erased: { commitments: {}, salts: {} } }];
    });
    expect(updates.length).toBeGreaterThan(50);
    await store.eraseEvents(updates);
    await expectCountsRight();
    await store.expireEvents([{ first: 0, last: 399, record: 1500, expired: T0 }]);
    await expectCountsRight();
    const stored = await liveEvents();
    expect(stored.length).toBe(1100);
    for (let i = 0; i < 100; i++) {
      const request = randomRequest(r);
      const label = JSON.stringify({ ...request, predicate: undefined });
      expect(await store.aggregate(request), label).toEqual(aggregateEvents(stored, request));
    }
  });

  it('counts existing events when the table is added to an older database', async () => {
    await load(randomEvents(500, rng(3)), 500);
    await dialect.exec(store, dialect.dropCounts);
    store = await dialect.reopen(store);
    await expectCountsRight();
  });
});
