// The shared store suite: every dialect runs these same cases (SQLite always, PostgreSQL when it is
// reachable). Search results are checked against the planner's in-memory evaluator, which is the
// reference semantics of the query language.

import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../core/event.js';
import { indexedFields } from '../ingest/fields.js';
import { parseQuery } from '../query/parser.js';
import { aggregateEvents } from '../query/aggregate.js';
import type { StoredEvent } from '../core/event.js';
import { matchesPredicate, planQuery } from '../query/plan.js';
import { completeSubtreeHash } from '../ledger/merkle.js';
import type { AggregateRequest, EventRecord, SearchRequest, Store } from './store.js';
import { NODE_LEVELS_MIGRATION, rowToEvent } from './store.js';
import { encodeBody } from './row-codec.js';

const NOW = Date.UTC(2026, 10, 25, 12);

export const CORPUS: AuditEvent[] = [
  ev(0, 'ssh.login', 'success', 'alice', '203.0.113.7', 'web-1', { session: { id: 's1' } }),
  ev(1, 'ssh.login', 'failure', 'root', '198.51.100.23', 'web-1', { event: { reason: 'bad password' } }),
  ev(2, 'ssh.login', 'failure', 'admin', '198.51.100.23', 'web-2'),
  ev(3, 'sudo.exec', 'success', 'alice', undefined, 'web-1', {
    user: { name: 'alice', effective: { name: 'root' } },
    process: { name: 'sudo', command_line: '/usr/bin/systemctl restart nginx' },
  }),
  ev(4, 'db.connect', 'success', 'app', '10.1.2.3', 'db-1', { related: { ip: ['10.1.2.3', '2001:db8::7'] } }),
  ev(5, 'k8s.exec', 'failure', 'system:serviceaccount:ci:deployer', '2001:db8::42', 'cluster-a', {
    orchestrator: { namespace: 'kube-system', resource: { type: 'pods', name: 'api-0' } },
  }),
  ev(6, 'ssh.logout', 'success', 'Alice', '203.0.113.7', 'web-1', {
    source: { ip: '203.0.113.7', port: 2222 },
  }),
  ev(7, 'user.create', 'unknown', 'root', undefined, 'web-3', {
    user: { name: 'root', target: { name: 'mallory' } },
  }),
];

const QUERIES = [
  '',
  'user.name:alice',
  'user.name:Alice',
  'user:ali*',
  'event.outcome:failure',
  'outcome:failure AND host:web-1',
  'outcome:failure OR action:sudo.exec',
  'NOT outcome:success',
  '-host:web-1',
  'source.ip:198.51.100.0/24',
  'source.ip:10.0.0.0/8',
  'source.ip:2001:db8::/32',
  'ip:2001:db8::/32',
  'source.port:[2000 TO 3000]',
  'source.port>2000',
  'user.effective.name:root',
  'user.target.name:mallory',
  'process.command_line:*nginx*',
  'orchestrator.namespace:kube-system',
  'related.ip:10.1.2.3',
  '"bad password"',
  'systemctl',
  'session.id:*',
  '_exists_:event.reason',
  '@timestamp>=2026-11-25T12:00:03Z',
  '@timestamp:[2026-11-25T12:00:02Z TO 2026-11-25T12:00:05Z}',
  'user.name:(root OR admin)',
  '(outcome:failure AND host:web-*) OR user.name:app',
];

/**
 * Appended after CORPUS (seq 8 on) by the search and aggregation cases: objects, mixed value
 * types on fields Stele does not know, dates in the body, and free text for the full-text index.
 */
