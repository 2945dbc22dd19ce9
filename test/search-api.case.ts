// The search and investigation API over a real server: aggregations, histograms, exports (NDJSON,
// formula-safe CSV, bounded memory), timelines, pivots, first-seen facts, "around", and the audit
// events that every read leaves behind. Run on every database (search-api.test.ts).

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendKind, TestBackend } from './helpers/backends.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { systemClock } from '../src/core/clock.js';
import { exportWorkerScript } from '../src/query/export-readers.js';
import { SearchService, type ExportFormat } from '../src/query/search.js';

const T0 = Date.UTC(2026, 10, 20, 8);

function event(i: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  const users = ['alice', 'bob', 'carol', 'root'];
  const user = users[i % 4]!;
  const failed = user === 'root' || i % 10 === 0;
  return {
    '@timestamp': new Date(T0 + i * 60_000).toISOString(),
    event: {
      action: i % 3 === 0 ? 'ssh.login' : 'sudo.exec',
      outcome: failed ? 'failure' : 'success',
      dataset: 'linux.auth',
    },
    user: { name: user },
    source: { ip: `10.0.${i % 3}.${(i % 7) + 1}` },
    host: { name: `web-${i % 2}` },
    session: { id: `s-${Math.floor(i / 5)}` },
    related: { ip: [`10.0.${i % 3}.${(i % 7) + 1}`], user: [user], hosts: [`web-${i % 2}`] },
    message: `event ${i} for ${user}`,
    ...over,
  };
}

