// Ingest benchmarks: HTTP ingest into a separate `stele serve` process (8 clients, batches of 1 and
// 100), ack latency at a steady rate, in-process append, bytes per event on disk, and three
// baselines measured in the same run: raw better-sqlite3 inserts without secondary indexes, an
// fsync'd append to a plain file, and the HTTP ceiling (a server that only parses each batch and
// replies, under the same load generator).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openLedger } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { systemClock } from '../src/core/clock.js';
import { validateEvent } from '../src/core/validate.js';
import { Admitter, type Candidate } from '../src/ingest/admitter.js';
import { IngestMetrics } from '../src/ingest/metrics.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { benchEvent, eventBytes } from './events.js';
import { postEvents, startServe, stopServe, tmpDir } from './harness.js';
import { percentile } from './stats.js';

export interface IngestResults {
  eventBytes: number;
  http: Array<{
    clients: number;
    batch: number;
    seconds: number;
    events: number;
    rate: number;
    p50: number;
    p99: number;
  }>;
  /** The target's rate, then half the batch-100 rate this run measured (the tail below capacity). */
  steady: Array<{ targetRate: number; achieved: number; p50: number; p99: number; max: number }>;
  inProcess: { events: number; rate: number };
  /** The same HTTP load (8 clients, batches of 100) against a server that only parses and replies. */
  ceiling: { events: number; rate: number };
  /**
   * What building the ledger's entries costs: HTTP ingest (8 clients, batches of 100) into fresh
   * servers, in this order: ledger on, entries off (bench/serve-variant.ts), ledger on again.
   */
  ledger: { on: number[]; off: number };
  rawSqlite: { events: number; rate: number };
  plainFile: { events: number; rate: number };
  disk: { events: number; bytes: number; perEvent: number };
}

/** Pre-serialized request bodies, so the load generator spends its CPU on sending. */
function bodies(batch: number, count: number, offset: number): Buffer[] {
  return Array.from({ length: count }, (_, b) =>
    Buffer.from(JSON.stringify(Array.from({ length: batch }, (_, i) => benchEvent(offset + b * batch + i)))),
  );
}

async function closedLoop(
  port: number,
  token: string,
  clients: number,
  batch: number,
  seconds: number,
  offset: number,
) {
  const pool = bodies(batch, Math.max(64, Math.ceil(20_000 / batch)), offset);
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  let events = 0;
  let next = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const body = pool[next++ % pool.length]!;
        const t = performance.now();
        const status = await postEvents(agent, port, token, body);
        if (status !== 200) throw new Error(`HTTP ${status}`);
        latencies.push(performance.now() - t);
        events += batch;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    clients,
    batch,
    seconds: elapsed,
    events,
    rate: events / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** Open loop: requests are sent on a fixed schedule whatever the replies do, so latency is honest. */
async function steadyRate(port: number, token: string, rate: number, seconds: number, offset: number) {
  const batch = 10;
  const perSecond = rate / batch;
  const pool = bodies(batch, 256, offset);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const latencies: number[] = [];
  const total = Math.round(perSecond * seconds);
  const start = performance.now();
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      postEvents(agent, port, token, pool[i % pool.length]!).then((status) => {
        if (status !== 200) throw new Error(`HTTP ${status}`);
        // Latency from when the request was due, so a stalled sender does not hide queueing.
        latencies.push(performance.now() - due);
      }),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    targetRate: rate,
    achieved: (total * batch) / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
  };
}

