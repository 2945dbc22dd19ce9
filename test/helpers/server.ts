// Test harness: a real Stele server in this process, on a free port, over a fresh data directory.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openLedger, startServer, type RunningServer } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { fixedClock } from '../../src/core/clock.js';
import { validateEvent } from '../../src/core/validate.js';
import { Admitter } from '../../src/ingest/admitter.js';
import { IngestMetrics } from '../../src/ingest/metrics.js';

export interface TestServer {
  url: string;
  token: string;
  dataDir: string;
  config: Config;
  running: RunningServer;
  /** Stops the server and keeps its data directory (for inspection). */
  stop(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  close(): Promise<void>;
  /** POST /v1/events with the admin token (or the one given). */
  post(body: string | Buffer, headers?: Record<string, string>, token?: string | null): Promise<Response>;
  get(pathAndQuery: string, token?: string | null): Promise<Response>;
}

/**
 * Directories tempDir made: removed after the last test of the file that imported this module (its
 * own afterAll hooks, registered later, run first), unless STELE_TEST_KEEP is set.
 */
const made: string[] = [];
afterAll(() => {
  if (process.env.STELE_TEST_KEEP) return;
  for (const dir of made.splice(0)) {
    try {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // Best effort: a process still writing there (a crash test's child) leaves it to the OS.
    }
  }
});

export function tempDir(prefix = 'stele-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A server on a fresh data directory, or on the database `overrides` names (`data`, `db`). */
export async function startTestServer(overrides: Record<string, unknown> = {}): Promise<TestServer> {
  const dataDir = typeof overrides.data === 'string' ? overrides.data : tempDir();
  const config = loadConfig({ overrides: { data: dataDir, listen: '127.0.0.1:0', ...overrides } });
  const running = await startServer(config);
  const url = `http://${running.address}`;
  let stopped = false;
  const token = running.bootstrapToken!;
  const auth = (t: string | null | undefined): Record<string, string> =>
    t === null ? {} : { authorization: `Bearer ${t ?? token}` };
  return {
    url,
    token,
    dataDir,
    config,
    running,
    async stop() {
      if (!stopped) await running.close();
      stopped = true;
    },
    async close() {
      if (!stopped) await running.close();
      stopped = true;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
    post(body, headers = {}, t) {
      return fetch(`${url}/v1/events`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...auth(t), ...headers },
      });
    },
    get(p, t) {
      return fetch(url + p, { headers: auth(t) });
    },
  };
}

let counter = 0;
/** A plausible sshd login event. */
export function sampleEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  return {
    '@timestamp': new Date(Date.UTC(2026, 10, 25, 12, 0, 0) + counter * 1000).toISOString(),
    event: { action: 'ssh.login', outcome: 'success', category: 'authentication', dataset: 'linux.auth' },
    user: { name: 'alice' },
    source: { ip: '203.0.113.7', port: 50022 },
    host: { name: 'web-1' },
    process: { name: 'sshd', pid: 4242 },
    message: 'Accepted publickey for alice from 203.0.113.7 port 50022 ssh2',
    ...overrides,
  };
}

/** Stores `count` sample events in a new SQLite ledger in `dataDir`, `batch` per commit, and closes it. */
export async function ingestSamples(dataDir: string, count: number, batch = 500): Promise<void> {
  const clock = fixedClock(Date.UTC(2026, 10, 25, 12), 1000);
  const ledger = await openLedger(loadConfig({ overrides: { data: dataDir } }), clock);
  const admitter = new Admitter(
    { store: ledger.store, ledger: ledger.writer, clock, metrics: new IngestMetrics() },
    [],
  );
  try {
    for (let done = 0; done < count; done += batch) {
      const candidates = Array.from({ length: Math.min(batch, count - done) }, (_, index) => {
        const v = validateEvent(sampleEvent());
        if (!v.ok) throw new Error(v.message);
        return { index, event: v.event, ts: Date.parse(v.event['@timestamp']) };
      });
      await admitter.submit(candidates, 'test');
    }
  } finally {
    await admitter.close();
    await ledger.writer.close();
    await ledger.store.close();
    ledger.lock.release();
  }
}
