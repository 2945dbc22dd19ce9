import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../query/parser.js';
import { ipToComparable, matchesPredicate, planQuery } from '../../query/plan.js';
import type { AuditEvent } from '../../core/event.js';
import {
  CIDR_CORPUS,
  CIDR_QUERIES,
  CIDR_START,
  CORPUS,
  recordFor,
  runStoreSuite,
  SEARCH_CORPUS,
  seqsThroughPages,
} from '../store.case.js';
import { COMPACT_IP_MIGRATION } from './sqlite-migrations.js';
import { SqliteStore } from './sqlite-store.js';

/** The SQL text of every statement the store runs from now on, in order. */
function recordStatements(store: SqliteStore): string[] {
  const statements: string[] = [];
  const prepare = store.raw.prepare.bind(store.raw);
  store.raw.prepare = ((sql: string) => {
    const statement = prepare(sql);
    for (const method of ['get', 'all', 'run', 'iterate'] as const) {
      const run = statement[method].bind(statement) as (...args: unknown[]) => unknown;
      (statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        statements.push(sql);
        return run(...args);
      };
    }
    return statement;
  }) as typeof store.raw.prepare;
  return statements;
}

let dir = '';
runStoreSuite(
  'sqlite',
  async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stele-sqlite-'));
    return new SqliteStore(dir);
  },
  async () => fs.rmSync(dir, { recursive: true, force: true }),
  async (store, sql) => void (store as SqliteStore).raw.exec(sql),
);

