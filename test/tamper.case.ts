// Tamper detection on a real database (issue 3): events go through the ledger into the store,
// then its rows are changed behind Stele's back the way an intruder with database access would,
// and verification must name the first bad index and the reason, both in process (verifyLedger)
// and through `stele verify` (exit code 3 and one line on stderr). Run on every database
// (tamper.test.ts); the raw SQL of each dialect comes from its TestBackend.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { fixedClock } from '../src/core/clock.js';
import { validateEvent } from '../src/core/validate.js';
import { Admitter, type Candidate } from '../src/ingest/admitter.js';
import { IngestMetrics } from '../src/ingest/metrics.js';
import { signCheckpoint } from '../src/ledger/checkpoint.js';
import { ledgerEntry } from '../src/ledger/entry.js';
import { LedgerService } from '../src/ledger/ledger-service.js';
import { completeSubtreeHash, hashLeaf, verifyInclusion } from '../src/ledger/merkle.js';
import { createSignerKey } from '../src/ledger/note.js';
import { verifyLedger, type VerifyReport } from '../src/ledger/verify.js';
import { pinnedPersonalFields, verifierKeyOfSignerFile } from '../src/ledger/verify-key.js';
import { NODE_LEVELS_MIGRATION, rowToEvent, type EventRow } from '../src/store/store.js';
import type { BackendKind, Step, TestBackend } from './helpers/backends.js';
import { sampleEvent, tempDir } from './helpers/server.js';

const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'stele');
const BATCH = 50;
const BATCHES = 6; // one checkpoint per batch: sizes 50, 100, ..., 300
const SIZE = BATCH * BATCHES;

// One clock for every ingest of the file, so reopened ledgers keep signing later checkpoints.
const clock = fixedClock(Date.UTC(2026, 10, 25, 12), 1000);

/** Admits `batches` of sample events, each in its own commit, which signs its own checkpoint. */
async function ingest(
  backend: TestBackend,
  batches: number[],
  overrides: Record<string, unknown> = {},
): Promise<void> {
  const config = loadConfig({ overrides: { ...backend.target } });
  const ledger = await openLedger(config, clock);
  const state = await ledger.store.loadLedgerState();
  const admitter = new Admitter(
    {
      store: ledger.store,
      ledger: ledger.writer,
      clock,
      metrics: new IngestMetrics(),
      checkpointIntervalMs: 1000,
    },
    state.producers,
  );
  try {
    for (const n of batches) await admitter.submit(candidates(n, overrides), 'test');
  } finally {
    await admitter.close();
    await ledger.writer.close();
    await ledger.store.close();
    ledger.lock.release();
  }
}

function candidates(n: number, overrides: Record<string, unknown>): Candidate[] {
  return Array.from({ length: n }, (_, index) => {
    const v = validateEvent(sampleEvent({ related: { user: ['alice'], ip: ['203.0.113.7'] }, ...overrides }));
    if (!v.ok) throw new Error(v.message);
    return { index, event: v.event, ts: Date.parse(v.event['@timestamp']) };
  });
}

async function verify(backend: TestBackend, against?: string): Promise<VerifyReport> {
  const store = await backend.openStore({ readonly: true });
  try {
    return await verifyLedger(store, {
      verifierKey: verifierKeyOfSignerFile(path.join(backend.dataDir, 'ledger.key')),
      personalFields: await pinnedPersonalFields(store),
      ...(against === undefined ? {} : { against }),
    });
  } finally {
    await store.close();
  }
}

async function readRow(backend: TestBackend, seq: number): Promise<EventRow> {
  const store = await backend.openStore({ readonly: true });
  try {
    return (await store.getEvent(seq))!;
  } finally {
    await store.close();
  }
}

