// PostgreSQL ingest benchmark: HTTP ingest through three `stele serve --db` nodes sharing one
// PostgreSQL (8 clients spread over them, batches of 100), through one node alone (every request
// on the sequencer, no inbox hop), and, as the baseline measured in the same run, one SQLite node
// with the same load. Every acknowledged batch is committed with its seqs (durable commit on both).

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { benchEvent } from './events.js';
import { fmt, percentile } from './stats.js';
import { postEvents, startServe, stopServe, type ServeProcess } from './harness.js';

const PG_URL = process.env.STELE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CLIENTS = 8;
const BATCH = 100;

export interface PostgresBenchOptions {
  quick: boolean;
  log: (line: string) => void;
}

interface Run {
  label: string;
  nodes: number;
  events: number;
  /** Requests not answered 200 (retried). */
  failed: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  bytesPerEvent?: number;
}

/** Closed loop: each client sends its next batch when the last one is acknowledged. */
async function load(ports: number[], token: string, seconds: number, offset: number) {
  const pool = Array.from({ length: 200 }, (_, b) =>
    Buffer.from(JSON.stringify(Array.from({ length: BATCH }, (_, i) => benchEvent(offset + b * BATCH + i)))),
  );
  const agents = ports.map(() => new http.Agent({ keepAlive: true, maxSockets: CLIENTS }));
  const latencies: number[] = [];
  let events = 0;
  let failed = 0;
  let next = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      const n = c % ports.length;
      while (performance.now() < end) {
        const t = performance.now();
        const status = await postEvents(agents[n]!, ports[n]!, token, pool[next++ % pool.length]!);
        if (status !== 200) {
          // Counted and shown: a refused batch is not throughput.
          failed++;
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        latencies.push(performance.now() - t);
        events += BATCH;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  for (const a of agents) a.destroy();
  latencies.sort((a, b) => a - b);
  return {
    events,
    failed,
    seconds: elapsed,
    rate: events / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function sqliteRun(seconds: number): Promise<Run> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stele-bench-sqlite-'));
  const node = await startServe(['--data', dir], {});
  try {
    const r = await load([node.port], node.token!, seconds, 0);
    return { label: 'SQLite, one node', nodes: 1, ...r };
  } finally {
    await stopServe(node.child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresRun(nodes: number, seconds: number): Promise<Run> {
  const schema = `stele_bench_${Date.now().toString(36)}`;
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stele-bench-pg-'));
  const env = { STELE_LEDGER__KEY_FILE: path.join(dir, 'ledger.key') };
  const started: ServeProcess[] = [];
  try {
    started.push(await startServe(['--db', url.toString(), '--data', dir], env));
    for (let i = 1; i < nodes; i++)
      started.push(await startServe(['--db', url.toString(), '--data', dir], env));
    const token = started[0]!.token!;
    const r = await load(
      started.map((n) => n.port),
      token,
      seconds,
      0,
    );
    for (const n of started) await stopServe(n.child);
    const bytes = await schemaBytes(schema);
    return {
      label: nodes === 1 ? 'PostgreSQL, one node' : `PostgreSQL, ${nodes} nodes`,
      nodes,
      ...r,
      bytesPerEvent: bytes / r.events,
    };
  } finally {
    for (const n of started) await stopServe(n.child);
    await dropSchema(schema);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function withClient<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function schemaBytes(schema: string): Promise<number> {
  return withClient(async (c) => {
    const r = await c.query<{ n: string }>(
      `SELECT COALESCE(sum(pg_total_relation_size(cl.oid)), 0) AS n FROM pg_class cl
         JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE n.nspname = $1 AND cl.relkind = 'r'`,
      [schema],
    );
    return Number(r.rows[0]!.n);
  });
}

function dropSchema(schema: string): Promise<void> {
  return withClient(async (c) => {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
}

/** Runs the benchmark and returns its section of docs/benchmarks.md. */
export async function runPostgresBench(options: PostgresBenchOptions): Promise<string> {
  const seconds = options.quick ? 4 : 15;
  const runs: Run[] = [];
  for (const run of [
    () => sqliteRun(seconds),
    () => postgresRun(3, seconds),
    () => postgresRun(1, seconds),
  ]) {
    const r = await run();
    options.log(
      `${r.label}: ${fmt(r.rate)} events/s (p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms)`,
    );
    runs.push(r);
  }
  const base = runs[0]!.rate;
  const lines = [
    `HTTP ingest, ${CLIENTS} clients in closed loop spread over the nodes, batches of ${BATCH} events of`,
    'about 400 bytes (bench/events.ts), for ' + `${seconds} s each. PostgreSQL runs on the same machine`,
    '(default settings, `synchronous_commit = on`); nodes, database and load generator share its cores.',
    'With three nodes, requests reaching a node that does not hold the sequencer lease go through the',
    'inbox (one more commit) before the sequencer commits them with their seqs.',
    '',
    '| setup | events/s | vs SQLite | request p50 | request p99 | refused requests | bytes per event |',
    '|---|---|---|---|---|---|---|',
    ...runs.map(
      (r) =>
        `| ${r.label} | **${fmt(r.rate)}** | ${((r.rate / base) * 100).toFixed(0)} % | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${r.failed} | ${r.bytesPerEvent === undefined ? '-' : fmt(r.bytesPerEvent)} |`,
    ),
  ];
  return lines.join('\n');
}
