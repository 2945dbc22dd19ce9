// `stele parse` and `stele ingest --format` on real fixture data, through the built CLI, plus raw
// records and the Kubernetes webhook over HTTP.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { rowToEvent } from '../src/store/store.js';
import { runStele } from './helpers/child.js';
import { startTestServer, tempDir, type TestServer } from './helpers/server.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'stele');
const FIX = path.join(ROOT, 'test', 'fixtures');

const stele = runStele;

const lines = (text: string) => text.split(/\r?\n/).filter(Boolean);

/** The messages of NDJSON output, checked to be `line 0` .. `line n-1` newest first. */
function newestFirst(ndjson: string, n: number): string[] {
  const printed = lines(ndjson).map((l) => (JSON.parse(l) as { message: string }).message);
  expect(printed).toEqual(Array.from({ length: n }, (_, i) => `line ${n - 1 - i}`));
  return printed;
}

describe('stele parse', () => {
  it('turns the loghub OpenSSH log into one event per line, in input order, with the raw line kept', async () => {
    const file = path.join(FIX, 'loghub_openssh', 'OpenSSH_2k.log');
    const raw = lines(fs.readFileSync(file, 'utf8'));
    const { stdout, code } = await stele([
      'parse',
      '--format',
      'linux-auth',
      '--now',
      '2026-01-15T00:00:00Z',
      file,
    ]);
    expect(code).toBe(0);
    const events = lines(stdout).map((l) => JSON.parse(l) as { event: { original: string; action: string } });
    expect(events).toHaveLength(raw.length);
    expect(events.map((e) => e.event.original)).toEqual(raw);
    // Dec 10 read on 2026-01-15 belongs to December 2025, not 2026.
    expect((JSON.parse(lines(stdout)[0]!) as Record<string, string>)['@timestamp']).toMatch(/^2025-12-10T/);
  });

  it('auto-detects each record and agrees with the explicit format', async () => {
    for (const [format, file] of [
      ['auditd', path.join(FIX, 'auditd', 'auparse', 'audit-rhel7.log')],
      ['k8s-audit', path.join(FIX, 'k8s_audit', 'events', 'exec_pod.json')],
      ['linux-auth', path.join(FIX, 'loghub_openssh', 'OpenSSH_2k.log')],
    ] as const) {
      const auto = await stele(['parse', '--format', 'auto', '--now', '2026-01-15T00:00:00Z', file]);
      const explicit = await stele(['parse', '--format', format, '--now', '2026-01-15T00:00:00Z', file]);
      expect(lines(auto.stdout).length).toBeGreaterThan(0);
      expect(auto.stdout).toBe(explicit.stdout);
    }
  });

  it('reports rejected records on stderr with their line, and keeps going', async () => {
    const input =
      'Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186\n\u0000\u0001garbage\nDec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2\n';
    const { stdout, stderr, code } = await stele(['parse', '--format', 'linux-auth', '-'], input);
    expect(code).toBe(0);
    expect(lines(stdout)).toHaveLength(2);
    expect(stderr).toMatch(/^<stdin>:2: /m);
  });

  it('reads a CloudTrail log file of several MiB on one line, gzipped, and reports a log line too long to read', async () => {
    // CloudTrail writes each log file as one line of JSON: a busy account's five minutes exceed
    // the 1 MiB a log line may have.
    const dir = tempDir();
    const records = Array.from({ length: 6000 }, (_, i) => ({
      eventVersion: '1.08',
      eventTime: new Date(Date.UTC(2024, 4, 1) + i * 1000).toISOString().replace('.000', ''),
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      awsRegion: 'eu-west-1',
      sourceIPAddress: '203.0.113.9',
      userIdentity: { type: 'IAMUser', accountId: '123456789012', userName: `user${i % 7}` },
      requestParameters: { bucketName: 'audit-bucket', key: `reports/${i}/${'x'.repeat(200)}` },
    }));
    const file = path.join(dir, 'cloudtrail.json.gz');
    const text = JSON.stringify({ Records: records });
    expect(text.length).toBeGreaterThan(1024 * 1024);
    fs.writeFileSync(file, zlib.gzipSync(text));
    const parsed = await stele(['parse', '--format', 'cloudtrail', file]);
    expect(parsed.stderr).toBe('');
    expect(lines(parsed.stdout)).toHaveLength(6000);

    // A line longer than a log line may be, with no line break after it: named, not dropped silently.
    const long = path.join(dir, 'auth.log');
    fs.writeFileSync(
      long,
      `Dec 10 06:55:46 LabSZ sshd[1]: Invalid user a from 10.0.0.1\n${'y'.repeat(1024 * 1024 + 1)}`,
    );
    const auth = await stele(['parse', '--format', 'linux-auth', long]);
    expect(lines(auth.stdout)).toHaveLength(1);
    expect(auth.stderr.trim()).toBe(`${long}:2: line longer than 1048576 bytes, skipped`);
  });

  it('refuses an unknown format with a one-line reason', async () => {
    const { stderr, code } = await stele(['parse', '--format', 'nope', '-'], '');
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(/^stele: --format: unknown format 'nope'/);
  });
});

