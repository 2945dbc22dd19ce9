// The file follower on real files: appends, globs, rotation (rename + new file), copytruncate,
// restart with saved offsets (no loss, no repeat), failed commits, long lines, backpressure, and
// one run inside a real server.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../src/core/clock.js';
import { MetricsRegistry } from '../src/core/metrics.js';
import { FakeAdmitter, waitFor } from '../src/sources/fake-admitter.js';
import { startSources, type RunningSources, type SourcesOptions } from '../src/sources/index.js';
import { startTestServer, tempDir } from './helpers/server.js';

/** An auth.log line whose source port identifies it. */
const line = (n: number) =>
  `Nov 25 12:00:01 web-1 sshd[4242]: Accepted publickey for alice from 203.0.113.7 port ${n} ssh2\n`;
const lines = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => line(from + i)).join('');
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

const running: RunningSources[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
});

async function follow(
  pattern: string,
  admitter: FakeAdmitter,
  dataDir: string,
  options: SourcesOptions = {},
) {
  const sources = await startSources(
    [{ type: 'file', path: pattern, format: 'linux-auth' }],
    { admitter, registry: new MetricsRegistry(), timezone: 'UTC', clock: systemClock, dataDir },
    { file: { pollIntervalMs: 20, rotateGraceMs: 150, ...options.file } },
  );
  running.push(sources);
  return sources;
}

async function stop(sources: RunningSources): Promise<void> {
  running.splice(running.indexOf(sources), 1);
  await sources.close();
}

const ports = (a: FakeAdmitter) => a.events.map((e) => e.source?.port);

