// Scheduled verification inside `stele serve` (ledger/verify-schedule.ts): a run reports its result,
// and stopping the server abandons a run in progress instead of waiting for it (on a large ledger a
// run takes minutes, and it only reads).

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifierKey } from '../src/ledger/note.js';
import { verifyLedger, type VerifyReport } from '../src/ledger/verify.js';
import { pinnedPersonalFields, verifierKeyOfSignerFile } from '../src/ledger/verify-key.js';
import { startVerificationSchedule } from '../src/ledger/verify-schedule.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { ingestSamples, tempDir } from './helpers/server.js';

const EVENTS = 3000;
let dir: string;
let store: SqliteStore;
let verifierKey: VerifierKey;
let personalFields: string[];

beforeAll(async () => {
  dir = tempDir();
  await ingestSamples(dir, EVENTS);
  store = new SqliteStore(dir, { readonly: true });
  verifierKey = verifierKeyOfSignerFile(path.join(dir, 'ledger.key'));
  personalFields = await pinnedPersonalFields(store);
});

afterAll(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('scheduled verification', () => {
  const schedule = (results: VerifyReport[], errors: string[]) =>
    startVerificationSchedule({
      store,
      target: { data: dir },
      verifierKey,
      personalFields,
      everyMs: 0,
      firstAfterMs: 0,
      onResult: (r) => results.push(r),
      onError: (m) => errors.push(m),
    });

  it('reports a run over the whole ledger', async () => {
    const results: VerifyReport[] = [];
    const errors: string[] = [];
    const s = schedule(results, errors);
    const report = await s.runNow();
    await s.close();
    expect(report.ok).toBe(true);
    expect(report.verified).toBe(EVENTS);
    expect(results).toEqual([report]);
    expect(s.last()?.verified).toBe(EVENTS);
    expect(errors).toEqual([]);
  });

  it('abandons a run in progress when it is closed, reporting nothing', async () => {
    const results: VerifyReport[] = [];
    const errors: string[] = [];
    const s = schedule(results, errors);
    const run = s.runNow();
    await s.close();
    await expect(run).rejects.toThrow('the server is stopping');
    expect(results).toEqual([]);
    expect(errors).toEqual([]);
    expect(s.last()).toBeNull();
  });

  it('verifyLedger stops between ranges when its signal is aborted', async () => {
    const stop = new AbortController();
    let ranges = 0;
    const run = verifyLedger(store, {
      verifierKey,
      personalFields,
      batchSize: 100,
      signal: stop.signal,
      onProgress: () => {
        if (++ranges === 3) stop.abort(new Error('enough'));
      },
    });
    await expect(run).rejects.toThrow('enough');
    expect(ranges).toBe(3);
  });
});
