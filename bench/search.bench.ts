// Search benchmark: loads N generated events (bench/gen.ts; 10 M, or 1 M with --quick) over 30 days
// into a fresh data dir through the in-process Admitter (bulk rate), then, while a separate
// `stele serve` process ingests 10,000 events/s, measures p95 latencies of filtered searches,
// full-text terms, exact counts, a 30-day hourly histogram, top users by failures, and the NDJSON
// export rate. Queries run on their own read-only connection, as a second server process would.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { openLedger } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { systemClock } from '../src/core/clock.js';
import { validateEvent } from '../src/core/validate.js';
import { Admitter, type Candidate } from '../src/ingest/admitter.js';
import { IngestMetrics } from '../src/ingest/metrics.js';
import { AggregateService } from '../src/query/aggregate.js';
import { defaultExportReaders } from '../src/query/export-readers.js';
import { SearchService } from '../src/query/search.js';
import { CURSOR_KEY } from '../src/detect/service.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { EventGenerator } from './gen.js';
import { fmt, percentile } from './stats.js';
import { BIN, startServe } from './harness.js';
import { processCpuMicros } from './proc-cpu.js';

const DAY = 86_400_000;

interface Measure {
  name: string;
  target: string;
  p50: number;
  p95: number;
  runs: number;
  /** Whether p95 met the target. */
  ok: boolean;
  note?: string;
}

async function* candidateBatches(gen: EventGenerator, size: number): AsyncGenerator<Candidate[]> {
  let batch: Candidate[] = [];
  for (const chunk of gen.chunks()) {
    for (const line of chunk.split('\n')) {
      if (!line) continue;
      const v = validateEvent(JSON.parse(line));
      if (!v.ok) throw new Error(`generated event rejected: ${v.field}: ${v.message}`);
      batch.push({ index: batch.length, event: v.event, ts: Date.parse(v.event['@timestamp']) });
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/** Bulk load through the Admitter with a few batches in flight, as a busy server would. */
async function bulkLoad(dataDir: string, n: number, start: number, log: (s: string) => void) {
  const ledger = await openLedger(loadConfig({ overrides: { data: dataDir } }));
  const admitter = new Admitter(
    { store: ledger.store, ledger: ledger.writer, clock: systemClock, metrics: new IngestMetrics() },
    [],
  );
  const gen = new EventGenerator({ events: n, days: 30, seed: 1, start });
  const t = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  let done = 0;
  let nextLog = 0;
  for await (const batch of candidateBatches(gen, 5000)) {
    const p = admitter.submit(batch, 'bench').then(() => {
      inFlight.delete(p);
      done += batch.length;
    });
    inFlight.add(p);
    if (inFlight.size >= 4) await Promise.race(inFlight);
    if (done >= nextLog) {
      log(`  loaded ${fmt(done)} of ${fmt(n)} (${fmt(done / ((performance.now() - t) / 1000))} events/s)`);
      nextLog += Math.max(100_000, n / 10);
    }
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - t) / 1000;
  await admitter.close();
  await ledger.writer.close();
  await ledger.store.close();
  ledger.lock.release();
  return { events: n, seconds, rate: n / seconds };
}

function feed(port: number, token: string, rate: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const gen = new EventGenerator({ events: 5_000_000, days: 1, seed: 99, start: Date.now() - DAY });
  const chunks = gen.chunks();
  const pending: string[] = [];
  let acked = 0;
  let stopped = false;
  const started = performance.now();
  const next = (n: number): string[] => {
    while (pending.length < n) {
      const chunk = chunks.next();
      if (chunk.done) break;
      // One push per line: a chunk can hold more lines than a spread may pass as arguments.
      for (const line of chunk.value.split('\n')) if (line) pending.push(line);
    }
    const out = pending.splice(0, n);
    const now = new Date().toISOString();
    return out.map((l) => l.replace(/"@timestamp":"[^"]+"/, `"@timestamp":"${now}"`));
  };
  const send = (lines: string[]) =>
    new Promise<void>((resolve) => {
      const body = Buffer.from(`[${lines.join(',')}]`);
      const req = http.request(
        {
          agent,
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/events',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': body.length,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) acked += lines.length;
            resolve();
          });
        },
      );
      req.on('error', () => resolve());
      req.end(body);
    });
  let sent = 0;
  let inflight = 0;
  const timer = setInterval(() => {
    // Catch up after the event loop was busy with a query: send what the schedule says is due, with
    // at most 8 requests in flight. A server that falls behind is not sent a growing queue (which
    // would only measure the client's backlog); the schedule skips what it could not send.
    const due = Math.floor(((performance.now() - started) / 1000) * rate) - sent;
    for (let k = 0; k < Math.floor(due / 500); k++) {
      if (inflight >= 8) {
        sent = Math.floor(((performance.now() - started) / 1000) * rate);
        break;
      }
      sent += 500;
      inflight++;
      void send(next(500)).finally(() => inflight--);
    }
  }, 25);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      agent.destroy();
      const seconds = (performance.now() - started) / 1000;
      return { acked, seconds, rate: acked / seconds, stopped };
    },
  };
}

