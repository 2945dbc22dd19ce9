// `stele migrate` round trip: a SQLite ledger (with producers, an erasure and several checkpoints)
// copied to PostgreSQL and back to a new data directory. Every step verifies in full; the events,
// leaves, seeds, erased commitments and checkpoints come back identical.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateLedger } from '../src/cli/commands/migrate.js';
import { openStore } from '../src/store/open.js';
import type { EventRow, Store } from '../src/store/store.js';
import { dropSchema, pgQuery, pgUnavailableReason, pgUrlWithSchema, uniqueSchema } from './helpers/pg.js';
import { sampleEvent, startTestServer, tempDir } from './helpers/server.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'stele');
const unavailable = await pgUnavailableReason();
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function snapshot(store: Store) {
  const rows: EventRow[] = [];
  for (let seq = 0; ;) {
    const page = await store.scanEvents(seq, 1000);
    if (page.length === 0) break;
    rows.push(...page);
    seq = page.at(-1)!.seq + 1;
  }
  const state = await store.loadLedgerState();
  return {
    rows,
    checkpoints: await store.listCheckpoints(),
    producers: state.producers,
    frontier: state.frontier,
    keys: (await store.listApiKeys()).map((k) => k.id),
    personalFields: await store.getMeta('personal_fields'),
  };
}

async function snapshotOf(target: { data: string; db?: string }) {
  const store = await openStore(target, { readonly: true });
  try {
    return await snapshot(store);
  } finally {
    await store.close();
  }
}

describe.skipIf(unavailable !== undefined)('stele migrate', () => {
  it('copies SQLite -> PostgreSQL -> SQLite with identical events and checkpoints, verified each way', async () => {
    const server = await startTestServer({ ledger: { checkpoint_interval_ms: 50 } });
    const schema = uniqueSchema('stele_migrate');
    const db = pgUrlWithSchema(schema);
    const back = tempDir('stele-migrate-back-');
    cleanups.push(async () => {
      await server.close();
      await dropSchema(schema);
      fs.rmSync(back, { recursive: true, force: true });
    });
    for (let i = 0; i < 6; i++) {
      const events = Array.from({ length: 50 }, (_, j) =>
        sampleEvent({
          user: { name: j % 7 === 0 ? 'mallory' : `user${j}` },
          stele: { producer: { id: 'agent-1', seq: i * 50 + j } },
        }),
      );
      expect((await server.post(JSON.stringify(events))).status).toBe(200);
      await new Promise((r) => setTimeout(r, 60));
    }
    const erased = await fetch(`${server.url}/v1/erasure`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'mallory' }),
    });
    expect(erased.status).toBe(200);
    await server.stop();

    const original = await snapshotOf({ data: server.dataDir });
    expect(original.rows.some((r) => r.erased !== null)).toBe(true);
    expect(original.checkpoints.length).toBeGreaterThan(3);

    const there = await migrateLedger({ from: server.dataDir, to: db });
    expect(there.verification).toMatch(/stele verify passed/);
    expect(there.events).toBe(original.rows.length);
    // The copy leaves every partition holding events vacuumed (its visibility map set) and with
    // planner statistics.
    const partitions = await pgQuery(schema, [
      [
        `SELECT relname, last_analyze IS NOT NULL AS analyzed, last_vacuum IS NOT NULL AS vacuumed
          FROM pg_stat_user_tables WHERE schemaname = $1 AND relname LIKE 'events\\_%' AND n_live_tup > 0`,
        [schema],
      ],
    ]);
    expect(partitions.length).toBeGreaterThan(0);
    expect(partitions.every((p) => p.analyzed && p.vacuumed)).toBe(true);

    // Back through the command line, as a user would.
    const cli = spawnSync(
      process.execPath,
      [BIN, 'migrate', '--from', db, '--to', back, '--key', verifierKey(server.dataDir), '--json'],
      { encoding: 'utf8' },
    );
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    const backSummary = JSON.parse(cli.stdout) as { verified: boolean; events: number };
    expect(backSummary.verified).toBe(true);

    const onPg = await snapshotOf({ data: back, db });
    const returned = await snapshotOf({ data: back });
    for (const copy of [onPg, returned]) {
      expect(copy.checkpoints).toEqual(original.checkpoints);
      expect(copy.rows).toEqual(original.rows);
      expect(copy.producers).toEqual(original.producers);
      expect(copy.keys).toEqual(original.keys);
      expect(copy.personalFields).toEqual(original.personalFields);
      expect(JSON.parse(copy.frontier!)).toEqual(JSON.parse(original.frontier!));
    }

    // Into a ledger that is not empty: refused, nothing written.
    await expect(migrateLedger({ from: server.dataDir, to: db })).rejects.toThrow(/already holds a ledger/);
  }, 120_000);
});

function verifierKey(dataDir: string): string {
  const r = spawnSync(process.execPath, [BIN, 'keys', 'ledger', '--public', '--data', dataDir], {
    encoding: 'utf8',
  });
  expect(r.status).toBe(0);
  return r.stdout.trim();
}
