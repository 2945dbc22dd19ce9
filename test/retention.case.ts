// Retention and legal hold: events past their period lose their bodies and disappear from search,
// counts and exports; held events stay until the hold is released; the runs and hold changes are
// ledger events; `stele verify` passes and the remaining events still prove. A body emptied outside
// a recorded retention range is still caught. Run on every database (retention.test.ts).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyLedger } from '../src/ledger/verify.js';
import { LedgerService } from '../src/ledger/ledger-service.js';
import { openCheckpoint } from '../src/ledger/checkpoint.js';
import { hashLeaf, verifyInclusion } from '../src/ledger/merkle.js';
import { verifierKeyOfSignerFile } from '../src/ledger/verify-key.js';
import type { BackendKind, TestBackend } from './helpers/backends.js';
import { BIN } from './helpers/child.js';
import { sampleEvent, startTestServer, type TestServer } from './helpers/server.js';

const YEAR = 365 * 86_400_000;
const now = Date.now();
const old = (i: number) => new Date(now - 2 * YEAR + i * 1000).toISOString();

type Json = Record<string, any>;

export function runRetentionSuite(kind: BackendKind): void {
  let backend: TestBackend;
  let srv: TestServer;
  const admin = (method: string, p: string, body?: unknown) =>
    fetch(srv.url + p, {
      method,
      headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const events = async (q: string) =>
    ((await (await srv.get(`/v1/events?q=${encodeURIComponent(q)}`)).json()) as { events: Json[] }).events;
  const count = async (q: string) =>
    ((await (await srv.get(`/v1/events/count?q=${encodeURIComponent(q)}`)).json()) as { count: number })
      .count;

  beforeAll(async () => {
    backend = await kind.create();
    srv = await startTestServer({
      ...backend.target,
      retention: [{ dataset: 'linux.auth', keep: '12mo', online: '3mo' }, { keep: '6y' }],
    });
    const res = await srv.post(
      JSON.stringify([
        sampleEvent({
          '@timestamp': old(1),
          user: { name: 'alice' },
          message: 'Accepted publickey for alice old',
        }),
        sampleEvent({
          '@timestamp': old(2),
          user: { name: 'bob' },
          message: 'Accepted publickey for bob old',
        }),
        sampleEvent({
          '@timestamp': old(3),
          user: { name: 'alice' },
          message: 'Accepted publickey for alice old2',
        }),
        sampleEvent({
          '@timestamp': new Date(now - 86_400_000).toISOString(),
          user: { name: 'alice' },
          message: 'recent alice',
        }),
        // Another dataset: the default rule keeps it six years.
        sampleEvent({
          '@timestamp': old(4),
          event: { action: 'k8s.exec', outcome: 'success', dataset: 'k8s.audit' },
          user: { name: 'carol' },
        }),
      ]),
    );
    expect(res.status).toBe(200);
  });

  afterAll(async () => {
    await srv.close();
    await backend.dispose();
  });

  it('expires old events, keeps held ones, and records both in the ledger', async () => {
    expect(await count('user.name:alice')).toBe(3);
    const placed = await admin('POST', '/v1/holds', { query: 'user.name:bob', reason: 'matter 2024-17' });
    expect(placed.status).toBe(201);
    const hold = (await placed.json()) as Json;
    expect(hold.id).toMatch(/^hold-/);
    expect(((await (await srv.get('/v1/holds')).json()) as { holds: Json[] }).holds).toHaveLength(1);

    const dry = (await (await admin('POST', '/v1/retention/run?dry_run=true')).json()) as Json;
    expect(dry).toMatchObject({ dryRun: true, expired: 2, held: 1 });
    expect(await count('user.name:alice')).toBe(3); // a dry run changes nothing

    const run = (await (await admin('POST', '/v1/retention/run')).json()) as Json;
    expect(run).toMatchObject({ dryRun: false, expired: 2, held: 1, ranges: 2 });
    expect(run.rules[0]).toMatchObject({ rule: 'dataset linux.auth', keep: '12mo', expired: 2, held: 1 });

    // Gone from search, counts, full text, aggregations and exports; bob (held) and carol (6y) stay.
    expect((await events('user.name:alice')).map((e) => e.message)).toEqual(['recent alice']);
    expect(await count('user.name:alice')).toBe(1);
    expect(await count('"alice old"')).toBe(0);
    expect(await count('user.name:bob')).toBe(1);
    expect(await count('user.name:carol')).toBe(1);
    const exported = (await (await srv.get('/v1/export?q=event.dataset:linux.auth&format=ndjson')).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Json);
    expect(exported.map((e) => e.message).sort()).toEqual(['Accepted publickey for bob old', 'recent alice']);
    const agg = await (await srv.get('/v1/aggregate?by=user.name&q=event.dataset:linux.auth')).json();
    expect(JSON.stringify(agg)).toMatch(/"total":2\b/);

    // The run and the hold are ledger events naming no one.
    const records = await events('event.action:stele.retention');
    expect(records).toHaveLength(1);
    expect(records[0]!.labels).toMatchObject({ events: '2', ranges: `0-0,2-2` });
    expect(await count('event.action:stele.hold.place')).toBe(1);

    // Releasing the hold lets the next run expire bob's event.
    const released = await admin('DELETE', `/v1/holds/${hold.id}`);
    expect(released.status).toBe(200);
    expect(await count('event.action:stele.hold.release')).toBe(1);
    const second = (await (await admin('POST', '/v1/retention/run')).json()) as Json;
    expect(second).toMatchObject({ expired: 1, held: 0 });
    expect(await count('user.name:bob')).toBe(0);
    expect(await count('event.action:stele.retention')).toBe(2);
  });

  it('keeps the ledger verifiable: stele verify passes and the remaining events still prove', async () => {
    await srv.stop();
    const store = await backend.openStore({ readonly: true });
    const key = verifierKeyOfSignerFile(`${srv.dataDir}/ledger.key`);
    const fields = JSON.parse((await store.getMeta('personal_fields'))!) as string[];
    const report = await verifyLedger(store, { verifierKey: key, personalFields: fields, workers: 0 });
    expect(report.reason).toBeUndefined();
    expect(report).toMatchObject({ ok: true, expired: 3 });
    // The expired rows keep only seq, ts, received, source and the leaf.
    const row = (await store.getEvent(0))!;
    expect(row).toMatchObject({
      body: null,
      seed: null,
      erased: null,
      columns: [null, null, null, null, null, null],
    });
    expect(row.leafHash.length).toBe(32);

    const service = new LedgerService(store, fields);
    const cp = openCheckpoint((await service.latestCheckpoint()).note, [key]).checkpoint;
    for (const seq of [3, 4]) {
      const proof = await service.proveInclusion(seq);
      const leaf = hashLeaf(Buffer.from(proof.entry, 'base64'));
      const hashes = proof.hashes.map((h) => Buffer.from(h, 'base64'));
      expect(verifyInclusion(leaf, seq, proof.treeSize, hashes, cp.rootHash).ok).toBe(true);
    }
    await store.close();
    // The expired messages are in no stored row, and where the database overwrites what it frees,
    // in no file of the data directory either (raw bytes).
    const rows = await backend.exec('SELECT * FROM events');
    expect(rows.length).toBeGreaterThan(5); // the expired rows are still there, without content
    expect(JSON.stringify(rows)).not.toContain('alice old2');
    if (backend.overwritesFreedBytes) {
      for (const name of fs.readdirSync(srv.dataDir)) {
        const file = `${srv.dataDir}/${name}`;
        if (fs.statSync(file).isFile()) expect(fs.readFileSync(file).includes('alice old2')).toBe(false);
      }
    }
    if (fs.existsSync(`${import.meta.dirname}/../dist/src/cli/main.js`)) {
      const out = execFileSync(process.execPath, [BIN, 'verify', ...backend.flags, '--json'], {
        encoding: 'utf8',
      });
      expect(JSON.parse(out)).toMatchObject({ ok: true, expired: 3 });
    }
  });

  it('still catches a body emptied outside a retention range, and a forged range', async () => {
    const key = verifierKeyOfSignerFile(`${srv.dataDir}/ledger.key`);
    const store = await backend.openStore();
    const fields = JSON.parse((await store.getMeta('personal_fields'))!) as string[];
    await backend.exec('UPDATE events SET body = NULL, seed = NULL WHERE seq = 3');
    let report = await verifyLedger(store, { verifierKey: key, personalFields: fields, workers: 0 });
    expect(report.ok).toBe(false);
    expect(report.firstBadIndex).toBe(3);
    expect(report.reason).toContain('no retention run expired it');
    // A range added to the table without a ledger record that lists it is caught too.
    const record = Number((await backend.exec('SELECT record FROM retention_expired LIMIT 1'))[0]!.record);
    await backend.exec('INSERT INTO retention_expired (first, last, record, expired) VALUES (3, 3, ?, 0)', [
      record,
    ]);
    report = await verifyLedger(store, { verifierKey: key, personalFields: fields, workers: 0 });
    expect(report.ok).toBe(false);
    expect(report.reason).toContain('not backed by the ledger');
    await store.close();
  });
}
