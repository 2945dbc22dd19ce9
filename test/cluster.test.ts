// Several `stele serve --db postgres://...` nodes on one PostgreSQL (docs/postgresql.md), as child
// processes against the real server. (1) Three nodes under concurrent clients, the sequencer killed
// with SIGKILL twice: every acknowledged event is stored once at the seq it was acknowledged with,
// seqs are gapless, every checkpoint's root is the root of the leaves it covers (so checkpoints
// before and after each switch are consistent), `stele verify` passes, and another node took over
// within 5 s. (2) PostgreSQL unreachable for 10 s (a TCP proxy in between is closed): clients get
// 503 with Retry-After, never a hang, and ingest resumes on its own with nothing acknowledged lost.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { CompactRange } from '../src/ledger/merkle.js';
import { dropSchema, PG_URL, pgUnavailableReason, pgUrlWithSchema, uniqueSchema } from './helpers/pg.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'stele');
const unavailable = await pgUnavailableReason();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

interface Node {
  child: ChildProcess;
  port: number;
  url: string;
  err: () => string;
  token?: string;
}

async function startNode(db: string, keyFile: string, dataDir: string, port: number): Promise<Node> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--db', db, '--data', dataDir, '--listen', `127.0.0.1:${port}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, STELE_LEDGER__KEY_FILE: keyFile, STELE_LEDGER__CHECKPOINT_INTERVAL_MS: '200' },
    },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const deadline = Date.now() + 20_000;
  while (!err.includes('listening on')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`node did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const token = out
    .trim()
    .split('\n')
    .find((l) => l.startsWith('stele_'));
  const node: Node = { child, port, url: `http://127.0.0.1:${port}`, err: () => err };
  if (token) node.token = token;
  return node;
}

async function stopNode(node: Node, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return;
  const exited = new Promise((r) => node.child.once('exit', r));
  node.child.kill(signal);
  await exited;
}

interface Client {
  id: string;
  nextSeq: number;
  unacked: Array<Record<string, unknown>>;
  acked: Map<number, number>;
  statuses: Map<string, number>;
  hangs: number;
}

function newClient(id: string): Client {
  return { id, nextSeq: 0, unacked: [], acked: new Map(), statuses: new Map(), hangs: 0 };
}

/** Sends batches to the nodes in turn until stopped, re-sending what was not acknowledged. */
async function runClient(c: Client, urls: () => string[], token: string, batch: number, stop: () => boolean) {
  let turn = Number(c.id.split('-').at(-1));
  while (!stop()) {
    if (c.unacked.length === 0) {
      for (let i = 0; i < batch; i++) {
        const seq = c.nextSeq++;
        c.unacked.push({
          '@timestamp': new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString(),
          event: { action: 'ssh.login', outcome: 'success' },
          user: { name: c.id },
          message: `login ${seq} by ${c.id}`,
          stele: { producer: { id: c.id, seq } },
        });
      }
    }
    const list = urls();
    const url = list[turn++ % list.length]!;
    let status = 'error';
    try {
      const res = await fetch(`${url}/v1/events`, {
        method: 'POST',
        body: JSON.stringify(c.unacked),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        signal: AbortSignal.timeout(15_000),
      });
      status = String(res.status);
      if (res.status === 503) expect(res.headers.get('retry-after')).not.toBeNull();
      if (res.status === 200) {
        const reply = (await res.json()) as {
          accepted: Array<{ index: number; seq: number }>;
          duplicates: Array<{ index: number; seq: number }>;
        };
        for (const r of [...reply.accepted, ...reply.duplicates]) {
          const pseq = (c.unacked[r.index]!.stele as { producer: { seq: number } }).producer.seq;
          const prev = c.acked.get(pseq);
          if (prev !== undefined && prev !== r.seq)
            throw new Error(`producer seq ${pseq} acked as ${prev} then ${r.seq}`);
          c.acked.set(pseq, r.seq);
        }
        expect(reply.accepted.length + reply.duplicates.length).toBe(c.unacked.length);
        c.unacked = [];
      } else {
        await res.arrayBuffer();
        await new Promise((r) => setTimeout(r, 50));
      }
    } catch (err) {
      if ((err as Error).message.startsWith('producer seq')) throw err;
      if ((err as Error).name === 'TimeoutError') c.hangs++;
      await new Promise((r) => setTimeout(r, 50));
    }
    c.statuses.set(status, (c.statuses.get(status) ?? 0) + 1);
  }
}

