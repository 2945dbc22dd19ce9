import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkerClient } from './worker-rpc.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stele-worker-rpc-'));
const script = path.join(dir, 'doubler.mjs');
// Doubles `value`; `crash` throws out of the worker an error whose message is lost in transfer,
// as better-sqlite3's SqliteError is (only its code arrives).
fs.writeFileSync(
  script,
  `import { parentPort } from 'node:worker_threads';
parentPort.on('message', (m) => {
  if (m.crash) {
    const e = new Error('');
    e.code = 'SQLITE_ERROR';
    throw e;
  }
  parentPort.postMessage({ id: m.id, value: m.value * 2 });
});
`,
);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('createWorkerClient', () => {
  it('names the worker and what is left of an error that stopped it, and stays stopped', async () => {
    const client = createWorkerClient(script, {});
    expect(await client.call<{ value: number }>({ value: 21 })).toMatchObject({ value: 42 });
    await expect(client.call({ crash: true })).rejects.toThrow('doubler.mjs stopped: SQLITE_ERROR');
    await expect(client.call({ value: 1 })).rejects.toThrow('doubler.mjs stopped: SQLITE_ERROR');
    await client.close();
  });

  it('with restart, starts a new worker for the call after a failure', async () => {
    const client = createWorkerClient(script, {}, { restart: true });
    await expect(client.call({ crash: true })).rejects.toThrow(/stopped: SQLITE_ERROR/);
    expect(await client.call<{ value: number }>({ value: 5 })).toMatchObject({ value: 10 });
    // The old worker's exit, arriving late, does not fail the new one.
    await new Promise((r) => setTimeout(r, 100));
    expect(await client.call<{ value: number }>({ value: 6 })).toMatchObject({ value: 12 });
    await client.close();
    await expect(client.call({ value: 1 })).rejects.toThrow('worker closed');
  });
});