export const SEARCH_CORPUS: AuditEvent[] = [
  ev(8, 'ssh.login', 'failure', 'admin', '198.51.100.23', 'web-2', {
    message: 'Failed password for invalid user ADMIN from 198.51.100.23 port 4022 ssh2',
    event: {
      original: '<38>Nov 25 12:00:08 web-2 sshd[4242]: Failed password for invalid user ADMIN',
      created: '2026-11-25T11:00:00Z',
    },
    labels: { level: 5, flag: true, tags: ['a', 1, true, null], ratio: 1.5 },
  }),
  ev(9, 'ssh.login', 'success', 'bob', '203.0.113.9', 'web-2', {
    message: 'Accepted publickey for bob: 100%_done Ünïcode Straße',
    event: { created: '2026-11-25T13:30:00+02:00' },
    labels: { level: '5', flag: 'true', tags: [], empty: [], nulls: [null] },
    related: { user: ['bob', 'root'], hosts: ['web-2'], ip: ['203.0.113.9'] },
  }),
  ev(10, 'k8s.secret.get', 'failure', 'bob', 'not-an-ip', 'cluster-a', {
    orchestrator: { namespace: 'prod', resource: { type: 'secrets' } },
    event: { created: 'not a date' },
    labels: { level: '5.0', tags: 'b' },
    message: 'secret get denied',
  }),
  ev(11, 'db.query', 'success', 'app', '10.1.2.4', 'db-1', {
    event: { created: 12345 },
    labels: { level: 'five', flag: false, ratio: '1.5' },
    session: { id: 's9' },
    related: { user: ['app'], ip: ['10.1.2.4', '10.1.2.3'] },
    message: 'SELECT * FROM accounts -- ab',
  }),
  ev(12, 'ssh.logout', 'success', 'bob', '203.0.113.9', 'web-2', { orchestrator: {}, labels: { level: 7 } }),
  // Address edges (IPv4-mapped, the ends of both spaces, a zone, upper case) and other datasets.
  ev(13, 'ssh.login', 'success', 'carol', '::ffff:198.51.100.77', 'web-4', {
    event: { dataset: 'linux.auth' },
  }),
  ev(14, 'ssh.login', 'success', 'carol', '0.0.0.0', 'web-4', { event: { dataset: 'linux.auth' } }),
  ev(15, 'k8s.exec', 'success', 'dave', '255.255.255.255', 'cluster-a', { event: { dataset: 'k8s.audit' } }),
  ev(16, 'k8s.exec', 'success', 'dave', '::', 'cluster-a', { event: { dataset: 'k8s.audit' } }),
  ev(17, 'db.connect', 'success', 'app', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'db-1'),
  ev(18, 'db.connect', 'success', 'app', '2001:DB8:0::1', 'db-1', { event: { dataset: 'k8s.audit' } }),
  ev(19, 'db.connect', 'success', 'app', 'fe80::1%eth0', 'db-1'),
];

const SEARCH_QUERIES = [
  '_exists_:orchestrator.resource',
  '_exists_:orchestrator',
  '_exists_:user',
  '_exists_:event',
  '_exists_:session',
  '_exists_:source.ip',
  '_exists_:labels.empty',
  '_exists_:labels.nulls',
  '_exists_:labels.tags',
  'NOT _exists_:orchestrator.resource',
  'orchestrator.resource:secrets',
  'labels.level:5',
  'labels.level:"5"',
  'labels.level:[4 TO 6]',
  'labels.level>6',
  'labels.level:five',
  'labels.level:5*',
  'labels.level:[a TO z]',
  'labels.flag:true',
  'labels.flag:false',
  'labels.ratio:1.5',
  'labels.tags:1',
  'labels.tags:true',
  'labels.tags:a',
  'labels.tags:b',
  'event.created>=2026-11-25T11:15:00Z',
  'event.created<2026-11-25T11:15:00Z',
  'event.created:[2026-11-25 TO 2026-11-26}',
  'event.created:2026-11-25',
  'source.ip:*an*',
  'failed',
  'FAILED',
  '"invalid user admin"',
  'ad*n',
  'pass?ord',
  'message:sshd',
  'event.original:sshd',
  'ab',
  'NOT failed',
  '100%_',
  'straße',
  'ÜNÏCODE',
  'Ünïcode',
  'message:*denied',
  'secret OR publickey',
  'source.ip:0.0.0.0/0',
  'source.ip:::/0',
  'NOT source.ip:::/0',
  'source.ip:::ffff:0:0/96',
  'source.ip:198.51.100.77/32',
  'source.ip:198.51.100.77',
  'source.ip:::ffff:198.51.100.0/120',
  'source.ip:198.51.100.0/24',
  'ip:198.51.100.0/24',
  'source.ip:0.0.0.0/32',
  'source.ip:255.255.255.255/32',
  'source.ip:255.255.255.0/24',
  'source.ip:::/128',
  'source.ip:::1',
  'source.ip:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128',
  'source.ip:ffff::/16',
  'source.ip:2001:db8::1',
  'source.ip:2001:db8::/64',
  'source.ip:fe80::/10',
  'source.ip:[0.0.0.0 TO 198.51.100.77]',
  'source.ip:{:: TO ::ffff:0.0.0.0}',
  'dataset:k8s.audit',
  'dataset:test AND outcome:failure',
  'dataset:k8s.audit AND outcome:success',
  'dataset:linux.auth OR outcome:unknown',
  'dataset:k8s.audit AND @timestamp>=2026-11-25T12:00:16Z',
];