describe('file source', () => {
  it('reads a file and follows what is appended, as ssh.login events named after the path', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'auth.log');
    fs.writeFileSync(file, lines(1000, 3));
    const admitter = new FakeAdmitter();
    const sources = await follow(file, admitter, tempDir());
    await waitFor(() => admitter.events.length === 3, 5000, 'initial lines');
    fs.appendFileSync(file, lines(1003, 2));
    fs.appendFileSync(
      file,
      'Nov 25 12:00:02 web-1 sshd[4242]: Accepted publickey for bob from 203.0.113.9 po',
    );
    await waitFor(() => admitter.events.length === 5, 5000, 'appended lines');
    fs.appendFileSync(file, 'rt 1005 ssh2\n'); // a line written in two parts is read once, whole
    await waitFor(() => admitter.events.length === 6, 5000, 'completed line');
    expect(ports(admitter)).toEqual(range(1000, 6));
    expect(admitter.events[5]!.user?.name).toBe('bob');
    expect(admitter.events[0]!.event?.action).toBe('ssh.login');
    expect([...admitter.sources]).toEqual([`file:${file}`]);
    expect(sources.stats()[0]).toMatchObject({ accepted: 6, connections: 1 });
  });

  it('follows a glob, skipping names it does not match', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'a'));
    fs.mkdirSync(path.join(dir, 'b'));
    fs.writeFileSync(path.join(dir, 'a', 'x.log'), lines(2000, 1));
    fs.writeFileSync(path.join(dir, 'b', 'y.log'), lines(2001, 1));
    fs.writeFileSync(path.join(dir, 'b', 'y.log.gz'), lines(2002, 1));
    const admitter = new FakeAdmitter();
    await follow(path.join(dir, '*', '*.log'), admitter, tempDir());
    await waitFor(() => admitter.events.length === 2, 5000, 'two files');
    fs.writeFileSync(path.join(dir, 'a', 'z.log'), lines(2003, 1)); // a new match is picked up
    await waitFor(() => admitter.events.length === 3, 5000, 'new file');
    expect(ports(admitter).sort()).toEqual([2000, 2001, 2003]);
  });

  it('follows rotation by rename: the old file is read to its end, the new one from its start', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'auth.log');
    fs.writeFileSync(file, lines(3000, 3));
    const admitter = new FakeAdmitter();
    await follow(file, admitter, tempDir());
    await waitFor(() => admitter.events.length === 3, 5000, 'before rotation');
    const fd = fs.openSync(file, 'a'); // the writer keeps its descriptor across the rename
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, lines(3010, 2));
    fs.writeSync(fd, lines(3003, 2)); // late lines of the old file
    fs.closeSync(fd);
    await waitFor(() => admitter.events.length === 7, 5000, 'after rotation');
    await new Promise((r) => setTimeout(r, 300));
    expect(ports(admitter).sort()).toEqual([...range(3000, 5), ...range(3010, 2)]);
  });

  it('follows copytruncate: a file cut to zero is read again from its start', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'auth.log');
    fs.writeFileSync(file, lines(4000, 5));
    const admitter = new FakeAdmitter();
    await follow(file, admitter, tempDir());
    await waitFor(() => admitter.events.length === 5, 5000, 'before truncation');
    fs.truncateSync(file, 0);
    await new Promise((r) => setTimeout(r, 100));
    fs.appendFileSync(file, lines(4100, 2));
    await waitFor(() => admitter.events.length === 7, 5000, 'after truncation');
    // Truncated and refilled past the old offset before a poll: the head hash shows the change.
    fs.writeFileSync(file, lines(4200, 8));
    await waitFor(() => admitter.events.length === 15, 5000, 'after replacement');
    expect(ports(admitter)).toEqual([...range(4000, 5), ...range(4100, 2), ...range(4200, 8)]);
  });

  it('restarts from the saved offsets: no line lost or repeated, also across a rotation while stopped', async () => {
    const dir = tempDir();
    const data = tempDir();
    const file = path.join(dir, 'auth.log');
    fs.writeFileSync(file, lines(5000, 4));
    const admitter = new FakeAdmitter();
    const first = await follow(`${file}*`, admitter, data);
    await waitFor(() => admitter.events.length === 4, 5000, 'first run');
    await stop(first);
    fs.appendFileSync(file, lines(5004, 3)); // written while stopped
    fs.renameSync(file, `${file}.1`); // and rotated while stopped
    fs.writeFileSync(file, lines(5100, 2));
    await follow(`${file}*`, admitter, data);
    await waitFor(() => admitter.events.length === 9, 5000, 'second run');
    await new Promise((r) => setTimeout(r, 200));
    expect(ports(admitter).sort()).toEqual([...range(5000, 7), ...range(5100, 2)]);
    const saved = fs.readdirSync(path.join(data, 'sources'));
    expect(saved.some((f) => f.endsWith('.json'))).toBe(true);
  });

  it('does not advance past lines whose commit failed, and delivers them once it succeeds', async () => {
    const dir = tempDir();
    const data = tempDir();
    const file = path.join(dir, 'auth.log');
    fs.writeFileSync(file, lines(6000, 3));
    const admitter = new FakeAdmitter();
    admitter.failNext = 2;
    const sources = await follow(file, admitter, data);
    await waitFor(() => admitter.events.length === 3, 5000, 'retry after failures');
    expect(admitter.submitted).toBe(9);
    await stop(sources);
    const again = new FakeAdmitter();
    await follow(file, again, data);
    await new Promise((r) => setTimeout(r, 200));
    expect(again.events).toHaveLength(0);
    expect(ports(admitter)).toEqual(range(6000, 3));
  });

  it('rejects an over-long line (and garbage) and goes on with the next', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'auth.log');
    fs.writeFileSync(
      file,
      line(7000) + 'x'.repeat(3 * 1024 * 1024) + '\n' + line(7001) + '\u0000\u0001\u00ff\n' + line(7002),
    );
    const admitter = new FakeAdmitter();
    const sources = await follow(file, admitter, tempDir());
    await waitFor(() => admitter.events.length === 3, 5000, 'lines around the long one');
    expect(ports(admitter)).toEqual([7000, 7001, 7002]);
    expect(sources.stats()[0]!.rejected).toBe(2);
  });

  it('stops reading while a submit is pending (backpressure) and loses nothing', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'auth.log');
    fs.writeFileSync(file, lines(10_000, 5000)); // ~480 KB: several chunks of 64 KiB
    const admitter = new FakeAdmitter();
    admitter.stall();
    await follow(file, admitter, tempDir(), { file: { chunkBytes: 64 * 1024 } });
    await waitFor(() => admitter.pendingSubmits === 1, 5000, 'first submit');
    await new Promise((r) => setTimeout(r, 200));
    expect(admitter.pendingSubmits).toBe(1);
    expect(admitter.submitted).toBeLessThan(1000);
    admitter.release();
    await waitFor(() => admitter.events.length === 5000, 10_000, 'everything after release');
    expect(ports(admitter)).toEqual(range(10_000, 5000));
  });

  it('feeds a running server configured with a file source', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'auth.log');
    fs.writeFileSync(file, lines(8000, 2));
    const srv = await startTestServer({
      sources: [{ type: 'file', path: file, format: 'linux-auth', poll_interval_ms: 20 }],
    });
    try {
      const count = async () =>
        ((await (await srv.get('/v1/events/count?q=action:ssh.login')).json()) as { count: number }).count;
      await waitFor(async () => (await count()) === 2, 10_000, 'stored events');
      const metrics = await (await fetch(`${srv.url}/metrics`)).text();
      expect(metrics).toContain(`stele_source_events_accepted_total{source="file:${file}"} 2`);
    } finally {
      await srv.close();
    }
  });
});