function stele(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Runs verifyLedger and `stele verify`; both must report this failure. */
async function expectFailure(
  backend: TestBackend,
  index: number | undefined,
  reason: string,
): Promise<VerifyReport> {
  const report = await verify(backend);
  expect(report.ok).toBe(false);
  expect(report.reason).toBe(reason);
  expect(report.firstBadIndex).toBe(index);
  // The CLI reads and recomputes in worker threads (each with its own connection): same verdict.
  const cli = stele('verify', ...backend.flags, '--workers', '2', '--json');
  expect(cli.status).toBe(3);
  expect(cli.stderr).toBe(`stele: ${reason}\n`);
  expect(JSON.parse(cli.stdout)).toEqual({ ...report, elapsedMs: expect.any(Number) });
  return report;
}

const ledgerKeyName = (backend: TestBackend) => {
  const key = verifierKeyOfSignerFile(path.join(backend.dataDir, 'ledger.key'));
  return `${key.name}+${key.keyId}`;
};

export function runTamperSuite(kind: BackendKind): void {
  let pristine: TestBackend;
  const copies: TestBackend[] = [];
  /** A fresh copy of the pristine ledger to tamper with. */
  const copyLedger = async (): Promise<TestBackend> => {
    const copy = await pristine.copy();
    copies.push(copy);
    return copy;
  };

  beforeAll(async () => {
    pristine = await kind.create();
    await ingest(pristine, Array(BATCHES).fill(BATCH));
  });
  afterAll(async () => {
    for (const b of [...copies, pristine]) await b?.dispose();
  });

  describe('an intact ledger', () => {
    it('passes, every checkpoint checked, in process and with `stele verify` (exit 0)', async () => {
      const report = await verify(pristine);
      expect(report).toMatchObject({
        ok: true,
        size: SIZE,
        verified: SIZE,
        checkpoints: BATCHES,
        coveredSize: SIZE,
      });
      expect(report.uncovered).toBe(0);
      expect(report.reason).toBeUndefined();
      const cli = stele('verify', ...pristine.flags);
      expect(cli.status).toBe(0);
      expect(cli.stdout).toMatch(/is intact: 300 entries recomputed and 6 signed checkpoints verified/);
      const json = stele('verify', ...pristine.flags, '--json', '--workers', '1');
      expect(json.status).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, size: SIZE, checkpoints: BATCHES });
    });

    it('reports entries after the latest checkpoint as not covered yet, without failing', async () => {
      const dir = await copyLedger();
      await dir.exec('DELETE FROM checkpoints WHERE size = ?', [SIZE]);
      const report = await verify(dir);
      expect(report).toMatchObject({ ok: true, coveredSize: SIZE - BATCH, uncovered: BATCH });
    });

    it('verifies and proves a database an older Stele wrote (every 8th tree level), read-only and once migrated', async () => {
      const dir = await copyLedger();
      await dir.execAll([
        ['DELETE FROM ledger_nodes WHERE level % 8 = 4', []],
        ['DELETE FROM migrations WHERE name = ?', [NODE_LEVELS_MIGRATION]],
      ]);
      const proveAndCheck = async () => {
        const store = await dir.openStore({ readonly: true });
        try {
          const proof = await new LedgerService(store, await pinnedPersonalFields(store)).proveInclusion(137);
          const root = Buffer.from(proof.checkpoint.split('\n')[2]!, 'base64');
          const hashes = proof.hashes.map((h) => Buffer.from(h, 'base64'));
          const leaf = hashLeaf(Buffer.from(proof.entry, 'base64'));
          expect(verifyInclusion(leaf, 137, SIZE, hashes, root)).toEqual({ ok: true });
          return await store.storedLevelStride();
        } finally {
          await store.close();
        }
      };
      expect(await proveAndCheck()).toBe(8);
      expect((await verify(dir)).ok).toBe(true);
      expect(stele('verify', ...dir.flags).status).toBe(0);
      // Opened for writing, the store gets its level-4 nodes back: the same ones the writer stored.
      await dir.openStore().then((store) => store.close());
      const nodes = async (b: TestBackend) =>
        (await b.exec('SELECT level, idx, hash FROM ledger_nodes ORDER BY level, idx')).map(
          (r) => `${Number(r.level)}/${Number(r.idx)}/${Buffer.from(r.hash as Uint8Array).toString('hex')}`,
        );
      expect(await nodes(dir)).toEqual(await nodes(pristine));
      expect(await proveAndCheck()).toBe(4);
      expect((await verify(dir)).ok).toBe(true);
    });

    it('refuses a key given with --key that is not the ledger key (exit 3)', () => {
      const other = createSignerKey('stele/someone-else');
      const cli = stele('verify', ...pristine.flags, '--key', other.verifierKey);
      expect(cli.status).toBe(3);
      expect(cli.stderr).toMatch(
        /^stele: checkpoint of size 50: not signed by the ledger key stele\/someone-else\+/,
      );
    });
  });

  describe('tampering with events', () => {
    it('detects an edited event field', async () => {
      const dir = await copyLedger();
      await dir.exec(
        `UPDATE events SET body = ${dir.sql.jsonSet('body', ['process', 'pid'], '1')} WHERE seq = 41`,
      );
      expect(rowToEvent(await readRow(dir, 41))!.process?.pid).toBe(1);
      await expectFailure(
        dir,
        41,
        'entry 41: stored event does not match its leaf hash (edited or a personal value changed)',
      );
    });

    it('detects an edited indexed field (kept in its own column)', async () => {
      const dir = await copyLedger();
      await dir.exec("UPDATE events SET outcome = 'failure' WHERE seq = 77");
      expect(rowToEvent(await readRow(dir, 77))!.event?.outcome).toBe('failure');
      await expectFailure(
        dir,
        77,
        'entry 77: stored event does not match its leaf hash (edited or a personal value changed)',
      );
    });

    it('detects a changed personal value', async () => {
      const dir = await copyLedger();
      const ip = dir.sql.jsonSet('body', ['source', 'ip'], '"198.51.100.66"');
      await dir.exec(`UPDATE events SET body = ${ip} WHERE seq = 12`);
      expect(rowToEvent(await readRow(dir, 12))!.source?.ip).toBe('198.51.100.66');
      await expectFailure(
        dir,
        12,
        'entry 12: stored event does not match its leaf hash (edited or a personal value changed)',
      );
    });

    it('detects a deleted event', async () => {
      const dir = await copyLedger();
      await dir.exec('DELETE FROM events WHERE seq = 41');
      await expectFailure(dir, 41, 'entry 41: missing (the event was deleted; the next stored entry is 42)');
    });

    it('detects two swapped events', async () => {
      const dir = await copyLedger();
      await dir.execAll([
        ['UPDATE events SET seq = -1 WHERE seq = 10'],
        ['UPDATE events SET seq = 10 WHERE seq = 20'],
        ['UPDATE events SET seq = 20 WHERE seq = -1'],
      ]);
      await expectFailure(
        dir,
        10,
        'entry 10: holds the event that was entry 20 (events reordered, or an event deleted before it)',
      );
    });

    it('detects an inserted event whose own leaf hash is correct', async () => {
      const dir = await copyLedger();
      await insertForged(dir, 60, false);
      await expectFailure(
        dir,
        60,
        'entry 60: an event was inserted here or events reordered (the event that was entry 60 is now entry 61)',
      );
    });

    it('detects an inserted event even when every later leaf hash was recomputed (the checkpoint catches it)', async () => {
      const dir = await copyLedger();
      await insertForged(dir, 60, true);
      const report = await expectFailure(
        dir,
        50,
        'checkpoint of size 100: the entries do not reproduce its signed root; an entry in 50..99 was changed, inserted, deleted or reordered',
      );
      expect(report.badCheckpoint).toBe(100);
    });

    it('detects a stored leaf hash that was changed, and tells it from an edited event', async () => {
      const dir = await copyLedger();
      await dir.exec(`UPDATE events SET leaf = ${dir.sql.zeroHash} WHERE seq = 33`);
      await expectFailure(
        dir,
        33,
        'entry 33: its stored leaf hash was changed (the event itself still matches the signed checkpoint of size 50)',
      );
    });

    it('says so when a checkpoint cannot tell an edited event from a changed leaf hash', async () => {
      const both = await copyLedger();
      await both.exec(`UPDATE events SET leaf = ${both.sql.zeroHash} WHERE seq = 33`);
      await both.exec(
        `UPDATE events SET body = ${both.sql.jsonSet('body', ['process', 'pid'], '1')} WHERE seq = 40`,
      );
      await expectFailure(
        both,
        33,
        'entry 33: stored event does not match its leaf hash (edited, a personal value changed, or the leaf hash changed; later entries differ too)',
      );
      const uncovered = await copyLedger();
      await uncovered.exec('DELETE FROM checkpoints WHERE size = ?', [SIZE]);
      const pid = uncovered.sql.jsonSet('body', ['process', 'pid'], '1');
      await uncovered.exec(`UPDATE events SET body = ${pid} WHERE seq = 280`);
      await expectFailure(
        uncovered,
        280,
        'entry 280: stored event does not match its leaf hash (edited, a personal value changed, or the leaf hash changed; no later checkpoint tells which)',
      );
    });

    it('detects a changed indexed time (the event lies about when it happened)', async () => {
      const dir = await copyLedger();
      // The ts column is where the event's @timestamp is stored (row-codec.ts): changing it edits the event.
      await dir.exec('UPDATE events SET ts = 0 WHERE seq = 5');
      await expectFailure(
        dir,
        5,
        'entry 5: stored event does not match its leaf hash (edited or a personal value changed)',
      );
    });

    it('detects an indexed time changed under a body that kept its @timestamp (rows written before 2026-12)', async () => {
      const dir = await copyLedger();
      // Row 5 the way older versions stored it, @timestamp in the body: same entry, same leaf.
      const row = (await dir.exec('SELECT ts, body FROM events WHERE seq = 5'))[0] as {
        ts: number;
        body: string;
      };
      const body = {
        '@timestamp': new Date(Number(row.ts)).toISOString(),
        ...(JSON.parse(row.body) as object),
      };
      await dir.exec('UPDATE events SET body = ?, ts = 0 WHERE seq = 5', [JSON.stringify(body)]);
      await expectFailure(
        dir,
        5,
        'entry 5: its indexed time (ts 0) is not its @timestamp: the search index was changed',
      );
    });

    it('detects a deleted stored tree node of level 4', async () => {
      const dir = await copyLedger();
      await dir.exec('DELETE FROM ledger_nodes WHERE level = 4 AND idx = 3');
      await expectFailure(
        dir,
        undefined,
        'stored tree node 4/3 (entries 48..63) is missing: inclusion proofs through it cannot be built',
      );
    });

    it('detects a changed stored tree node (inclusion proofs are built from them)', async () => {
      const dir = await copyLedger();
      await dir.exec(`UPDATE ledger_nodes SET hash = ${dir.sql.zeroHash} WHERE level = 8 AND idx = 0`);
      await expectFailure(
        dir,
        undefined,
        'stored tree node 8/0 (entries 0..255) does not match the entries: the node table, or an entry in that range with its leaf hash, was changed',
      );
    });

    it('fails every time random bytes of random stored events are changed, keeping valid JSON or not', async () => {
      const dir = await copyLedger();
      for (const sql of dir.sql.allowAnyBody) await dir.exec(sql);
      const rows = (await dir.exec('SELECT seq, body FROM events ORDER BY seq')) as Array<{ body: string }>;
      const seen = { validJson: 0, invalidJson: 0 };
      let seed = 0x5eed;
      const random = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      const alnum = 'abcdefghijklmnopqrstuvwxyz0123456789';
      {
        for (let round = 0; round < 40; round++) {
          const targets = [...new Set([random(SIZE), random(SIZE)].slice(0, 1 + random(2)))];
          for (const seq of targets) {
            const bytes = Buffer.from(rows[seq]!.body, 'utf8');
            const positions = new Set(Array.from({ length: 1 + random(3) }, () => random(bytes.length)));
            for (const at of positions) {
              // Half the rounds change a letter or digit into another (mostly still valid JSON).
              const keepJson = round % 2 === 0 && alnum.includes(String.fromCharCode(bytes[at]!));
              const pool = keepJson ? alnum.replace(String.fromCharCode(bytes[at]!), '') : undefined;
              bytes[at] = pool ? pool.charCodeAt(random(pool.length)) : (bytes[at]! + 1 + random(255)) % 256;
            }
            await dir.exec('UPDATE events SET body = CAST(? AS TEXT) WHERE seq = ?', [
              dir.sql.textBytes(bytes),
              seq,
            ]);
            const stored = (await dir.exec('SELECT body FROM events WHERE seq = ?', [seq]))[0]!
              .body as string;
            expect(stored).not.toBe(rows[seq]!.body);
            try {
              JSON.parse(stored);
              seen.validJson++;
            } catch {
              seen.invalidJson++;
            }
          }
          const report = await verify(dir);
          expect(report.ok, `round ${round}: events ${targets.join(', ')} changed`).toBe(false);
          expect(report.firstBadIndex).toBe(Math.min(...targets));
          for (const seq of targets)
            await dir.exec('UPDATE events SET body = ? WHERE seq = ?', [rows[seq]!.body, seq]);
        }
      }
      expect(seen.validJson).toBeGreaterThan(5);
      expect(seen.invalidJson).toBeGreaterThan(5);
      expect((await verify(dir)).ok).toBe(true);
    });
  });

  describe('tampering with the log as a whole', () => {
    it('detects a truncated log (a checkpoint is larger than the log)', async () => {
      const dir = await copyLedger();
      await dir.exec('DELETE FROM events WHERE seq >= 290');
      const report = await expectFailure(
        dir,
        290,
        'log truncated: the checkpoint of size 300 is signed but the log ends at entry 289; entry 290 is missing',
      );
      expect(report.badCheckpoint).toBe(SIZE);
    });

    it('detects a truncated log whose later checkpoints were deleted too (the frontier remembers)', async () => {
      const dir = await copyLedger();
      await dir.exec('DELETE FROM events WHERE seq >= 290');
      await dir.exec('DELETE FROM checkpoints WHERE size > 290');
      await expectFailure(
        dir,
        290,
        "log truncated: the ledger's frontier counts 300 entries but the log ends at entry 289; entry 290 is missing",
      );
    });

    it('detects a database rolled back to an earlier copy, given a later checkpoint (--against)', async () => {
      const dir = await copyLedger();
      const rollBack = await dir.snapshot();
      const earlyNote = await latestNote(dir);
      await ingest(dir, [BATCH, BATCH]);
      const later = path.join(tempDir('stele-witness-'), 'checkpoint.txt');
      fs.writeFileSync(later, await latestNote(dir));
      expect((await verify(dir, fs.readFileSync(later, 'utf8'))).against).toEqual({
        size: SIZE + 2 * BATCH,
        ok: true,
      });

      await rollBack(); // an earlier copy of the database put back
      // On its own the earlier state is consistent: only a checkpoint saved elsewhere can tell.
      expect((await verify(dir)).ok).toBe(true);
      expect((await verify(dir, earlyNote)).against).toEqual({ size: SIZE, ok: true });
      const reason = `the log was rolled back or truncated: the saved checkpoint has ${SIZE + 2 * BATCH} entries but the log has ${SIZE}; entry ${SIZE} is missing`;
      const report = await verify(dir, fs.readFileSync(later, 'utf8'));
      expect(report).toMatchObject({ ok: false, firstBadIndex: SIZE, reason });
      const cli = stele('verify', ...dir.flags, '--against', later);
      expect(cli.status).toBe(3);
      expect(cli.stderr).toBe(`stele: ${reason}\n`);

      // Rolled back and rewritten past the saved size: the root at that size differs.
      await ingest(dir, [BATCH, BATCH, BATCH], { host: { name: 'rewritten' } });
      const rewritten = await verify(dir, fs.readFileSync(later, 'utf8'));
      expect(rewritten.ok).toBe(false);
      expect(rewritten.reason).toBe(
        `the log does not extend the saved checkpoint of size ${SIZE + 2 * BATCH}: its root at that size differs (the log was rolled back and rewritten, or forked)`,
      );
    });

    it('detects a checkpoint replaced by one signed with another key', async () => {
      const dir = await copyLedger();
      const key = verifierKeyOfSignerFile(path.join(dir.dataDir, 'ledger.key'));
      const root = (await dir.exec('SELECT root FROM checkpoints WHERE size = 100'))[0]!.root as Buffer;
      // Same origin name, same size and root: only the key differs.
      const forged = signCheckpoint(
        { origin: key.name, size: 100, rootHash: root },
        createSignerKey(key.name),
      );
      await dir.exec('UPDATE checkpoints SET note = ? WHERE size = 100', [forged]);
      const report = await expectFailure(
        dir,
        undefined,
        `checkpoint of size 100: not signed by the ledger key ${ledgerKeyName(dir)} (forged, or re-signed with another key)`,
      );
      expect(report.badCheckpoint).toBe(100);
    });

    it('rejects a saved checkpoint signed by another key (--against)', async () => {
      const other = signCheckpoint(
        { origin: 'stele/other', size: 10, rootHash: Buffer.alloc(32) },
        createSignerKey('stele/other'),
      );
      const report = await verify(pristine, other);
      expect(report.ok).toBe(false);
      expect(report.reason).toBe(
        `the saved checkpoint is not signed by the ledger key ${ledgerKeyName(pristine)} (another log's, or forged)`,
      );
    });
  });
}