async function timed(runs: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
    await new Promise((r) => setImmediate(r)); // let the feeder send between queries
  }
  return out.sort((a, b) => a - b);
}

function measure(name: string, target: string, limitMs: number, times: number[], note?: string): Measure {
  const p95 = percentile(times, 95);
  const m: Measure = {
    name,
    target,
    p50: percentile(times, 50),
    p95,
    runs: times.length,
    ok: p95 <= limitMs,
  };
  if (note) m.note = note;
  return m;
}

export async function runSearchBench(options: {
  quick?: boolean;
  log: (s: string) => void;
  /**
   * A PostgreSQL URL (?schema=) holding events loaded earlier, for instance by `stele migrate`
   * from this bench's data dir: queried as it is, with the feed going through `stele serve --db`.
   */
  postgres?: string;
}): Promise<string> {
  const { log } = options;
  const override = Number(process.env.BENCH_SEARCH_EVENTS);
  let n = Number.isInteger(override) && override > 0 ? override : options.quick ? 1_000_000 : 10_000_000;
  const runs = options.quick ? 15 : 30;
  const end = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const start = end - 30 * DAY;
  // BENCH_SEARCH_DATA: a data dir loaded earlier (by this bench's generator, seed 1, 30 days ending
  // shortly before the run) is queried as it is, and kept; the bulk load is then not measured.
  const pg = options.postgres;
  const reused = pg ?? process.env.BENCH_SEARCH_DATA;
  const dataDir = reused ?? fs.mkdtempSync(path.join(os.tmpdir(), 'stele-bench-search-'));
  const openReader = async (): Promise<Store> =>
    pg ? await PostgresStore.open({ url: pg, readonly: true }) : new SqliteStore(dataDir, { readonly: true });
  const target = pg ? ['--db', pg] : ['--data', dataDir];
  try {
    let load: { rate: number; seconds: number } | undefined;
    if (pg) {
      const before = await openReader();
      n = (await before.loadLedgerState()).size;
      await before.close();
      log(`search: querying the ${fmt(n)} events of PostgreSQL ${new URL(pg).pathname} as loaded earlier...`);
    } else if (reused) {
      if (!fs.existsSync(path.join(reused, 'stele.db')))
        throw new Error(`BENCH_SEARCH_DATA: no stele.db in ${reused}`);
      const before = new SqliteStore(reused, { readonly: true });
      n = (await before.loadLedgerState()).size;
      await before.close();
      log(`search: querying the ${fmt(n)} events of ${reused} as loaded earlier (BENCH_SEARCH_DATA)...`);
    } else {
      log(`search: bulk load of ${fmt(n)} generated events over 30 days...`);
      load = await bulkLoad(dataDir, n, start, log);
    }
    const diskBytes = pg ? undefined : fs.statSync(path.join(dataDir, 'stele.db')).size;

    // A data dir that already has keys gets no first admin token from `stele serve`: the feed needs one.
    const feedToken = reused
      ? (
          JSON.parse(
            execFileSync(process.execPath, [
              BIN,
              'keys',
              'create',
              ...target,
              '--scope',
              'ingest',
              '--name',
              'bench-feed',
              '--json',
            ]).toString(),
          ) as { token: string }
        ).token
      : undefined;
    log('search: starting stele serve...');
    const server = await startServe(target);
    const store = await openReader();
    // A bulk load does not run detection: the server's live detection starts by catching up with
    // the whole history (one core for a minute or more at 10M events). The target is queries while
    // events arrive, not during that catch-up, so the feed and the queries wait for it.
    const caughtUp = performance.now();
    for (;;) {
      const cursor = Number((await store.getMeta(CURSOR_KEY)) ?? -1);
      if (cursor >= n - 1) break;
      if (server.child.exitCode !== null) throw new Error('stele serve exited');
      if (performance.now() - caughtUp > 900_000)
        throw new Error(`detection still at ${cursor} after 15 min`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const catchUpSeconds = (performance.now() - caughtUp) / 1000;
    log(
      `search: detection caught up with the history in ${catchUpSeconds.toFixed(0)} s; feed of 10,000 events/s...`,
    );
    const feeder = feed(server.port, feedToken ?? server.token!, 10_000);
    // As `stele serve` builds it: export readers on the same data, as many as it starts by default.
    const readers = defaultExportReaders();
    const search = new SearchService(store, systemClock, {
      count: readers,
      target: pg ? { data: dataDir, db: pg } : { data: dataDir },
    });
    const aggregates = new AggregateService(store, search, systemClock);
    const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
    const hosts = ['web-00', 'api-00', 'db-00', 'cache-00', 'bastion-00', 'web-01', 'api-01', 'build-00'].map(
      (h) => `${h}.prod.example.com`,
    );
    const terms = [
      'invalid',
      'systemctl',
      'AccessDenied',
      'journalctl',
      'iptables',
      'publickey',
      'billing',
      'kube-system',
    ];
    const page = async (q: string, from?: string) => search.page(search.prepare(q, from), { limit: 100 });
    const results: Measure[] = [];
    try {
      await new Promise((r) => setTimeout(r, 1000)); // the feed reaches its rate
      log('search: filtered searches...');
      results.push(
        measure(
          'Filtered search: user + last 24 h, first page of 100',
          '≤ 50 ms',
          50,
          await timed(runs, (i) => page(`user.name:${users[i % users.length]}`, 'now-24h')),
        ),
        measure(
          'Filtered search: outcome + host, first page',
          '≤ 50 ms',
          50,
          await timed(runs, (i) => page(`outcome:failure AND host:${hosts[i % hosts.length]}`)),
        ),
        measure(
          'Filtered search: CIDR (source.ip:198.51.N.0/24), first page',
          '≤ 50 ms',
          50,
          await timed(runs, (i) => page(`source.ip:198.51.${i % 200}.0/24`)),
        ),
      );
      log('search: full text...');
      results.push(
        measure(
          'Full-text term (message / event.original), first page',
          '≤ 100 ms',
          100,
          await timed(runs, (i) => page(terms[i % terms.length]!)),
        ),
      );
      log('search: exact counts...');
      const counts = [
        'outcome:failure',
        'action:ssh.login',
        `user:${users[0]}`,
        'dataset:k8s.audit AND outcome:failure',
        '',
      ];
      results.push(
        measure(
          'Exact count of a filter (30 days)',
          '≤ 500 ms',
          500,
          await timed(Math.min(runs, 10), (i) => search.count(search.prepare(counts[i % counts.length]!))),
        ),
      );
      log('search: histogram and top users...');
      results.push(
        measure(
          '30-day hourly histogram (720 buckets, all events)',
          '≤ 500 ms',
          500,
          await timed(5, () => aggregates.histogram(search.prepare('', 'now-30d', 'now'), '1h')),
        ),
        measure(
          'Top 10 users by failures over 30 days',
          '≤ 1 s',
          1000,
          await timed(5, () =>
            aggregates.aggregate(search.prepare('outcome:failure', 'now-30d'), {
              by: ['user.name'],
              top: 10,
            }),
          ),
        ),
      );
      log('search: export to NDJSON...');
      const exportN = Math.min(n, options.quick ? 200_000 : 1_000_000);
      // The export route's own loop (SearchService.export), over a snapshot of the ledger as the
      // route takes it, writing to /dev/null instead of a socket. The CPU this process (export and
      // feed) and the server used meanwhile says how the two cores were shared.
      const maxSeq = (await store.loadLedgerState()).size - 1;
      const exportAll = async () => {
        const sink = fs.createWriteStream('/dev/null');
        const serverCpu = processCpuMicros(server.child.pid!);
        const ownCpu = process.cpuUsage();
        const t = performance.now();
        let events = 0;
        for await (const chunk of search.export(search.prepare(''), 'ndjson', { maxSeq })) {
          if (!sink.write(chunk.data)) await new Promise<void>((r) => sink.once('drain', () => r()));
          events += chunk.events;
          if (events >= exportN) break;
        }
        sink.end();
        const seconds = (performance.now() - t) / 1000;
        const own = process.cpuUsage(ownCpu);
        const server2 = processCpuMicros(server.child.pid!);
        return {
          events,
          rate: events / seconds,
          /** Cores used on average by this process and by the server. */
          ownCores: (own.user + own.system) / 1e6 / seconds,
          serverCores:
            serverCpu === undefined || server2 === undefined
              ? undefined
              : (server2 - serverCpu) / 1e6 / seconds,
        };
      };
      const exported = await exportAll();
      const fed = feeder.stop();
      if (fed.acked === 0)
        throw new Error('the ingest feed had no event acknowledged: the queries ran without it');
      log('search: export to NDJSON again, the feed stopped...');
      const quiet = await exportAll();
      await search.close();
      await store.close();
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));

      const ms = (x: number) => (x < 10 ? x.toFixed(1) : fmt(x));
      return [
        `${fmt(n)} events from \`bench/gen.ts\` (seed 1) over 30 days, loaded into ${pg ? 'PostgreSQL before the run (BENCH_SEARCH_DB: `stele ingest --db` of `bench/gen.ts` output, or `stele migrate` of a search bench data dir)' : reused ? 'a data dir before the run (BENCH_SEARCH_DATA)' : 'a fresh data dir'}; queries on a`,
        'read-only connection of the benchmark process while a separate `stele serve` process ingested a',
        `generated feed (target 10,000 events/s; achieved **${fmt(fed.rate)} events/s** acknowledged during the queries).`,
        `The feed and the queries started once the server's live detection had caught up with the loaded history (${catchUpSeconds.toFixed(0)} s).`,
        '',
        '| measurement | target | p50 | p95 | met |',
        '|---|---|---|---|---|',
        load
          ? `| Bulk load through the Admitter (validate, ledger, FTS, 5,000 per batch, 4 in flight) | ≥ 50,000 events/s | | **${fmt(load.rate)} events/s** (${load.seconds.toFixed(0)} s) | ${load.rate >= 50_000 ? 'yes' : 'no'} |`
          : `| Bulk load | ≥ 50,000 events/s | | not measured: ${pg ? 'the events were loaded earlier (BENCH_SEARCH_DB)' : 'a data dir loaded earlier was reused (BENCH_SEARCH_DATA)'} | |`,
        ...results.map(
          (r) =>
            `| ${r.name} (${r.runs} runs) | ${r.target} | ${ms(r.p50)} ms | **${ms(r.p95)} ms** | ${r.ok ? 'yes' : 'no'} |`,
        ),
        `| Export to NDJSON (${fmt(exported.events)} events, SearchService.export) | ≥ 200,000 events/s | | **${fmt(exported.rate)} events/s** | ${exported.rate >= 200_000 ? 'yes' : 'no'} |`,
        `| The same export once the feed has stopped (no ingest running) | | | ${fmt(quiet.rate)} events/s | |`,
        diskBytes === undefined
          ? '| Database size | | | see docs/postgresql.md (bytes per event in the PostgreSQL bench) | |'
          : `| Database file after load | | | ${fmt(diskBytes / n)} bytes/event (${fmt(diskBytes / 2 ** 20)} MiB) | |`,
        '',
        `CPU during the export beside the feed: this process (the export, its ${readers} export readers, and the feed's`,
        `client) ${exported.ownCores.toFixed(2)} cores on average, the server ${exported.serverCores?.toFixed(2) ?? '(not measurable)'} cores; once the feed had stopped,`,
        `${quiet.ownCores.toFixed(2)} and ${quiet.serverCores?.toFixed(2) ?? '(not measurable)'}. ${os.availableParallelism()} cores.`,
      ].join('\n');
    } finally {
      feeder.stop();
      if (server.child.exitCode === null) server.child.kill('SIGTERM');
    }
  } finally {
    if (!reused) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