describe('sqlite full-text index', () => {
  it('narrows text predicates with the trigram index, and scans for terms under three characters', () => {
    const store = new SqliteStore(fs.mkdtempSync(path.join(os.tmpdir(), 'stele-fts-')));
    const sql = (q: string) => store.compileFilter(planQuery(parseQuery(q), { now: 0 }))?.sql ?? '';
    expect(sql('failed')).toContain('events_fts MATCH');
    expect(sql('message:*denied')).toContain('events_fts MATCH');
    expect(sql('ab')).not.toContain('events_fts');
    expect(sql('process.command_line:*nginx*')).not.toContain('events_fts');
    void store.close();
  });

  it('scans instead when a term is so common that a page of matches is found sooner in time order', async () => {
    const store = new SqliteStore(fs.mkdtempSync(path.join(os.tmpdir(), 'stele-fts-')));
    const events = Array.from({ length: 3000 }, (_, i) => ({
      '@timestamp': new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      event: { action: 'ssh.login' },
      message: i === 1234 ? 'a rare needle here' : `common words ${i}`,
    })) as AuditEvent[];
    await store.append({ events: events.map(recordFor), nodes: [], frontier: '{}', producers: [] });
    const plan = (q: string) => planQuery(parseQuery(q), { now: 0 });
    expect(store.compileFilter(plan('needle'))?.sql).toContain('events_fts MATCH');
    expect(store.compileFilter(plan('common'))?.sql).not.toContain('events_fts');
    for (const q of ['needle', 'common', 'words 12', 'NOT common']) {
      const expected = events.flatMap((e, seq) => (matchesPredicate(plan(q), e) ? [seq] : [])).reverse();
      const rows = await store.search({ where: store.compileFilter(plan(q)), limit: 5000 });
      expect(
        rows.map((r) => r.seq),
        q,
      ).toEqual(expected);
    }
    await store.close();
  });

  it('walks the time index testing a candidate set when a term is neither rare nor common', async () => {
    const store = new SqliteStore(fs.mkdtempSync(path.join(os.tmpdir(), 'stele-fts-')));
    // Times out of seq order, so a page in time order is not a page in seq order.
    const events = Array.from({ length: 3000 }, (_, i) => ({
      '@timestamp': new Date(Date.UTC(2026, 0, 1) + ((i * 7919) % 3000) * 1000).toISOString(),
      event: { action: 'ssh.login' },
      // Every 10th event says "middling"; "abcdef" and "uvwxyz" are each in a tenth of the events
      // but together only in four.
      message: `${i % 10 === 0 ? 'middling' : 'plain'} ${i % 10 === 3 || i % 999 === 0 ? 'abcdef' : ''} ${i % 10 === 4 || i % 999 === 0 ? 'uvwxyz' : ''} ${i}`,
    })) as AuditEvent[];
    await store.append({ events: events.map(recordFor), nodes: [], frontier: '{}', producers: [] });
    const plan = (q: string) => planQuery(parseQuery(q), { now: 0 });
    // 300 candidates of 3,000: above 2 * sqrt(3,000), below the scan threshold.
    expect(store.compileFilter(plan('middling'))?.orderedSql).toContain('+events.seq IN');
    // Each trigram is common, the phrase rare: the exact count keeps the candidate plan.
    expect(store.compileFilter(plan('"abcdef uvwxyz"'))?.orderedSql).toBeUndefined();
    for (const q of ['middling', '"abcdef uvwxyz"', 'middling AND NOT abcdef', 'middling OR uvwxyz']) {
      const filter = store.compileFilter(plan(q));
      const expected = events
        .map((e, seq) => ({ e, seq, ts: Date.parse(e['@timestamp']) }))
        .filter(({ e }) => matchesPredicate(plan(q), e))
        .sort((a, b) => b.ts - a.ts || b.seq - a.seq)
        .map((x) => x.seq);
      expect(expected.length, q).toBeGreaterThan(2);
      const page = await store.search({ where: filter, limit: 100 });
      expect(
        page.map((r) => r.seq),
        q,
      ).toEqual(expected.slice(0, 100));
      expect(await store.count(filter), q).toBe(expected.length);
    }
    await store.close();
  });

  it('reads a term dense among the newest events by a walk in time order, and plans only when asked', async () => {
    const store = new SqliteStore(fs.mkdtempSync(path.join(os.tmpdir(), 'stele-fts-')));
    // 600 of 5,000 events say "burst", all of them the newest; 600 others say "faded", the oldest.
    const events = Array.from({ length: 5000 }, (_, i) => ({
      '@timestamp': new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      event: { action: 'ssh.login' },
      message: `${i >= 4400 ? 'burst' : i < 600 ? 'faded' : 'quiet'} line ${i}`,
    })) as AuditEvent[];
    await store.append({ events: events.map(recordFor), nodes: [], frontier: '{}', producers: [] });
    const plan = (q: string) => planQuery(parseQuery(q), { now: 0 });
    const statements = recordStatements(store);
    const counted = () => statements.some((sql) => sql.includes('MATCH ? LIMIT ?)'));
    for (const q of ['burst', 'faded']) {
      statements.length = 0;
      const filter = store.compileFilter(plan(q));
      const page = await store.search({ where: filter, limit: 100 });
      const expected = events.flatMap((e, seq) => (matchesPredicate(plan(q), e) ? [seq] : [])).reverse();
      expect(
        page.map((r) => r.seq),
        q,
      ).toEqual(expected.slice(0, 100));
      // "burst": all 512 newest candidates among the newest 512 events, a walk; "faded": its page
      // is proven from the newest candidates. Neither page needed the plan's count.
      expect(counted(), q).toBe(false);
      if (q === 'burst')
        expect(statements.some((sql) => sql.includes('events_fts')) && !counted()).toBe(true);
      // The planned condition (counts, cursors, oldest first) is counted when first read: 600
      // candidates, between 2 * sqrt(5,000) and sqrt(1,000 * 5,000), the candidate-set walk.
      expect(filter?.orderedSql, q).toContain('+events.seq IN');
      expect(counted(), q).toBe(true);
      expect(await store.count(filter), q).toBe(expected.length);
      const oldest = await store.search({ where: filter, limit: 100, order: 'asc' });
      expect(
        oldest.map((r) => r.seq),
        q,
      ).toEqual([...expected].reverse().slice(0, 100));
    }
    // With a CIDR block beside it, the rest of the condition is compiled again (byValue.rest): the
    // term's candidates are counted once all the same.
    statements.length = 0;
    void store.compileFilter(plan('faded AND source.ip:10.0.0.0/8'))?.sql;
    expect(statements.filter((sql) => sql.includes('MATCH ? LIMIT ?)'))).toHaveLength(1);
    await store.close();
  });

  it('reads a first page from the newest candidates when that proves the page, late arrivals included', async () => {
    const store = new SqliteStore(fs.mkdtempSync(path.join(os.tmpdir(), 'stele-fts-')));
    // Mostly in time order; every 97th event arrived late with a time newer than all the others,
    // so the page of "common" holds events of small seq that the newest candidates do not reach.
    const events = Array.from({ length: 5000 }, (_, i) => ({
      '@timestamp': new Date(Date.UTC(2026, 0, 1) + (i % 97 === 5 ? 5_000_000 + i : i) * 1000).toISOString(),
      event: { action: 'ssh.login', outcome: i % 5 < 2 ? 'failure' : 'success' },
      message: `${i % 6 === 0 ? 'common' : 'plain'} ${i % 11 === 0 ? 'rarer' : ''} ${i === 17 ? 'needle' : ''} ${i}`,
    })) as AuditEvent[];
    await store.append({ events: events.map(recordFor), nodes: [], frontier: '{}', producers: [] });
    const plan = (q: string) => planQuery(parseQuery(q), { now: 0 });
    const statements = recordStatements(store);
    const fromNewest = () =>
      statements.some((sql) => sql.includes('WHERE e.seq IN (SELECT value FROM json_each(?))'));
    const cases: Array<[string, { limit: number; from?: number; to?: number; maxSeq?: number }, boolean]> = [
      ['common', { limit: 100 }, true],
      ['common AND outcome:failure', { limit: 100 }, true],
      ['rarer', { limit: 50 }, true],
      ['needle', { limit: 100 }, true], // one candidate: all of them read
      ['common', { limit: 100, maxSeq: 1000 }, false], // the newest candidates are past the snapshot
      ['common', { limit: 100, to: Date.UTC(2026, 0, 1) + 1_000_000 }, false],
      ['common OR needle', { limit: 100 }, false], // no term among the top-level ANDs
      ['plain', { limit: 100 }, true], // in 5 of 6 events: read by a walk in time order instead
      ['plain', { limit: 100, to: Date.UTC(2026, 0, 1) + 1_000_000 }, false], // not walked from an end time
      ['common', { limit: 600 }, false], // 834 candidates, fewer than 4 * 600: all read, no proof needed
    ];
    for (const [q, options, newestUsed] of cases) {
      const expected = events
        .map((e, seq) => ({ e, seq, ts: Date.parse(e['@timestamp']) }))
        .filter(
          ({ e, ts, seq }) =>
            matchesPredicate(plan(q), e) &&
            ts < (options.to ?? Infinity) &&
            seq <= (options.maxSeq ?? Infinity),
        )
        .sort((a, b) => b.ts - a.ts || b.seq - a.seq)
        .slice(0, options.limit)
        .map((x) => x.seq);
      statements.length = 0;
      const page = await store.search({ where: store.compileFilter(plan(q)), ...options });
      expect(
        page.map((r) => r.seq),
        q,
      ).toEqual(expected);
      expect(fromNewest(), `${q} ${JSON.stringify(options)}`).toBe(
        newestUsed || (q === 'common' && options.limit === 600),
      );
    }
    // The page of "common" holds late arrivals older in seq than the 512 newest candidates read.
    const oldestRead = events.flatMap((e, seq) => (e.message?.startsWith('common') ? [seq] : [])).at(-512)!;
    const page = await store.search({ where: store.compileFilter(plan('common')), limit: 100 });
    expect(page.filter((r) => r.seq < oldestRead).length).toBeGreaterThan(3);
    await store.close();
  });

  it('finds a term of the message or the original whether or not the original contains the message', async () => {
    const store = new SqliteStore(fs.mkdtempSync(path.join(os.tmpdir(), 'stele-fts-')));
    const line = (i: number) => `<38>Dec  6 08:00:0${i} web-1 sshd[9${i}]: Failed password for mallory${i}`;
    const events = [0, 1, 2, 3].map((i) => ({
      '@timestamp': new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      // 0 and 1: the message is part of the original (only the original is indexed); 2: it is not; 3: no original.
      message: i === 2 ? `rewritten note about alice${i}` : `Failed password for mallory${i}`,
      ...(i === 3 ? {} : { event: { original: line(i) } }),
    })) as AuditEvent[];
    await store.append({ events: events.map(recordFor), nodes: [], frontier: '{}', producers: [] });
    const plan = (q: string) => planQuery(parseQuery(q), { now: 0 });
    const body = await store.search({ where: undefined, limit: 10 });
    for (const q of [
      'mallory0',
      'mallory1',
      'alice2',
      'mallory2',
      'mallory3',
      'sshd',
      'message:mallory1',
      'event.original:alice2',
    ]) {
      expect(store.compileFilter(plan(q))?.sql, q).toContain('events_fts MATCH');
      const expected = events.flatMap((e, seq) => (matchesPredicate(plan(q), e) ? [seq] : [])).reverse();
      const rows = await store.search({ where: store.compileFilter(plan(q)), limit: 10 });
      expect(
        rows.map((r) => r.seq),
        q,
      ).toEqual(expected);
    }
    expect(body).toHaveLength(4);
    await store.close();
  });
});

