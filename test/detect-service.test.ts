// Live detection shares the API's thread (detect/service.ts): catching up on a backlog of stored
// events, it must let the event loop run between slices of a batch rather than hold it for a batch.

import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../src/core/clock.js';
import { createDetectionService } from '../src/detect/service.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { ingestSamples, tempDir } from './helpers/server.js';

const EVENTS = 3000;
let dir: string;

beforeAll(async () => {
  dir = tempDir();
  await ingestSamples(dir, EVENTS);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('lets the event loop run while it catches up on stored events', async () => {
  const store = new SqliteStore(dir);
  const service = createDetectionService({ store, rules: [], clock: systemClock, sinks: [] });
  let turns = 0;
  let spinning = true;
  const spin = () => {
    if (!spinning) return;
    turns++;
    setImmediate(spin);
  };
  try {
    setImmediate(spin);
    await service.start();
    await service.idle();
    spinning = false;
    expect(service.cursor).toBe(EVENTS - 1);
    // One batch of 3,000 events, decoded and then matched in slices of 500: a turn between slices.
    expect(turns).toBeGreaterThanOrEqual(2 * (EVENTS / 500 - 1));
  } finally {
    spinning = false;
    await service.close();
    await store.close();
  }
});
