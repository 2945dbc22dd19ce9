// Crash safety: a `stele serve` child receiving a steady stream from concurrent clients is killed
// with SIGKILL at random moments. After every restart, each acknowledged event is present exactly
// once and `stele.seq` has no gaps. Clients re-send what was not acknowledged (as a real shipper
// would); producer ids make those re-sends idempotent.

import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { tempDir } from './helpers/server.js';
import { freePort, startServeChild } from './helpers/child.js';

const CLIENTS = 6;
const BATCH = 25;
const KILLS = 4;

interface Client {
  id: string;
  nextSeq: number;
  /** Events sent but not acknowledged: re-sent after a restart. */
  unacked: Array<Record<string, unknown>>;
  acked: Map<number, number>;
}

const dirs: string[] = [];
afterAll(() => {
  // data dirs are left in the OS temp dir on failure for inspection; nothing to clean on success
});

describe('crash safety under SIGKILL', () => {
  it('keeps every acknowledged event exactly once, with gapless seqs, across repeated kills', async () => {
    const dataDir = tempDir('stele-crash-');
    dirs.push(dataDir);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/v1/events`;
    const { token, ...first } = await startServeChild(dataDir, port);
    let child = first.child;
    expect(token).toBeDefined();
    const clients: Client[] = Array.from({ length: CLIENTS }, (_, i) => ({
      id: `crash-client-${i}`,
      nextSeq: 0,
      unacked: [],
      acked: new Map(),
    }));

    const send = async (c: Client, stop: () => boolean) => {
      while (!stop()) {
        if (c.unacked.length === 0) {
          for (let i = 0; i < BATCH; i++) {
            const seq = c.nextSeq++;
            c.unacked.push({
              '@timestamp': new Date(Date.UTC(2026, 0, 1) + seq).toISOString(),
              event: { action: 'ssh.login', outcome: 'success' },
              user: { name: c.id },
              stele: { producer: { id: c.id, seq } },
            });
          }
        }
        try {
          const res = await fetch(url, {
            method: 'POST',
            body: JSON.stringify(c.unacked),
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          });
          if (res.status !== 200) throw new Error(`status ${res.status}`);
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
        } catch (err) {
          if ((err as Error).message.startsWith('producer seq')) throw err;
          return; // server gone: keep the batch for the next life
        }
      }
    };

    for (let life = 0; life <= KILLS; life++) {
      let stopped = false;
      const stop = () => stopped;
      const running = clients.map((c) => send(c, stop));
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
      if (life < KILLS) {
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        stopped = true;
        await Promise.all(running);
        ({ child } = await startServeChild(dataDir, port));
      } else {
        stopped = true;
        await Promise.all(running);
      }
    }
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));

    const db = new Database(path.join(dataDir, 'stele.db'), { readonly: true });
    const rows = db
      .prepare('SELECT seq, producer_id AS pid, producer_seq AS pseq FROM events ORDER BY seq')
      .all() as Array<{
      seq: number;
      pid: string;
      pseq: number;
    }>;
    db.close();
    // gapless from 0
    rows.forEach((r, i) => expect(r.seq).toBe(i));
    // no event stored twice
    const keys = new Set(rows.map((r) => `${r.pid}/${r.pseq}`));
    expect(keys.size).toBe(rows.length);
    // every acknowledged event present, at the seq it was acknowledged with
    const bySeq = new Map(rows.map((r) => [r.seq, r]));
    let acked = 0;
    for (const c of clients) {
      for (const [pseq, seq] of c.acked) {
        acked++;
        expect(bySeq.get(seq)).toEqual({ seq, pid: c.id, pseq });
      }
    }
    expect(acked).toBeGreaterThan(CLIENTS * BATCH);
  }, 120_000);
});