describe('sqlite pages of a CIDR block', () => {
  const events = CIDR_CORPUS;
  const plan = (q: string) => planQuery(parseQuery(q), { now: 0 });
  const expected = (q: string, from = -Infinity, to = Infinity) =>
    events
      .map((e, seq) => ({ e, seq, ts: Date.parse(e['@timestamp']) }))
      .filter(({ e, ts }) => ts >= from && ts < to && matchesPredicate(plan(q), e))
      .sort((a, b) => b.ts - a.ts || b.seq - a.seq);

  it('reads a page per address of a busy block with few, walks the time index for one with many', async () => {
    const store = new SqliteStore(fs.mkdtempSync(path.join(os.tmpdir(), 'stele-cidr-')));
    await store.append({ events: events.map(recordFor), nodes: [], frontier: '{}', producers: [] });
    const statements = recordStatements(store);
    const pageSql = async (q: string) => {
      statements.length = 0;
      await store.search({ where: store.compileFilter(plan(q)), limit: 100 });
      return statements.find((s) => s.includes('CROSS JOIN')) ?? '';
    };
    expect(await pageSql('source.ip:198.51.0.0/24')).toContain('UNION ALL');
    expect(await pageSql('source.ip:198.51.0.4 AND outcome:failure')).toContain('source_ip = ?');
    expect(await pageSql('source.ip:10.0.0.0/16')).toContain('+source_ip BETWEEN');
    const sparse = await pageSql('source.ip:10.9.0.0/16');
    expect(sparse).not.toContain('UNION ALL');
    expect(sparse).not.toContain('+source_ip');
    // Under an OR or a NOT the block is not split.
    expect(await pageSql('source.ip:198.51.0.0/24 OR user.name:u1')).not.toContain('UNION ALL');
    expect(await pageSql('NOT source.ip:198.51.0.0/24')).not.toContain('UNION ALL');
    await store.close();
  });

  it('gives every plan the same pages as the reference semantics, in both orders and through cursors', async () => {
    const store = new SqliteStore(fs.mkdtempSync(path.join(os.tmpdir(), 'stele-cidr-')));
    await store.append({ events: events.map(recordFor), nodes: [], frontier: '{}', producers: [] });
    const from = CIDR_START + 500_000;
    const to = CIDR_START + 2_000_000;
    for (const q of CIDR_QUERIES) {
      const where = store.compileFilter(plan(q));
      for (const window of [{}, { from, to }]) {
        const all = expected(q, window.from, window.to);
        for (const order of ['desc', 'asc'] as const) {
          const want = (order === 'desc' ? all : [...all].reverse()).map((x) => x.seq);
          const got = await seqsThroughPages(store, { where, ...window, limit: 37, order, maxSeq: 2999 });
          expect(got, `${q} ${order} ${JSON.stringify(window)}`).toEqual(want);
        }
      }
      expect(await store.count(where), q).toBe(expected(q).length);
    }
    await store.close();
  });
});