describe('stele ingest --format and stele query', () => {
  it('stores parsed records and finds them by field', async () => {
    const data = tempDir();
    const file = path.join(FIX, 'loghub_openssh', 'OpenSSH_2k.log');
    const ingest = await stele(['ingest', '--format', 'linux-auth', '--data', data, '--json', file]);
    expect(ingest.code).toBe(0);
    expect(JSON.parse(ingest.stdout)).toEqual({ accepted: 2000, duplicates: 0, rejected: 0 });
    const count = await stele([
      'query',
      'event.action:ssh.login AND event.outcome:failure',
      '--count',
      '--data',
      data,
    ]);
    const expected = lines(fs.readFileSync(file, 'utf8')).filter((l) =>
      /Failed (password|none) for/.test(l),
    ).length;
    expect(Number(count.stdout.trim())).toBe(expected);
    const csv = await stele(['query', 'user.name:root', '--limit', '3', '--output', 'csv', '--data', data]);
    expect(lines(csv.stdout)[0]).toBe('timestamp,seq,action,outcome,user,source.ip,host,dataset');
    expect(lines(csv.stdout)).toHaveLength(4);
    fs.rmSync(data, { recursive: true, force: true });
  });
});

describe('stele ingest of a large file', () => {
  it('stores every record once, in the order of the input, with several chunks committing at once', async () => {
    const dir = tempDir();
    const data = path.join(dir, 'data');
    const file = path.join(dir, 'events.ndjson');
    const n = 23_456; // five chunks of up to 5,000, more than are ever in flight at once
    const start = Date.parse('2026-01-01T00:00:00Z');
    fs.writeFileSync(
      file,
      Array.from({ length: n }, (_, i) =>
        JSON.stringify({
          '@timestamp': new Date(start + i * 1000).toISOString(),
          event: { action: 'test.line', outcome: 'success' },
          message: `line ${i}`,
        }),
      ).join('\n'),
    );
    const ingest = await stele(['ingest', '--data', data, '--json', file]);
    expect(ingest.code).toBe(0);
    expect(JSON.parse(ingest.stdout)).toEqual({ accepted: n, duplicates: 0, rejected: 0 });
    const store = new SqliteStore(data, { readonly: true });
    try {
      const rows = await store.scanEvents(0, n + 1);
      expect(rows).toHaveLength(n);
      const messages = rows.map((row) => (rowToEvent(row) as { message: string }).message);
      expect(messages).toEqual(Array.from({ length: n }, (_, i) => `line ${i}`));
      // stele query pages through more than one page (10,000), newest first, each event once.
      const all = await stele(['query', '--limit', '0', '--output', 'ndjson', '--data', data]);
      expect(all.code).toBe(0);
      const printed = newestFirst(all.stdout, n);
      const some = await stele([
        'query',
        'event.action:test.line',
        '--limit',
        '12345',
        '--json',
        '--data',
        data,
      ]);
      const array = JSON.parse(some.stdout) as Array<{ message: string }>;
      expect(array.map((e) => e.message)).toEqual(printed.slice(0, 12345));
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('stele ingest stopped by a signal', () => {
  it('stores what it read, says where the input stopped, and exits 130', async () => {
    const dir = tempDir();
    const data = path.join(dir, 'data');
    const start = Date.parse('2026-01-01T00:00:00Z');
    const record = (i: number) =>
      JSON.stringify({
        '@timestamp': new Date(start + i * 1000).toISOString(),
        event: { action: 'test.line', outcome: 'success' },
        message: `line ${i}`,
      }) + '\n';
    // Standard input stays open: the command waits for more when the signal comes.
    const child = spawn(process.execPath, [BIN, 'ingest', '--data', data, '--json', '-'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const n = 7000; // one whole chunk of 5,000 committed, 2,000 read but not yet submitted
    child.stdin.write(Array.from({ length: n }, (_, i) => record(i + 1)).join(''));
    const stored = async () => {
      const file = path.join(data, 'stele.db');
      if (!fs.existsSync(file)) return 0;
      let store: SqliteStore | undefined;
      try {
        // Until the command's first transaction the database may still be without its tables.
        store = new SqliteStore(data, { readonly: true });
        return (await store.scanEvents(0, n + 1)).length;
      } catch {
        return 0;
      } finally {
        await store?.close();
      }
    };
    const deadline = Date.now() + 60_000;
    while ((await stored()) < 5000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // By now the command has most likely read all 7,000 lines, the last 2,000 not yet submitted.
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const summary = JSON.parse(stdout) as { accepted: number };
    const handled = summary.accepted;
    expect(handled).toBeGreaterThanOrEqual(5000);
    expect(summary).toEqual({
      accepted: handled,
      duplicates: 0,
      rejected: 0,
      interrupted: 'SIGINT',
      handledThrough: { file: '<stdin>', line: handled },
    });
    const store = new SqliteStore(data, { readonly: true });
    try {
      const rows = await store.scanEvents(0, n + 1);
      const messages = rows.map((row) => (rowToEvent(row) as { message: string }).message);
      expect(messages).toEqual(Array.from({ length: handled }, (_, i) => `line ${i + 1}`));
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('stele query through a server', () => {
  it('prints more events than the API gives in one page, following its cursor', async () => {
    const srv = await startTestServer();
    try {
      const n = 10_500;
      const start = Date.parse('2026-01-01T00:00:00Z');
      for (let from = 0; from < n; from += 1500) {
        const batch = Array.from({ length: Math.min(1500, n - from) }, (_, k) => ({
          '@timestamp': new Date(start + (from + k) * 1000).toISOString(),
          event: { action: 'test.line', outcome: 'success' },
          message: `line ${from + k}`,
        }));
        expect((await srv.post(JSON.stringify(batch))).status).toBe(200);
      }
      const common = ['--server', srv.url, '--token', srv.token];
      const all = await stele([
        'query',
        'event.action:test.line',
        '--limit',
        '0',
        '--output',
        'ndjson',
        ...common,
      ]);
      expect(all.code).toBe(0);
      newestFirst(all.stdout, n);
      const csv = await stele([
        'query',
        'event.action:test.line',
        '--limit',
        '10001',
        '--output',
        'csv',
        ...common,
      ]);
      expect(lines(csv.stdout)).toHaveLength(1 + 10_001);
    } finally {
      await srv.close();
    }
  }, 120_000);
});

describe('stele ingest through a server that loses a reply', () => {
  it('sends the chunk again and the server stores each event once', async () => {
    const srv = await startTestServer();
    // Between the command and the server: the first POST reaches the server, but its reply is
    // replaced by a 503, as when the database commits and the answer is lost.
    const bodies: string[] = [];
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        bodies.push(body.toString());
        void fetch(srv.url + req.url!, {
          method: req.method!,
          headers: {
            authorization: req.headers.authorization!,
            'content-type': req.headers['content-type']!,
          },
          body: req.method === 'POST' ? body : undefined,
        }).then(async (reply) => {
          const text = await reply.text();
          if (bodies.length === 1) {
            res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: { code: 'unavailable', message: 'database unreachable' } }));
          } else {
            res.writeHead(reply.status, { 'content-type': 'application/json' });
            res.end(text);
          }
        });
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const port = (proxy.address() as AddressInfo).port;
    try {
      const n = 30;
      const input = Array.from({ length: n }, (_, i) =>
        JSON.stringify({
          '@timestamp': new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
          event: { action: 'test.retry', outcome: 'success' },
          message: `retry ${i}`,
        }),
      ).join('\n');
      const out = await stele(
        ['ingest', '--json', '--server', `http://127.0.0.1:${port}`, '--token', srv.token, '-'],
        input,
      );
      expect(out.code).toBe(0);
      expect(out.stderr).toContain('database unreachable; sending again in');
      // The second sending found every event already stored.
      expect(JSON.parse(out.stdout)).toEqual({ accepted: 0, duplicates: n, rejected: 0 });
      expect(bodies).toHaveLength(2);
      expect(bodies[1]).toBe(bodies[0]);
      const producer = (JSON.parse(bodies[0]!.split('\n')[0]!) as { stele: { producer: { id: string } } })
        .stele.producer;
      expect(producer.id).toMatch(/^stele-ingest-/);
      const count = await (await srv.get('/v1/events/count?q=event.action:test.retry')).json();
      expect(count).toEqual({ count: n });
    } finally {
      proxy.close();
      await srv.close();
    }
  }, 60_000);

  it('gives up after --retry-for and says how far the input was stored', async () => {
    const down = http.createServer((_req, res) => {
      res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'unavailable', message: 'database unreachable' } }));
    });
    await new Promise<void>((r) => down.listen(0, '127.0.0.1', () => r()));
    const port = (down.address() as AddressInfo).port;
    try {
      const out = await stele(
        ['ingest', '--server', `http://127.0.0.1:${port}`, '--token', 'stele_x_y', '--retry-for', '1', '-'],
        JSON.stringify({ '@timestamp': '2026-01-01T00:00:00Z', event: { action: 'test.down' } }),
      );
      expect(out.code).not.toBe(0);
      expect(out.stderr).toContain('sending again in');
      expect(out.stderr).toContain('0 stored, 0 duplicates skipped, 0 rejected before the error below');
      expect(out.stderr).toContain('stopped by an error before any record was stored');
      expect(out.stderr).toContain('database unreachable');
    } finally {
      down.close();
    }
  }, 60_000);
});

describe('raw records over HTTP', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    await srv.close();
  });

  it('POST /v1/events?format=linux-auth parses, stores, and indexes by line', async () => {
    const body =
      'Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186\nnot a log line at all\n';
    // Without ?format= the body must be JSON.
    const res = await srv.post(body, { 'content-type': 'text/plain' }, undefined);
    expect(res.status).toBe(400);
    const ok = await fetch(`${srv.url}/v1/events?format=linux-auth`, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'text/plain' },
    });
    expect(ok.status).toBe(200);
    const reply = (await ok.json()) as {
      accepted: Array<{ index: number }>;
      rejected: Array<{ index: number }>;
    };
    expect(reply.accepted.map((a) => a.index)).toEqual([0]);
    expect(reply.rejected.map((r) => r.index)).toEqual([1]);
  });

  it('POST /v1/k8s/audit takes an EventList as a kube-apiserver sends it', async () => {
    const items = ['exec_pod.json', 'create_nginx_pod_privileged.json'].map((f) =>
      JSON.parse(fs.readFileSync(path.join(FIX, 'k8s_audit', 'events', f), 'utf8')),
    );
    const res = await fetch(`${srv.url}/v1/k8s/audit`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items }),
      headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { accepted: unknown[] }).accepted).toHaveLength(2);
    const found = (await (await srv.get('/v1/events?q=event.action:k8s.exec')).json()) as {
      events: Array<{ orchestrator: { resource: { name: string } }; stele: { source: string } }>;
    };
    expect(found.events).toHaveLength(1);
    expect(found.events[0]!.stele.source).toBe('k8s-audit:admin');
  });
});
