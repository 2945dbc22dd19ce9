// Live detection shares the API's thread (detect/service.ts): catching up on a backlog of stored
// events, it must let the event loop run between slices of a batch rather than hold it for a batch.

import fs from 'node:fs';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { systemClock } from '../src/core/clock.js';
import { createDetectionService } from '../src/detect/service.js';
import { loadRules } from '../src/detect/sigma/index.js';
import type { AuditEvent } from '../src/core/event.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { rowToEvent, type EventRow } from '../src/store/store.js';
import { ingestSamples, tempDir } from './helpers/server.js';

const EVENTS = 3000;
let dir: string;
/** The same events before any detection ran over them (copied for each run). */
let pristine: string;

beforeAll(async () => {
  dir = tempDir();
  await ingestSamples(dir, EVENTS);
  pristine = tempDir();
  fs.cpSync(dir, pristine, { recursive: true });
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(pristine, { recursive: true, force: true });
});

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

/** One rule per user name: an alert's title says which copy of the event the rules saw. */
const USER_RULES = loadRules(
  ['alice', 'mallory', 'eve'].map((user) => ({
    path: `${user}.yml`,
    text: `title: ${user}\nlogsource: { product: linux, service: auth }\ndetection:\n  selection:\n    user.name: ${user}\n  condition: selection\n`,
  })),
).rules;

/**
 * Runs detection over a copy of the stored events with ranges of committed rows handed to it in
 * memory, before it starts and after it caught up, as copies whose user is mallory (the stored ones
 * are alice's); returns the seqs each user alerted on and how many rows were read back. With
 * `events`, each row comes with an admitted event whose user is eve: `plain` as JSON gives it back,
 * `unplain` with a property JSON would drop.
 */
async function detectWithHandOver(
  before: Array<[number, number]>,
  after: Array<[number, number]> = [],
  events?: 'plain' | 'unplain',
) {
  const copy = tempDir();
  fs.cpSync(pristine, copy, { recursive: true });
  const store = new SqliteStore(copy);
  const stored = await store.scanEvents(0, EVENTS);
  const seen = { alice: [] as number[], mallory: [] as number[], eve: [] as number[] };
  const record = store.recordDetections.bind(store);
  vi.spyOn(store, 'recordDetections').mockImplementation(async (commit) => {
    for (const a of commit.alerts) seen[a.title as keyof typeof seen].push(a.seq);
    return record(commit);
  });
  const scan = vi.spyOn(store, 'scanEvents');
  const service = createDetectionService({ store, rules: USER_RULES, clock: systemClock, sinks: [] });
  const admitted = (row: EventRow): AuditEvent => {
    const event = { ...rowToEvent(row)!, user: { name: 'eve' } };
    return events === 'unplain' ? ({ ...event, custom: undefined } as AuditEvent) : event;
  };
  const handOver = (ranges: Array<[number, number]>) => {
    for (const [from, to] of ranges) {
      const rows = stored.slice(from, to);
      service.committed(
        rows.map((row) => {
          const columns = [...row.columns];
          columns[3] = 'mallory'; // user.name (row-codec.ts COLUMN_FIELDS)
          return { ...row, body: row.body!, columns };
        }),
        events && rows.map(admitted),
      );
    }
  };
  try {
    handOver(before);
    await service.start();
    await service.idle();
    handOver(after);
    await service.idle();
    expect(service.cursor).toBe(EVENTS - 1);
    const read = await Promise.all(scan.mock.results.map((r) => r.value as Promise<unknown[]>));
    return { ...seen, readBack: read.reduce((n, rows) => n + rows.length, 0) };
  } finally {
    await service.close();
    await store.close();
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

it('takes committed events from memory, reading back only those it was not handed', async () => {
  const { alice, mallory, readBack } = await detectWithHandOver([[1000, EVENTS]]);
  expect(alice).toEqual(range(0, 1000));
  expect(mallory).toEqual(range(1000, EVENTS));
  expect(readBack).toBe(1000);
});

it('reads a gap between handed-over commits back from the store, each event once', async () => {
  const { alice, mallory } = await detectWithHandOver([
    [0, 500],
    [1500, EVENTS],
  ]);
  // The second commit does not continue the first: what was held is dropped and read back.
  expect(alice).toEqual(range(0, 1500));
  expect(mallory).toEqual(range(1500, EVENTS));
});

it('skips handed-over events it has already read from the store', async () => {
  const { alice, mallory, readBack } = await detectWithHandOver([], [[2500, EVENTS]]);
  expect(alice).toEqual(range(0, EVENTS));
  expect(mallory).toEqual([]);
  expect(readBack).toBe(EVENTS);
});

it('takes a committed event as admitted when JSON gives it back unchanged, else decodes its row', async () => {
  const plain = await detectWithHandOver([[1000, EVENTS]], [], 'plain');
  expect(plain.alice).toEqual(range(0, 1000));
  expect(plain.eve).toEqual(range(1000, EVENTS));
  expect(plain.mallory).toEqual([]);
  const unplain = await detectWithHandOver([[1000, EVENTS]], [], 'unplain');
  expect(unplain.mallory).toEqual(range(1000, EVENTS));
  expect(unplain.eve).toEqual([]);
});
