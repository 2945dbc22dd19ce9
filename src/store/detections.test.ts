// Detection steps (recordDetections) on SQLite, which writes an alert at a time, and on
// PostgreSQL, which writes a step's alerts in a few statements: over random steps, both must
// create, merge, link and queue exactly the same alerts.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, PG_URL, pgUnavailableReason, uniqueSchema } from '../../test/helpers/pg.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { AlertStore, DetectionCommit, NewAlert, Store } from './store.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const WINDOW = 60_000;

/** Steps over few rules and groups, times jumping back and forth around the dedup window. */
function randomSteps(r: () => number, count: number): DetectionCommit[] {
  const steps: DetectionCommit[] = [];
  let seq = 0;
  let t = Date.UTC(2026, 0, 1);
  for (let s = 0; s < count; s++) {
    const alerts: NewAlert[] = [];
    const n = Math.floor(r() * 12);
    for (let i = 0; i < n; i++) {
      t += Math.floor((r() - 0.3) * 40_000);
      const rule = Math.floor(r() * 3);
      const group = Math.floor(r() * 3);
      alerts.push({
        ruleKey: `rule-${rule}`,
        ruleId: rule === 2 ? null : `id-${rule}`,
        title: `Rule ${rule}`,
        level: rule === 1 ? null : 'high',
        groupKey: `g${group}`,
        group: group === 0 ? null : { 'source.ip': `10.0.0.${group}` },
        seq: seq++,
        ts: t,
      });
    }
    steps.push({
      alerts,
      cursor: seq - 1,
      seen: [],
      sinks: s % 3 === 0 ? [] : ['webhook', 'slack'],
      dedupWindowMs: WINDOW,
      now: Date.UTC(2026, 0, 2) + s,
    });
  }
  return steps;
}

const unavailable = await pgUnavailableReason();

describe.skipIf(unavailable !== undefined)(
  'recordDetections: PostgreSQL in statements per step = SQLite alert by alert',
  () => {
    let dir = '';
    let schema = '';
    let sqlite: SqliteStore;
    let postgres: PostgresStore;
    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stele-detections-'));
      schema = uniqueSchema();
      sqlite = new SqliteStore(dir);
      postgres = await PostgresStore.open({ url: PG_URL, schema, poolSize: 2 });
    });
    afterAll(async () => {
      await sqlite.close();
      await postgres.close();
      await dropSchema(schema);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('gives the same ids, counts, times, links and outbox rows', async () => {
      const r = rng(2026);
      const stores: Array<Store & AlertStore> = [sqlite, postgres];
      for (const [i, step] of randomSteps(r, 120).entries()) {
        const results = [];
        for (const store of stores) results.push(await store.recordDetections(step));
        expect(results[1], `step ${i}`).toEqual(results[0]);
        // Now and then an alert is closed: later alerts of its key start a new one.
        if (i % 10 === 9 && results[0]!.created.length > 0) {
          for (const store of stores)
            await store.updateAlertStatus(results[0]!.created[0]!, 'closed', step.now);
        }
      }
      const listed = await Promise.all(stores.map((s) => s.listAlerts({ limit: 10_000 })));
      expect(listed[0]!.length).toBeGreaterThan(20);
      expect(listed[0]!.some((a) => a.count > 1)).toBe(true);
      expect(listed[1]).toEqual(listed[0]);
      for (const alert of listed[0]!) {
        const [a, b] = await Promise.all(stores.map((s) => s.getAlert(alert.id)));
        expect(b).toEqual(a);
      }
      const outbox = 'SELECT alert_id, sink, attempts, next_attempt FROM alert_outbox ORDER BY id';
      const pgOutbox = (await postgres.query<Record<string, unknown>>(outbox)).map((row) => ({
        ...row,
        alert_id: Number(row.alert_id),
        next_attempt: Number(row.next_attempt),
      }));
      expect(pgOutbox).toEqual(sqlite.raw.prepare(outbox).all());
    });
  },
);
