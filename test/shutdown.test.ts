// SIGTERM under load: the server stops taking requests, finishes every commit in flight, and exits
// 0; every acknowledged event is stored, and the ledger ends with a checkpoint covering all of it.

import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { exited, freePort, startServeChild } from './helpers/child.js';
import { tempDir } from './helpers/server.js';

describe('graceful shutdown', () => {
  it('finishes in-flight commits on SIGTERM and exits 0', async () => {
    const dataDir = tempDir('stele-shutdown-');
    const port = await freePort();
    const { child, token } = await startServeChild(dataDir, port);
    const acked = new Set<number>();
    const statuses: number[] = [];
    let stop = false;
    const client = async (id: number) => {
      for (let n = 0; !stop; n++) {
        const events = Array.from({ length: 50 }, (_, i) => ({
          '@timestamp': '2026-01-01T00:00:00Z',
          event: { action: 'ssh.login' },
          labels: { client: String(id), n: String(n), i: String(i) },
        }));
        try {
          const res = await fetch(`http://127.0.0.1:${port}/v1/events`, {
            method: 'POST',
            body: JSON.stringify(events),
            headers: { authorization: `Bearer ${token}` },
          });
          if (res.status !== 200) {
            statuses.push(res.status);
            return;
          }
          for (const a of ((await res.json()) as { accepted: Array<{ seq: number }> }).accepted)
            acked.add(a.seq);
        } catch {
          return;
        }
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    const deadline = Date.now() + 20_000;
    while (acked.size < 500 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(statuses, 'clients were refused before shutdown').toEqual([]);
    child.kill('SIGTERM');
    const code = await exited(child);
    stop = true;
    await Promise.all(clients);
    expect(code).toBe(0);
    expect(acked.size).toBeGreaterThan(0);

    const db = new Database(path.join(dataDir, 'stele.db'), { readonly: true });
    const seqs = new Set(
      (db.prepare('SELECT seq FROM events').all() as Array<{ seq: number }>).map((r) => r.seq),
    );
    const cp = db.prepare('SELECT MAX(size) AS size FROM checkpoints').get() as { size: number };
    db.close();
    for (const seq of acked) expect(seqs.has(seq)).toBe(true);
    expect(cp.size).toBe(seqs.size);
  });
});