async function latestNote(backend: TestBackend): Promise<string> {
  const store = await backend.openStore({ readonly: true });
  try {
    return (await store.latestCheckpoint())!.note;
  } finally {
    await store.close();
  }
}

/**
 * Moves the events from `at` on one place up and puts a forged event at `at`, with a leaf hash
 * computed the way Stele does. With `rehashLater`, every moved event gets a recomputed leaf too.
 */
async function insertForged(backend: TestBackend, at: number, rehashLater: boolean): Promise<void> {
  const store = await backend.openStore({ readonly: true });
  const fields = await pinnedPersonalFields(store);
  const rows = await store.scanEvents(at, SIZE);
  await store.close();
  const leafAt = (row: EventRow, seq: number) =>
    hashLeaf(ledgerEntry(rowToEvent({ ...row, seq })!, row.seed!, fields));
  const forged = { ...rows[0]!, body: rows[0]!.body!.replace('"sshd"', '"backdoor"') };
  const steps: Step[] = [...rows]
    .reverse()
    .map((row) => ['UPDATE events SET seq = seq + 1 WHERE seq = ?', [row.seq]]);
  steps.push([
    `INSERT INTO events (seq, ts, received, source, action, outcome, user_name, host_name, dataset, session_id, leaf, seed, body)
     SELECT ?, ts, received, source, action, outcome, user_name, host_name, dataset, session_id, ?, seed, ? FROM events WHERE seq = ?`,
    [at, leafAt(forged, at), forged.body, at + 1],
  ]);
  if (rehashLater) {
    for (const row of rows)
      steps.push(['UPDATE events SET leaf = ? WHERE seq = ?', [leafAt(row, row.seq + 1), row.seq + 1]]);
  }
  await backend.execAll(steps);
  if (!rehashLater) return;
  // ... and the stored level-4 nodes over them, as a thorough intruder would.
  const leaves = (await backend.exec('SELECT leaf FROM events ORDER BY seq')).map((r) =>
    Buffer.from(r.leaf as Uint8Array),
  );
  const nodes: Step[] = [];
  for (let idx = 0; (idx + 1) * 16 <= leaves.length; idx++) {
    nodes.push([
      'UPDATE ledger_nodes SET hash = ? WHERE level = 4 AND idx = ?',
      [completeSubtreeHash(leaves.slice(idx * 16, idx * 16 + 16)), idx],
    ]);
  }
  await backend.execAll(nodes);
}