export function runSearchApiSuite(kind: BackendKind): void {
  describe('search API', () => {
    let backend: TestBackend;
    let server: TestServer;
    const events = Array.from({ length: 120 }, (_, i) => event(i));

    beforeAll(async () => {
      backend = await kind.create();
      server = await startTestServer({ ...backend.target });
      events.push(
        event(200, {
          user: { name: 'mallory' },
          message: '=HYPERLINK("http://evil.example","click")',
          host: { name: '@web-9' },
        }),
      );
      const res = await server.post(JSON.stringify(events));
      expect(res.status).toBe(200);
    });
    afterAll(async () => {
      await server?.close();
      await backend?.dispose();
    });

    const getJson = async <T>(p: string): Promise<T> => {
      const res = await server.get(p);
      expect(res.status, p).toBe(200);
      return (await res.json()) as T;
    };

    it('counts by field, exactly, with failure ratios and distinct counts', async () => {
      const r = await getJson<{
        total: number;
        groups: Array<{
          keys: Record<string, string>;
          count: number;
          failures: number;
          failure_ratio: number;
          distinct: number;
        }>;
      }>('/v1/aggregate?q=dataset:linux.auth&by=user&distinct=source.ip&top=4');
      expect(r.total).toBe(121);
      expect(r.groups).toHaveLength(4);
      const root = r.groups.find((g) => g.keys['user.name'] === 'root')!;
      expect(root.count).toBe(30);
      expect(root.failure_ratio).toBe(1);
      const rootIps = new Set(
        events
          .filter((e) => (e.user as { name: string }).name === 'root')
          .map((e) => (e.source as { ip: string }).ip),
      );
      expect(root.distinct).toBe(rootIps.size);
      const byFailures = await getJson<{ groups: Array<{ keys: Record<string, string> }> }>(
        '/v1/aggregate?q=outcome:failure&by=user.name&top=1',
      );
      expect(byFailures.groups[0]!.keys['user.name']).toBe('root');
    });

    it('rejects a bad aggregation with a 400 naming the problem', async () => {
      const res = await server.get('/v1/aggregate?by=@timestamp');
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/histogram/);
    });

    it('builds a histogram with an automatic bucket and every bucket present', async () => {
      const from = new Date(T0).toISOString();
      const to = new Date(T0 + 120 * 60_000).toISOString();
      const r = await getJson<{
        interval_ms: number;
        total: number;
        buckets: Array<{ start: string; count: number }>;
      }>(`/v1/histogram?q=dataset:linux.auth&from=${from}&to=${to}&interval=auto`);
      expect(r.interval_ms).toBe(120_000); // 2 h: 1 min would give 120 buckets, 2 min gives 60
      expect(r.buckets.length).toBeGreaterThanOrEqual(50);
      expect(r.buckets.length).toBeLessThanOrEqual(100);
      expect(r.buckets.reduce((n, b) => n + b.count, 0)).toBe(120);
      expect(r.total).toBe(120);
    });

    it('exports NDJSON and formula-safe CSV', async () => {
      const nd = await (await server.get('/v1/export?q=dataset:linux.auth&format=ndjson')).text();
      const lines = nd.trim().split('\n');
      expect(lines).toHaveLength(121);
      expect(new Set(lines.map((l) => (JSON.parse(l) as { stele: { seq: number } }).stele.seq)).size).toBe(
        121,
      );
      // Byte for byte what the search API returns (the export splices stored JSON, never re-serializes).
      const page = await getJson<{ events: unknown[] }>('/v1/events?q=dataset:linux.auth&limit=200');
      expect(lines).toEqual(page.events.map((e) => JSON.stringify(e)));
      const res = await server.get('/v1/export?q=user:mallory&format=csv');
      expect(res.headers.get('content-type')).toMatch(/text\/csv/);
      const csv = await res.text();
      const [header, row] = csv.split('\r\n');
      expect(header).toMatch(/^'@timestamp,seq,action/); // even the header never starts with @
      expect(row).toContain(`'@web-9`);
      expect(row).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
      expect(row!.split(',').every((cell) => !/^[=+\-@]/.test(cell))).toBe(true);
    });

    it('gives a session timeline oldest first, with first-seen annotations', async () => {
      const r = await getJson<{
        events: Array<{ stele: { seq: number }; '@timestamp': string; annotations: string[] }>;
      }>('/v1/timeline?session=s-0');
      expect(r.events).toHaveLength(5);
      const times = r.events.map((e) => e['@timestamp']);
      expect([...times].sort()).toEqual(times);
      // event 0 is root's failed login; alice's event 4 is the first from 10.0.1.5 for her
      expect(r.events[0]!.annotations).toContain('first_ip_for_user');
      const user = await getJson<{ events: unknown[] }>('/v1/timeline?user=alice&host=web-0&limit=500');
      expect(user.events).toHaveLength(events.filter((e, i) => i < 120 && i % 4 === 0 && i % 2 === 0).length);
    });

    it('pivots from an IP to users and hosts, and reports first-seen facts', async () => {
      const r = await getJson<{
        events: number;
        users: Array<{ value: string; events: number }>;
        hosts: Array<{ value: string }>;
      }>('/v1/pivot?ip=10.0.1.0/24');
      const matching = events.filter((e) => (e.source as { ip: string }).ip.startsWith('10.0.1.'));
      expect(r.events).toBe(matching.length);
      const alice = matching.filter((e) => (e.user as { name: string }).name === 'alice').length;
      expect(r.users.find((u) => u.value === 'alice')?.events).toBe(alice);
      expect(r.hosts.map((h) => h.value).sort()).toEqual(['web-0', 'web-1']);
      const fs = await getJson<{
        first_login: { seq: number } | null;
        ips: Array<{ value: string; first: string }>;
      }>('/v1/first-seen?user=alice&host=web-0');
      // alice logs in (ssh.login, success) at i = 12 on web-0 first (i % 3 == 0, i % 4 == 0, not i % 10 == 0)
      expect(fs.first_login?.seq).toBe(12);
      expect(fs.ips.length).toBeGreaterThan(1);
      expect(fs.ips.map((i) => i.first)).toEqual([...fs.ips.map((i) => i.first)].sort());
    });

    it('lists what happened around an event on its host', async () => {
      const r = await getJson<{
        event: { stele: { seq: number } };
        events: Array<{ host: { name: string }; stele: { seq: number } }>;
      }>('/v1/events/50/around?minutes=5');
      expect(r.event.stele.seq).toBe(50);
      expect(r.events.map((e) => e.stele.seq)).toEqual([46, 48, 50, 52, 54]);
      expect((await server.get('/v1/events/99999/around')).status).toBe(404);
    });

    it('records every read as an event in stele.audit, with the key name, query and result count', async () => {
      await getJson('/v1/events/count?q=user:bob');
      await getJson('/v1/events/3/proof');
      const deadline = Date.now() + 5000;
      let audit: Array<{
        event: { action: string };
        user: { name: string };
        labels: Record<string, string>;
        message: string;
      }> = [];
      while (Date.now() < deadline) {
        const r = await getJson<{ events: typeof audit }>('/v1/events?q=dataset:stele.audit&limit=1000');
        audit = r.events;
        if (
          audit.some((e) => e.event.action === 'stele.proof') &&
          audit.some((e) => e.message.endsWith(' for q=user:bob'))
        )
          break;
        await new Promise((r) => setTimeout(r, 100));
      }
      // The query is in `message`, a personal field (erasable), not in labels.
      const count = audit.find((e) => e.message.endsWith(' for q=user:bob'))!;
      expect(count.labels.query).toBeUndefined();
      expect(count.user.name).toBe('admin');
      expect(count.labels.results).toBe('30');
      expect(count.event.action).toBe('stele.search');
      expect(audit.some((e) => e.event.action === 'stele.export' && e.labels.results === '121')).toBe(true);
      expect(audit.some((e) => e.event.action === 'stele.proof')).toBe(true);
    });

    it('describes the new routes in the OpenAPI document', async () => {
      const doc = await getJson<{ paths: Record<string, unknown> }>('/v1/openapi.json');
      for (const p of [
        '/v1/aggregate',
        '/v1/histogram',
        '/v1/export',
        '/v1/timeline',
        '/v1/pivot',
        '/v1/first-seen',
        '/v1/events/{seq}/around',
      ]) {
        expect(doc.paths[p], p).toBeDefined();
      }
    });
  });

  describe('export through export readers', () => {
    it('writes byte for byte what one thread writes, over a snapshot, for any query and format', async () => {
      expect(exportWorkerScript(), 'the export worker is built (npm run build)').toBeDefined();
      const backend = await kind.create();
      const server = await startTestServer({ ...backend.target });
      const store = await backend.openStore({ readonly: true });
      const alone = new SearchService(store, systemClock, { count: 0, target: backend.target });
      const readers = new SearchService(store, systemClock, { count: 2, target: backend.target });
      try {
        // Timestamps repeat (ties ordered by seq) and go back and forth, as late events do.
        const n = 2600;
        const all = Array.from({ length: n }, (_, i) =>
          event(i, { '@timestamp': new Date(T0 + ((i * 7919) % 1300) * 1000).toISOString() }),
        );
        for (let start = 0; start < n; start += 1000) {
          expect((await server.post(JSON.stringify(all.slice(start, start + 1000)))).status).toBe(200);
        }
        const maxSeq = (await store.loadLedgerState()).size - 1;
        // Arriving after the snapshot: in neither export.
        expect((await server.post(JSON.stringify([event(9999)]))).status).toBe(200);
        const text = async (search: SearchService, q: string, format: ExportFormat) => {
          const chunks: Buffer[] = [];
          for await (const chunk of search.export(search.prepare(q), format, { maxSeq, pageSize: 100 })) {
            chunks.push(chunk.data);
          }
          return Buffer.concat(chunks).toString('utf8');
        };
        for (const [q, format] of [
          ['', 'ndjson'],
          ['user:alice OR source.ip:10.0.1.0/24', 'ndjson'],
          ['NOT outcome:failure', 'csv'],
          ['event', 'ndjson'],
        ] as const) {
          const one = await text(alone, q, format);
          const lines = one.trim().split('\n').length;
          // Long enough to leave the serving thread after its first pages.
          expect(lines, q).toBeGreaterThan(300);
          expect(await text(readers, q, format), `${q} as ${format}`).toBe(one);
        }
        expect(await text(alone, '', 'ndjson')).not.toContain('event 9999 ');
        // The readers did write those pages (started on first use by a long export).
        expect((readers as unknown as { startedReaders?: unknown }).startedReaders).toBeDefined();
      } finally {
        await readers.close();
        await store.close();
        await server.close();
        await backend.dispose();
      }
    }, 120_000);
  });

  describe('export of a large result', () => {
    it('streams with bounded memory while the client reads slowly', async () => {
      const backend = await kind.create();
      const server = await startTestServer({ ...backend.target });
      try {
        const pad = 'x'.repeat(8000);
        const n = 6000;
        for (let start = 0; start < n; start += 1000) {
          const batch = Array.from({ length: 1000 }, (_, k) =>
            event(start + k, { message: `${start + k} ${pad}` }),
          );
          expect((await server.post(JSON.stringify(batch))).status).toBe(200);
        }
        // Live memory after a full collection, so garbage awaiting collection does not count.
        setFlagsFromString('--expose-gc');
        const gc = runInNewContext('gc') as () => void;
        gc();
        const base = process.memoryUsage().heapUsed;
        let peak = 0;
        const res = await server.get('/v1/export?format=ndjson');
        const reader = res.body!.getReader();
        let bytes = 0;
        let lines = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          bytes += value.length;
          for (const b of value) if (b === 10) lines++;
          if (lines % 500 < 5) {
            await new Promise((r) => setTimeout(r, 2)); // a slow reader
            gc();
            peak = Math.max(peak, process.memoryUsage().heapUsed - base);
          }
        }
        expect(lines).toBe(n);
        expect(bytes).toBeGreaterThan(n * 8000);
        // Holding the whole result would take well over its 48 MB of text; a page is about 4 MB.
        expect(peak).toBeLessThan(bytes * 0.35);
      } finally {
        await server.close();
        await backend.dispose();
      }
    }, 120_000);
  });
}