/** Started right before the first batch is submitted, stopped once the last one is committed. */
export interface AppendMeter {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

/**
 * `n` events, `eventAt(0)` to `eventAt(n - 1)` (the bench events unless told), admitted in batches
 * of 1,000 into a fresh data dir, timed; the dir is kept. With `db` (a postgres:// URL), into that
 * database as `stele ingest --db` writes, the data dir holding only the ledger key.
 */
export async function inProcessAppend(
  n: number,
  options: { eventAt?: (i: number) => Record<string, unknown>; db?: string; meter?: AppendMeter } = {},
): Promise<{ events: number; rate: number; dataDir: string }> {
  const dataDir = tmpDir('append');
  const config = loadConfig({ overrides: { data: dataDir, ...(options.db ? { db: options.db } : {}) } });
  const ledger = await openLedger(config);
  const admitter = new Admitter(
    { store: ledger.store, ledger: ledger.writer, clock: systemClock, metrics: new IngestMetrics() },
    [],
  );
  const batches: Candidate[][] = [];
  for (let b = 0; b < n / 1000; b++) {
    batches.push(
      Array.from({ length: 1000 }, (_, i) => {
        const v = validateEvent((options.eventAt ?? benchEvent)(b * 1000 + i));
        if (!v.ok) throw new Error(v.message);
        return { index: i, event: v.event, ts: Date.parse(v.event['@timestamp']) };
      }),
    );
  }
  await options.meter?.start();
  const t = performance.now();
  for (const batch of batches) await admitter.submit(batch, 'bench');
  const seconds = (performance.now() - t) / 1000;
  await options.meter?.stop();
  await admitter.close();
  await ledger.store.close();
  ledger.lock.release();
  return { events: n, rate: n / seconds, dataDir };
}

/** Baseline: the same rows (timestamp and JSON body) in a table with no secondary index. */
function rawSqlite(n: number): { events: number; rate: number } {
  const dir = tmpDir('raw');
  const db = new Database(path.join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO events (seq, ts, body) VALUES (?, ?, ?)');
  const rows = Array.from({ length: n }, (_, i) => {
    const e = benchEvent(i);
    return [i, Date.parse(e['@timestamp'] as string), JSON.stringify(e)] as const;
  });
  const tx = db.transaction((from: number) => {
    for (let i = from; i < from + 1000; i++) insert.run(...rows[i]!);
  });
  const t = performance.now();
  for (let from = 0; from < n; from += 1000) tx(from);
  const seconds = (performance.now() - t) / 1000;
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { events: n, rate: n / seconds };
}

/** Baseline: NDJSON lines appended to a plain file, fdatasync'd every 1,000 lines. */
function plainFile(n: number): { events: number; rate: number } {
  const dir = tmpDir('file');
  const fd = fs.openSync(path.join(dir, 'events.ndjson'), 'a');
  const chunks = Array.from({ length: n / 1000 }, (_, b) =>
    Buffer.from(
      Array.from({ length: 1000 }, (_, i) => JSON.stringify(benchEvent(b * 1000 + i)))
        .join('\n')
        .concat('\n'),
    ),
  );
  const t = performance.now();
  for (const chunk of chunks) {
    fs.writeSync(fd, chunk);
    fs.fdatasyncSync(fd);
  }
  const seconds = (performance.now() - t) / 1000;
  fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
  return { events: n, rate: n / seconds };
}

function diskPerEvent(dataDir: string, events: number): { events: number; bytes: number; perEvent: number } {
  const store = new SqliteStore(dataDir);
  store.checkpointWal();
  store.raw.exec('VACUUM');
  const bytes = fs.statSync(store.file).size;
  void store.close();
  return { events, bytes, perEvent: bytes / events };
}

/**
 * A server that does the least an ingest server must: read the body, parse the JSON, reply with a
 * seq per event. No validation, no ledger, no storage. Run in its own process like `stele serve`.
 */
const CEILING_SERVER = `
const http = require('node:http');
let seq = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const events = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const body = JSON.stringify({ accepted: events.map(() => seq++), rejected: [], duplicates: [] });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

/** `stele serve` with a ledger that builds no entries (bench/serve-variant.ts, compiled beside this). */
const NO_ENTRIES_SERVER = path.join(import.meta.dirname, 'serve-variant.js');

/** HTTP ingest, 8 clients, batches of 100, into a server of its own on a fresh data directory. */
async function freshServerRate(seconds: number, offset: number, withoutEntries: boolean): Promise<number> {
  const dataDir = tmpDir(withoutEntries ? 'no-entries' : 'ledger');
  const server = withoutEntries
    ? await startServe(['--no-entries', '--data', dataDir], {}, NO_ENTRIES_SERVER)
    : await startServe(['--data', dataDir]);
  try {
    return (await closedLoop(server.port, server.token!, 8, 100, seconds, offset)).rate;
  } finally {
    await stopServe(server.child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function httpCeiling(seconds: number): Promise<{ events: number; rate: number }> {
  const child = spawn(process.execPath, ['-e', CEILING_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('exit', (code) => reject(new Error(`ceiling server exited (${code})`)));
    });
    const r = await closedLoop(port, 'none', 8, 100, seconds, 0);
    return { events: r.events, rate: r.rate };
  } finally {
    child.kill('SIGTERM');
  }
}

export async function runIngestBench(options: {
  quick?: boolean;
  log: (s: string) => void;
}): Promise<IngestResults> {
  const { log } = options;
  const seconds = options.quick ? 3 : 8;
  const appendN = options.quick ? 50_000 : 200_000;

  log(`raw SQLite baseline (${appendN} rows)...`);
  const raw = rawSqlite(appendN);
  log(`plain file baseline (${appendN} lines)...`);
  const file = plainFile(appendN);
  log(`in-process append (${appendN} events)...`);
  const append = await inProcessAppend(appendN);
  const disk = diskPerEvent(append.dataDir, append.events);
  fs.rmSync(append.dataDir, { recursive: true, force: true });

  log(`HTTP ceiling baseline: 8 clients, batches of 100, ${seconds}s...`);
  const ceiling = await httpCeiling(seconds);

  const ledger: IngestResults['ledger'] = { on: [], off: 0 };
  log(
    `ledger cost: HTTP ingest with the ledger on, entries off, on again (8 clients, batches of 100, ${seconds}s each)...`,
  );
  ledger.on.push(await freshServerRate(seconds, 0, false));
  ledger.off = await freshServerRate(seconds, 0, true);
  ledger.on.push(await freshServerRate(seconds, 0, false));

  const dataDir = tmpDir('http');
  const server = await startServe(['--data', dataDir]);
  const token = server.token!;
  const httpResults = [];
  try {
    let offset = 0;
    for (const batch of [100, 1]) {
      log(`HTTP ingest: 8 clients, batches of ${batch}, ${seconds}s...`);
      const r = await closedLoop(server.port, token, 8, batch, seconds, offset);
      offset += r.events;
      httpResults.push(r);
    }
    const steady = [];
    const half = Math.max(1000, Math.floor(httpResults[0]!.rate / 2 / 500) * 500);
    for (const rate of [10_000, half]) {
      log(`ack latency at a steady ${rate.toLocaleString('en-US')} events/s, ${seconds}s...`);
      const result = await steadyRate(server.port, token, rate, seconds, offset);
      offset += Math.round(result.achieved * seconds);
      steady.push(result);
    }
    return {
      eventBytes: eventBytes(),
      http: httpResults,
      steady,
      inProcess: { events: append.events, rate: append.rate },
      ceiling,
      ledger,
      rawSqlite: raw,
      plainFile: file,
      disk,
    };
  } finally {
    await stopServe(server.child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