interface StoredRow {
  seq: number;
  pid: string | null;
  pseq: number | null;
  leaf: Buffer;
}

async function readLedger(url: string, schema: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET search_path = "${schema}"`);
    const rows = (
      await client.query<StoredRow>(
        'SELECT seq::int AS seq, producer_id AS pid, producer_seq::int AS pseq, leaf FROM events ORDER BY seq',
      )
    ).rows;
    const checkpoints = (
      await client.query<{ size: number; root: Buffer }>(
        'SELECT size::int AS size, root FROM checkpoints ORDER BY size',
      )
    ).rows;
    return { rows, checkpoints };
  } finally {
    await client.end();
  }
}

async function leaseHolder(
  url: string,
  schema: string,
): Promise<{ holder: string; acquired: number } | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ holder: string; acquired: string }>(
      `SELECT holder, acquired FROM "${schema}".sequencer_lease`,
    );
    return r.rows[0] && { holder: r.rows[0].holder, acquired: Number(r.rows[0].acquired) };
  } finally {
    await client.end();
  }
}

/** Every acknowledged event once, at its acknowledged seq; gapless; checkpoints are roots of the leaves. */
function checkLedger(ledger: Awaited<ReturnType<typeof readLedger>>, clients: Client[]): number {
  const { rows, checkpoints } = ledger;
  rows.forEach((r, i) => expect(r.seq).toBe(i));
  const keys = new Set(rows.filter((r) => r.pid !== null).map((r) => `${r.pid}/${r.pseq}`));
  expect(keys.size).toBe(rows.filter((r) => r.pid !== null).length);
  const bySeq = new Map(rows.map((r) => [r.seq, r]));
  let acked = 0;
  for (const c of clients) {
    for (const [pseq, seq] of c.acked) {
      acked++;
      const row = bySeq.get(seq);
      expect({ seq: row?.seq, pid: row?.pid, pseq: row?.pseq }).toEqual({ seq, pid: c.id, pseq });
    }
  }
  // Each checkpoint's root is recomputed from the stored leaves: all of them lie on one tree.
  const range = new CompactRange();
  let next = 0;
  for (const cp of checkpoints) {
    while (range.size < cp.size) range.append(rows[next++]!.leaf);
    expect(range.root().equals(cp.root), `checkpoint ${cp.size}`).toBe(true);
  }
  return acked;
}

function verifyCli(db: string, keyFile: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [BIN, 'verify', '--db', db], {
    env: { ...process.env, STELE_LEDGER__KEY_FILE: keyFile },
    encoding: 'utf8',
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe.skipIf(unavailable !== undefined)('several nodes on one PostgreSQL', () => {
  it('keeps every acknowledged event once, gapless, across two SIGKILLs of the sequencer, with failover under 5 s', async () => {
    const schema = uniqueSchema('stele_cluster');
    const db = pgUrlWithSchema(schema);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stele-cluster-'));
    const keyFile = path.join(dir, 'ledger.key');
    const nodes: Node[] = [];
    cleanups.push(async () => {
      for (const n of nodes) await stopNode(n, 'SIGKILL');
      await dropSchema(schema);
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const ports = [await freePort(), await freePort(), await freePort()];
    // The first node creates the shared key file and the first admin key.
    nodes.push(await startNode(db, keyFile, path.join(dir, 'n0'), ports[0]!));
    const token = nodes[0]!.token!;
    expect(token).toBeDefined();
    nodes.push(
      ...(await Promise.all([1, 2].map((i) => startNode(db, keyFile, path.join(dir, `n${i}`), ports[i]!)))),
    );

    const clients = Array.from({ length: 6 }, (_, i) => newClient(`cluster-client-${i}`));
    let stopped = false;
    const live = () =>
      nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null).map((n) => n.url);
    const running = clients.map((c) => runClient(c, live, token, 20, () => stopped));
    const failovers: number[] = [];
    for (let kill = 0; kill < 2; kill++) {
      await new Promise((r) => setTimeout(r, 1500));
      const before = await leaseHolder(PG_URL, schema);
      expect(before).toBeDefined();
      const pid = Number(before!.holder.split('/')[1]);
      const victim = nodes.findIndex((n) => n.child.pid === pid);
      expect(victim).toBeGreaterThanOrEqual(0);
      const killedAt = Date.now();
      await stopNode(nodes[victim]!, 'SIGKILL');
      let after = await leaseHolder(PG_URL, schema);
      while (after?.holder === before!.holder && Date.now() - killedAt < 10_000) {
        await new Promise((r) => setTimeout(r, 25));
        after = await leaseHolder(PG_URL, schema);
      }
      failovers.push(after!.acquired - killedAt);
      // Bring the node back (as an orchestrator would) while the others carry on.
      nodes[victim] = await startNode(db, keyFile, path.join(dir, `n${victim}`), ports[victim]!);
    }
    await new Promise((r) => setTimeout(r, 1500));
    stopped = true;
    await Promise.all(running);
    for (const n of nodes) await stopNode(n);

    console.log(`cluster: failover after SIGKILL took ${failovers.map((f) => `${f} ms`).join(', ')}`);
    for (const f of failovers) expect(f).toBeLessThan(5000);
    const ledger = await readLedger(PG_URL, schema);
    const acked = checkLedger(ledger, clients);
    expect(acked).toBeGreaterThan(6 * 20 * 3);
    expect(ledger.checkpoints.length).toBeGreaterThan(2);
    const verified = verifyCli(db, keyFile);
    expect(verified.out).toContain('intact');
    expect(verified.status).toBe(0);
  }, 120_000);

  it('answers 503 while PostgreSQL is unreachable for 10 s, never hangs, and resumes by itself', async () => {
    const schema = uniqueSchema('stele_pgdown');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stele-pgdown-'));
    const keyFile = path.join(dir, 'ledger.key');
    const target = new URL(PG_URL);
    const proxy = await startProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(pgUrlWithSchema(schema));
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const started: Node[] = [];
    cleanups.push(async () => {
      for (const n of started) await stopNode(n, 'SIGKILL');
      await proxy.close();
      await dropSchema(schema);
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const node = await startNode(viaProxy.toString(), keyFile, dir, await freePort());
    started.push(node);
    const token = node.token!;
    const clients = Array.from({ length: 4 }, (_, i) => newClient(`pgdown-client-${i}`));
    let stopped = false;
    const running = clients.map((c) =>
      runClient(
        c,
        () => [node!.url],
        token,
        10,
        () => stopped,
      ),
    );
    // Ingest running before PostgreSQL goes away: 1.5 s, longer until a first batch is acknowledged
    // (a node's first commit can take that long on a machine busy with the rest of the suite).
    const acked = () => clients.reduce((n, c) => n + c.acked.size, 0);
    await new Promise((r) => setTimeout(r, 1500));
    for (let waited = 0; acked() === 0 && waited < 15_000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const ackedBefore = acked();
    expect(ackedBefore).toBeGreaterThan(0);

    proxy.block();
    for (const c of clients) c.statuses.clear();
    await new Promise((r) => setTimeout(r, 10_000));
    const during = new Map<string, number>();
    for (const c of clients) for (const [s, n] of c.statuses) during.set(s, (during.get(s) ?? 0) + n);
    const ackedDuring = clients.reduce((n, c) => n + c.acked.size, 0);
    proxy.unblock();

    const restored = Date.now();
    let resumedAfter = -1;
    while (Date.now() - restored < 20_000) {
      if (clients.reduce((n, c) => n + c.acked.size, 0) > ackedDuring + 40) {
        resumedAfter = Date.now() - restored;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    stopped = true;
    await Promise.all(running);
    const exitedEarly = node.child.exitCode !== null || node.child.signalCode !== null;
    await stopNode(node);
    expect(exitedEarly, `the node died: ${node.err().slice(-2000)}`).toBe(false);

    console.log(
      `pg down: statuses during the outage ${JSON.stringify(Object.fromEntries(during))}; ingest resumed ${resumedAfter} ms after PostgreSQL returned`,
    );
    expect(during.get('503') ?? 0).toBeGreaterThan(0);
    expect(clients.reduce((n, c) => n + c.hangs, 0)).toBe(0);
    expect(resumedAfter).toBeGreaterThanOrEqual(0);
    checkLedger(await readLedger(PG_URL, schema), clients);
    expect(verifyCli(pgUrlWithSchema(schema), keyFile).status).toBe(0);
  }, 90_000);
});

interface Proxy {
  port: number;
  /** Drops every connection and refuses new ones. */
  block(): void;
  unblock(): void;
  close(): Promise<void>;
}

/** A TCP proxy to PostgreSQL that can be made unreachable. */
async function startProxy(host: string, port: number): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  let blocked = false;
  const server = net.createServer((client) => {
    if (blocked) {
      client.destroy();
      return;
    }
    const upstream = net.connect(port, host);
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    block() {
      blocked = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    unblock() {
      blocked = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