function ev(
  i: number,
  action: string,
  outcome: 'success' | 'failure' | 'unknown',
  user: string,
  ip: string | undefined,
  host: string,
  extra: Record<string, unknown> = {},
): AuditEvent {
  const base: Record<string, unknown> = {
    '@timestamp': new Date(NOW + i * 1000).toISOString(),
    event: { action, outcome, dataset: 'test' },
    user: { name: user },
    host: { name: host },
    message: `${action} by ${user}`,
  };
  if (ip) base.source = { ip };
  for (const [k, v] of Object.entries(extra)) {
    base[k] = typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...(base[k] as object), ...v } : v;
  }
  return base as AuditEvent;
}

/**
 * Events for the plans of a CIDR block's pages (byValue). Times are out of seq order and cross a
 * month boundary (two PostgreSQL partitions), so a page in time order is not a page in seq order
 * and an address's entries lie in both; the last 300 events arrive late, with times among the
 * others. Three addresses of 198.51.0.0/24 carry a third of the events; 10.0.0.0/16 has 200
 * addresses and most events; 10.9.0.0/16 has 40 addresses and few events.
 */
export const CIDR_START = Date.UTC(2026, 0, 31, 23, 30);
export const CIDR_CORPUS: AuditEvent[] = Array.from({ length: 3000 }, (_, i) => {
  const ip =
    i % 3 === 0
      ? `198.51.0.${(i % 9) + 1}`
      : i % 50 === 1
        ? `10.9.${Math.floor(i / 50) % 40}.1`
        : i % 50 === 2
          ? `2001:db8::${(i % 7).toString(16)}`
          : `10.0.${i % 200}.${i % 3}`;
  const at = i < 2700 ? (i * 7919) % 3000 : (i * 31) % 2700;
  return {
    '@timestamp': new Date(CIDR_START + at * 1000 + (i % 5 === 0 ? 0 : 1)).toISOString(),
    event: { action: 'ssh.login', outcome: i % 4 === 0 ? 'failure' : 'success' },
    user: { name: `u${i % 5}` },
    source: { ip },
  } as AuditEvent;
});

/** Conditions with a CIDR block, split by value or not, on CIDR_CORPUS. */
export const CIDR_QUERIES = [
  'source.ip:198.51.0.0/24',
  'source.ip:198.51.0.4',
  'source.ip:198.51.0.0/24 AND outcome:failure',
  'user.name:u2 AND source.ip:198.51.0.0/24 AND outcome:success',
  'source.ip:10.0.0.0/16',
  'source.ip:10.0.0.0/16 AND user.name:u3',
  'source.ip:10.9.0.0/16',
  'source.ip:10.0.0.0/8',
  'source.ip:2001:db8::/32',
  'source.ip:192.0.2.0/24',
  'source.ip:198.51.0.0/24 OR user.name:u1',
];

/** The seqs of every page of a search, read through its cursor (`limit` at a time). */
export async function seqsThroughPages(
  store: Store,
  request: Omit<SearchRequest, 'after'>,
  most = 1000,
): Promise<number[]> {
  const got: number[] = [];
  let after: { ts: number; seq: number } | undefined;
  for (let pages = 0; pages < most; pages++) {
    const page = await store.search({ ...request, after });
    got.push(...page.map((r) => r.seq));
    const last = page.at(-1);
    if (!last) break;
    after = { ts: last.ts, seq: last.seq };
  }
  return got;
}

