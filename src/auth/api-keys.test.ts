import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { ApiKeyVerifier, createApiKey, revokeApiKey } from './api-keys.js';

/** A store that counts how often a key record is read (one read per KDF check). */
class CountingStore extends SqliteStore {
  reads = 0;
  override async getApiKey(id: string) {
    this.reads++;
    return super.getApiKey(id);
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stele-keys-'));
  dirs.push(dir);
  const store = new CountingStore(dir);
  const clock = {
    t: 1_000_000,
    now() {
      return this.t;
    },
  } satisfies Clock & { t: number };
  const { token, record } = await createApiKey(store, { name: 'ci', scopes: ['ingest'], clock });
  return { store, clock, token, record, verifier: new ApiKeyVerifier(store, clock) };
}

describe('ApiKeyVerifier', () => {
  it('runs one check for concurrent requests and none while the answer is cached', async () => {
    const { store, token, verifier } = await setup();
    const answers = await Promise.all(Array.from({ length: 5 }, () => verifier.verify(token)));
    expect(answers.every((p) => p?.name === 'ci')).toBe(true);
    expect(store.reads).toBe(1);
    await verifier.verify(token);
    expect(store.reads).toBe(1);
    await store.close();
  });

  it('checks a key in use again in the background before its entry runs out, without making requests wait', async () => {
    const { store, clock, token, verifier } = await setup();
    await verifier.verify(token);
    clock.t += 50_000; // within the last 15 s of the minute
    const answer = verifier.verify(token);
    // Answered from the cache while the check runs.
    expect(await Promise.race([answer, new Promise((r) => setTimeout(() => r('waited'), 20))])).toMatchObject(
      {
        name: 'ci',
      },
    );
    // The background check: a KDF run of tens of ms, more on a busy machine.
    for (let waited = 0; store.reads < 2 && waited < 10_000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 20)); // its answer cached
    expect(store.reads).toBe(2);
    // The refreshed entry lasts a minute from the refresh, so 70 s after the first check is cached.
    clock.t += 20_000;
    await verifier.verify(token);
    expect(store.reads).toBe(2);
    await store.close();
  });

  it('refuses a revoked key once its cached answer runs out', async () => {
    const { store, clock, token, record, verifier } = await setup();
    await verifier.verify(token);
    await revokeApiKey(store, record.id, clock);
    expect(await verifier.verify(token)).not.toBeNull(); // still cached
    clock.t += 60_001;
    expect(await verifier.verify(token)).toBeNull();
    await store.close();
  });

  it('refuses a wrong secret and a malformed token', async () => {
    const { store, token, verifier } = await setup();
    expect(await verifier.verify(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toBeNull();
    expect(await verifier.verify('not-a-token')).toBeNull();
    await store.close();
  });
});
