// The shared store suite: every dialect runs these same cases (SQLite always, PostgreSQL when it is
// reachable). Search results are checked against the planner's in-memory evaluator, which is the
// reference semantics of the query language.

import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../core/event.js';
import { indexedFields } from '../ingest/fields.js';
import { parseQuery } from '../query/parser.js';
import { matchesPredicate, planQuery } from '../query/plan.js';
import type { EventRecord, Store } from './store.js';
import { rowToEvent } from './store.js';
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

    it('finds producer duplicates', async () => {
      const dup = { ...CORPUS[0]!, stele: { producer: { id: 'agent', seq: 5 } } } as AuditEvent;
      await store.append({ events: [recordFor(dup, 8)], nodes: [], frontier: '{}', producers: [] });
      const found = await store.findProducerDuplicates([
        { id: 'agent', seq: 5 },
        { id: 'agent', seq: 6 },
      ]);
      expect([...found]).toEqual([['agent\u00005', 8]]);
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