export function recordFor(event: AuditEvent, seq: number): EventRecord {
  const leafHash = createHash('sha256').update(`leaf ${seq}`).digest();
  return {
    seq,
    ts: Date.parse(event['@timestamp']),
    received: NOW + 60_000,
    source: 'test',
    ...encodeBody(event),
    leafHash,
    seed: Buffer.alloc(32, seq),
    fields: indexedFields(event),
  };
}

export function runStoreSuite(
  dialect: string,
  open: () => Promise<Store>,
  cleanup: () => Promise<void>,
  /** Runs raw SQL on the store (to put it back to an older schema). */
  exec: (store: Store, sql: string) => Promise<void>,
): void {
  describe(`store suite: ${dialect}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
      await store.append({
        events: CORPUS.map(recordFor),
        nodes: [{ level: 8, index: 0, hash: Buffer.alloc(32, 7) }],
        frontier: '{"size":8,"hashes":[]}',
        producers: [{ id: 'p1', lastSeq: 9, gaps: 2, events: 8 }],
        checkpoint: { size: 8, rootHash: Buffer.alloc(32, 1), note: 'note text\n', created: NOW },
      });
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    it('restores the ledger state it was given', async () => {
      const state = await store.loadLedgerState();
      expect(state.size).toBe(CORPUS.length);
      expect(state.frontier).toBe('{"size":8,"hashes":[]}');
      expect(state.producers).toEqual([{ id: 'p1', lastSeq: 9, gaps: 2, events: 8 }]);
      expect((await store.latestCheckpoint())?.note).toBe('note text\n');
    });

    it('refuses a batch that does not continue the ledger', async () => {
      const stray = recordFor(CORPUS[0]!, 42);
      await expect(store.append({ events: [stray], nodes: [], frontier: '', producers: [] })).rejects.toThrow(
        /next seq is 8/,
      );
      expect((await store.loadLedgerState()).size).toBe(8);
    });

    it('refuses a checkpoint that does not cover exactly the ledger, and keeps one that does', async () => {
      const checkpoint = (size: number) => ({
        size,
        rootHash: Buffer.alloc(32, 7),
        note: `n${size}\n`,
        created: NOW,
      });
      const only = { events: [], nodes: [], frontier: '', producers: [], checkpoint: checkpoint(9) };
      await expect(store.append(only)).rejects.toThrow(/checkpoint of size 9 but the ledger holds 8/);
      const next = recordFor(CORPUS[0]!, 8);
      const batch = (size: number) => ({
        events: [next],
        nodes: [],
        frontier: '{"size":9,"hashes":[]}',
        producers: [],
        checkpoint: checkpoint(size),
      });
      await expect(store.append(batch(8))).rejects.toThrow(/checkpoint of size 8 but the ledger holds 9/);
      expect((await store.loadLedgerState()).size).toBe(8);
      await store.append(batch(9));
      expect((await store.loadLedgerState()).size).toBe(9);
      expect((await store.latestCheckpoint())?.note).toBe('n9\n');
    });

    it('reads events, leaves and interior nodes back', async () => {
      const row = await store.getEvent(3);
      expect(rowToEvent(row!)?.process?.command_line).toBe('/usr/bin/systemctl restart nginx');
      expect(row!.seed).toEqual(Buffer.alloc(32, 3));
      const [leaf, node, missing] = await store.readNodes([
        { level: 0, index: 2 },
        { level: 8, index: 0 },
        { level: 8, index: 1 },
      ]);
      expect(leaf).toEqual(recordFor(CORPUS[2]!, 2).leafHash);
      expect(node).toEqual(Buffer.alloc(32, 7));
      expect(missing).toBeUndefined();
      expect((await store.scanEvents(6, 10)).map((r) => r.seq)).toEqual([6, 7]);
    });

    it('keeps every 4th tree level, and migration 0400 adds levels 4, 12, ... to a store that kept every 8th', async () => {
      expect(await store.storedLevelStride()).toBe(4);
      // A store as an older Stele left it: leaf hashes and level-8 nodes (node 8/0 from beforeEach;
      // the migration hashes whatever is stored), no levels 4 or 12.
      const events = Array.from({ length: 40 }, (_, i) => recordFor(CORPUS[i % 8]!, i)).slice(8);
      const level8 = Array.from({ length: 17 }, (_, i) =>
        i === 0 ? Buffer.alloc(32, 7) : createHash('sha256').update(`node ${i}`).digest(),
      );
      await store.append({
        events,
        nodes: level8.slice(1).map((hash, i) => ({ level: 8, index: i + 1, hash })),
        frontier: '{}',
        producers: [],
      });
      await exec(store, `DELETE FROM migrations WHERE name = '${NODE_LEVELS_MIGRATION}'`);
      expect(await store.storedLevelStride()).toBe(8);
      await store.migrate();
      expect(await store.storedLevelStride()).toBe(4);
      const leaves = Array.from({ length: 40 }, (_, i) => recordFor(CORPUS[i % 8]!, i).leafHash);
      const got = await store.readNodes([
        { level: 4, index: 0 },
        { level: 4, index: 1 },
        { level: 4, index: 2 }, // entries 32..47: only 40 stored, not complete
        { level: 12, index: 0 },
        { level: 12, index: 1 },
      ]);
      expect(got).toEqual([
        completeSubtreeHash(leaves.slice(0, 16)),
        completeSubtreeHash(leaves.slice(16, 32)),
        undefined,
        completeSubtreeHash(level8.slice(0, 16)),
        undefined,
      ]);
    });

    it('finds producer duplicates', async () => {
      const dup = { ...CORPUS[0]!, stele: { producer: { id: 'agent', seq: 5 } } } as AuditEvent;
      await store.append({ events: [recordFor(dup, 8)], nodes: [], frontier: '{}', producers: [] });
      const found = await store.findProducerDuplicates([
        { id: 'agent', seq: 5 },
        { id: 'agent', seq: 6 },
      ]);
      expect([...found]).toEqual([['agent\u00005', 8]]);
    });

    it('finds exactly the stored producer seqs among hundreds asked at once', async () => {
      // Producers "a" and "a\u00001" would collide in a naive joined key; seq 7 of each is stored.
      const events = [
        ...[0, 7, 100, 149].map((seq) => ({ id: 'a', seq })),
        { id: 'a\u00001', seq: 7 },
        { id: 'b', seq: 7 },
      ].map((producer, i) => recordFor({ ...CORPUS[i]!, stele: { producer } } as AuditEvent, 8 + i));
      await store.append({ events, nodes: [], frontier: '{}', producers: [] });
      const asked = [
        ...Array.from({ length: 150 }, (_, seq) => ({ id: 'a', seq })),
        { id: 'b', seq: 7 },
        { id: 'b', seq: 8 },
        { id: 'a', seq: 7 },
      ];
      const found = await store.findProducerDuplicates(asked);
      expect(new Map([...found].sort())).toEqual(
        new Map([
          ['a\u00000', 8],
          ['a\u00007', 9],
          ['a\u0000100', 10],
          ['a\u0000149', 11],
          ['b\u00007', 13],
        ]),
      );
    });

    for (const q of QUERIES) {
      it(`search matches the reference semantics: ${q || '(empty)'}`, async () => {
        const predicate = planQuery(parseQuery(q), { now: NOW });
        const expected = CORPUS.map((e, seq) => ({ e, seq }))
          .filter(({ e }) => matchesPredicate(predicate, e))
          .map(({ seq }) => seq)
          .reverse();
        const filter = store.compileFilter(predicate);
        const rows = await store.search({ where: filter, limit: 100 });
        expect(rows.map((r) => r.seq)).toEqual(expected);
        expect(await store.count(filter)).toBe(expected.length);
      });
    }

    describe('search and aggregation over mixed values', () => {
      const ALL = [...CORPUS, ...SEARCH_CORPUS];
      beforeEach(async () => {
        await store.append({
          events: SEARCH_CORPUS.map((e, i) => recordFor(e, CORPUS.length + i)),
          nodes: [],
          frontier: '{}',
          producers: [],
        });
      });

      for (const q of SEARCH_QUERIES) {
        it(`matches the reference semantics: ${q}`, async () => {
          const predicate = planQuery(parseQuery(q), { now: NOW });
          const expected = ALL.map((e, seq) => ({ e, seq }))
            .filter(({ e }) => matchesPredicate(predicate, e))
            .map(({ seq }) => seq)
            .reverse();
          const filter = store.compileFilter(predicate);
          expect((await store.search({ where: filter, limit: 100 })).map((r) => r.seq)).toEqual(expected);
          expect(await store.count(filter)).toBe(expected.length);
        });
      }

      it('reads the same content for an export as a search does', async () => {
        const filter = store.compileFilter(planQuery(parseQuery('NOT outcome:unknown'), { now: NOW }));
        const request = { where: filter, limit: 5, after: { ts: NOW + 15_000, seq: 15 }, maxSeq: 13 };
        const rows = await store.search(request);
        const content = await store.searchContent(request);
        expect(rows.map((r) => r.seq)).toEqual([13, 12, 11, 10, 9]);
        expect(content).toEqual(
          rows.map(({ seq, ts, received, source, body, columns }) => ({
            seq,
            ts,
            received,
            source,
            body,
            columns,
          })),
        );
      });

      it('splits a search into pages bounded on both sides that read back the whole result', async () => {
        for (const q of ['', 'NOT outcome:unknown', 'source.ip:10.0.0.0/8 OR user:alice']) {
          const where = store.compileFilter(planQuery(parseQuery(q), { now: NOW }));
          for (const order of ['desc', 'asc'] as const) {
            const whole = await store.search({ where, limit: 1000, order, maxSeq: ALL.length - 2 });
            expect(whole.length).toBeGreaterThan(3);
            for (const size of [1, 2, 3, 7, 1000]) {
              const base = { where, order, maxSeq: ALL.length - 2, limit: size };
              // Ends asked two pages at a time, each call going on after the last end it gave.
              const ends: Array<{ ts: number; seq: number }> = [];
              for (;;) {
                const after = ends.at(-1);
                const next = await store.pageEnds(after ? { ...base, after } : base, 2);
                ends.push(...next);
                if (next.length < 2) break;
              }
              expect(ends.length).toBe(Math.ceil(whole.length / size));
              const read: number[] = [];
              for (let i = 0; i < ends.length; i++) {
                const bounded = { ...base, limit: 10 * size, through: ends[i]! };
                const page = await store.searchContent(
                  i === 0 ? bounded : { ...bounded, after: ends[i - 1]! },
                );
                expect(page.length).toBeLessThanOrEqual(size);
                read.push(...page.map((r) => r.seq));
              }
              expect(read, `${q || '(all)'} ${order} by ${size}`).toEqual(whole.map((r) => r.seq));
            }
          }
        }
      });

      it('the corpus exercises both outcomes of the tricky queries', () => {
        // A query matching nothing (or everything) would not test the SQL; these must split the corpus.
        for (const q of [
          '_exists_:orchestrator.resource',
          'labels.level:5',
          'event.created>=2026-11-25T11:15:00Z',
          'failed',
          'labels.flag:true',
          'source.ip:0.0.0.0/0',
          'source.ip:::ffff:0:0/96',
          'source.ip:::/0',
          'dataset:k8s.audit AND outcome:success',
        ]) {
          const n = ALL.filter((e) => matchesPredicate(planQuery(parseQuery(q), { now: NOW }), e)).length;
          expect(n, q).toBeGreaterThan(0);
          expect(n, q).toBeLessThan(ALL.length);
        }
      });

      const AGGREGATIONS: Array<[string, Omit<AggregateRequest, 'predicate'>]> = [
        ['', { by: ['user.name'], limit: 100 }],
        ['', { by: ['host.name', 'event.outcome'], limit: 100 }],
        ['', { by: ['related.ip'], limit: 100 }],
        ['', { by: ['labels.tags'], limit: 100 }],
        ['', { by: ['labels.level'], limit: 100 }],
        ['', { by: ['orchestrator.resource'], limit: 100 }],
        ['', { by: ['user.name'], distinct: 'source.ip', sort: 'distinct', limit: 100 }],
        ['', { by: ['source.ip'], distinct: 'related.user', limit: 100 }],
        ['outcome:failure', { by: ['user.name'], limit: 2 }],
        ['', { by: ['user.name'], sort: 'failures', limit: 3 }],
        ['host:web-*', { by: [], limit: 10 }],
        ['', { by: ['stele.seq'], limit: 5, from: NOW + 3000, to: NOW + 9000 }],
        ['nothing-matches-this', { by: ['user.name'], limit: 10 }],
      ];
      for (const [q, spec] of AGGREGATIONS) {
        it(`aggregates like the reference: ${q || '(all)'} ${JSON.stringify(spec)}`, async () => {
          const request: AggregateRequest = { predicate: planQuery(parseQuery(q), { now: NOW }), ...spec };
          const stored = ALL.map((e, seq) => ({ ...e, stele: { seq } }) as unknown as StoredEvent);
          const expected = aggregateEvents(stored, request);
          expect(await store.aggregate(request)).toEqual(expected);
        });
      }

      // Whole log, filters and NOT are counted bucket by bucket on SQLite, full-text terms by one
      // grouped statement (aggregate-sql.ts countsBucketByBucket): the results must be the same.
      for (const [q, failures] of [
        ['NOT outcome:success', true],
        ['', false],
        ['', true],
        ['user.name:alice', true],
        ['accepted', true],
        ['accepted OR outcome:failure', false],
      ] as const) {
        it(`counts a time histogram per bucket: '${q}'${failures ? ' with failures' : ''}`, async () => {
          const predicate = planQuery(parseQuery(q), { now: NOW });
          const buckets = await store.histogram({
            predicate,
            start: NOW - 1000,
            interval: 4000,
            from: NOW,
            to: NOW + 12_000,
            failures,
          });
          const expected = new Map<number, { count: number; failures?: number }>();
          for (const e of ALL) {
            const ts = Date.parse(e['@timestamp']);
            if (ts < NOW || ts >= NOW + 12_000 || !matchesPredicate(predicate, e)) continue;
            const start = NOW - 1000 + Math.floor((ts - NOW + 1000) / 4000) * 4000;
            const b = expected.get(start) ?? (failures ? { count: 0, failures: 0 } : { count: 0 });
            b.count++;
            if (failures && e.event?.outcome === 'failure') b.failures!++;
            expected.set(start, b);
          }
          expect(expected.size).toBeGreaterThan(0);
          expect(buckets).toEqual([...expected].map(([start, b]) => ({ start, ...b })));
        });
      }

      it('gives the time extent of matching events', async () => {
        const predicate = planQuery(parseQuery('NOT outcome:success'), { now: NOW });
        expect(await store.timeExtent(predicate)).toEqual({ min: NOW + 1000, max: NOW + 10_000 });
      });

      it('pages oldest first for timelines', async () => {
        const first = await store.search({ limit: 3, order: 'asc', from: NOW + 2000 });
        expect(first.map((r) => r.seq)).toEqual([2, 3, 4]);
        const next = await store.search({ limit: 3, order: 'asc', after: { ts: NOW + 4000, seq: 4 } });
        expect(next.map((r) => r.seq)).toEqual([5, 6, 7]);
      });
    });

    it('pages newest first from a position and within a snapshot', async () => {
      const page = await store.search({ limit: 3, after: { ts: NOW + 5000, seq: 5 }, maxSeq: 3 });
      expect(page.map((r) => r.seq)).toEqual([3, 2, 1]);
      const ranged = await store.search({ limit: 10, from: NOW + 2000, to: NOW + 4000 });
      expect(ranged.map((r) => r.seq)).toEqual([3, 2]);
    });

    it('keeps API keys', async () => {
      const key = {
        id: 'abc',
        name: 'ci',
        scopes: ['ingest', 'read'],
        hash: 'scrypt$1$2$3$x$y',
        created: NOW,
        revoked: null,
      };
      await store.putApiKey(key);
      expect(await store.getApiKey('abc')).toEqual(key);
      expect(await store.getApiKey('nope')).toBeUndefined();
      expect((await store.listApiKeys()).map((k) => k.id)).toEqual(['abc']);
    });
  });
}