describe('sqlite compact source IPs (migration 0204)', () => {
  const ALL = [...CORPUS, ...SEARCH_CORPUS];
  const IP_QUERIES = [
    'source.ip:10.0.0.0/8',
    'source.ip:198.51.100.77',
    'source.ip:::ffff:0:0/96',
    'source.ip:::/0',
    'NOT source.ip:::/0',
    'source.ip:::/8',
    'source.ip:2001:db8::/32',
    'source.ip:[0.0.0.0 TO 198.51.100.77]',
    'source.ip:{:: TO ::ffff:0.0.0.0}',
    'source.ip>=::1',
    'ip:2001:db8::/32',
    'related.ip:10.1.2.0/24',
  ];

  async function expectReferenceResults(store: SqliteStore): Promise<void> {
    for (const q of IP_QUERIES) {
      const predicate = planQuery(parseQuery(q), { now: 0 });
      const expected = ALL.flatMap((e, seq) => (matchesPredicate(predicate, e) ? [seq] : [])).reverse();
      const rows = await store.search({ where: store.compileFilter(predicate), limit: 100 });
      expect(
        rows.map((r) => r.seq),
        q,
      ).toEqual(expected);
    }
  }

  it('stores IPv4 in 5 bytes, and converts a data directory written with 16-byte addresses', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stele-ip-'));
    let store = new SqliteStore(dir);
    await store.append({ events: ALL.map(recordFor), nodes: [], frontier: '{}', producers: [] });
    const lengths = () =>
      store.raw
        .prepare('SELECT seq, length(source_ip) AS n FROM events WHERE source_ip IS NOT NULL ORDER BY seq')
        .all() as Array<{ seq: number; n: number }>;
    const expectedLengths = (compact: boolean) =>
      ALL.flatMap((e, seq) => {
        const hex = e.source?.ip === undefined ? undefined : ipToComparable(e.source.ip);
        if (hex === undefined) return [];
        return [{ seq, n: compact ? (hex.startsWith('00000000000000000000ffff') ? 5 : 17) : 16 }];
      });
    expect(lengths()).toEqual(expectedLengths(true));
    await expectReferenceResults(store);

    // Put the file back as an older Stele left it: 16-byte addresses, migration not applied.
    const wide = store.raw.prepare('UPDATE events SET source_ip = ? WHERE seq = ?');
    ALL.forEach((e, seq) => {
      const hex = e.source?.ip === undefined ? undefined : ipToComparable(e.source.ip);
      if (hex !== undefined) wide.run(Buffer.from(hex, 'hex'), seq);
    });
    store.raw.prepare('DELETE FROM migrations WHERE name = ?').run(COMPACT_IP_MIGRATION);
    expect(lengths()).toEqual(expectedLengths(false));
    await store.close();

    // Read-only (no migration): the 16-byte form is still searched correctly.
    store = new SqliteStore(dir, { readonly: true });
    await expectReferenceResults(store);
    await store.close();

    // Opened for writing: migrated, and new events are compact too.
    store = new SqliteStore(dir);
    expect(lengths()).toEqual(expectedLengths(true));
    await expectReferenceResults(store);
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('sqlite first-seen keys', () => {
  it('finds exactly the stored keys among hundreds asked at once', async () => {
    const store = new SqliteStore(fs.mkdtempSync(path.join(os.tmpdir(), 'stele-seen-')));
    try {
      const keys = Array.from({ length: 250 }, (_, i) => `p\u0000user${i}\u000010.0.0.${i % 256}`);
      const stored = keys.filter((_, i) => i % 7 === 0 || i === 249);
      await store.recordDetections({
        alerts: [],
        cursor: 0,
        seen: stored,
        sinks: [],
        dedupWindowMs: 0,
        now: 0,
      });
      // Asked in three chunks (the last one short), with a repeat and a key that is a prefix of another.
      const asked = [...keys, keys[0]!, 'p\u0000user1'];
      expect(await store.seenKeys(asked)).toEqual(new Set(stored));
      expect(await store.seenKeys([])).toEqual(new Set());
    } finally {
      await store.close();
    }
  });
});
