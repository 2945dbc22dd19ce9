// The syslog source over real sockets on 127.0.0.1: UDP, TCP and TLS into a real server (events land
// in the store with their fields), both framings, hostile input, connection limits, many idle
// connections, and backpressure against a stalled admitter.

import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/core/clock.js';
import { MetricsRegistry } from '../src/core/metrics.js';
import { FakeAdmitter, waitFor } from '../src/sources/fake-admitter.js';
import { startSources, type RunningSources, type SourcesOptions } from '../src/sources/index.js';
import { startTestServer, tempDir, type TestServer } from './helpers/server.js';

const sshd = (port: number, user = 'alice') =>
  `<38>1 2026-11-25T12:00:00.000Z web-1 sshd 4242 - - Accepted publickey for ${user} from 203.0.113.7 port ${port} ssh2`;
/** The fields of a stored event these tests look at. */
interface Stored {
  '@timestamp': string;
  event: { action: string; outcome: string };
  user: { name: string };
  source?: { ip: string; port: number };
  host: { name: string };
  stele: { source: string };
}

const octet = (msg: string) => `${Buffer.byteLength(msg)} ${msg}`;

async function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  if (kind === 'udp') {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const port = s.address().port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

function closedByPeer(s: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed) resolve();
    s.once('close', () => resolve());
  });
}

function sendUdp(port: number, message: string | Buffer): Promise<void> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve, reject) =>
    s.send(message, port, '127.0.0.1', (err) => {
      s.close();
      if (err) reject(err);
      else resolve();
    }),
  );
}

/** A self-signed certificate from the openssl CLI, or the reason there is none. */
function selfSigned(dir: string): { cert: string; key: string } | string {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key,
       '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { stdio: 'ignore' },
    ); // prettier-ignore
    return { cert, key };
  } catch (err) {
    return `openssl CLI unavailable or failed (${(err as Error).message})`;
  }
}

describe('syslog source in a running server', () => {
  let srv: TestServer;
  let tcpPort: number;
  let udpPort: number;
  let tlsPort: number;
  let certs: { cert: string; key: string } | string;

  beforeAll(async () => {
    [tcpPort, udpPort, tlsPort] = [await freePort('tcp'), await freePort('udp'), await freePort('tcp')];
    certs = selfSigned(tempDir('stele-tls-'));
    const sources: unknown[] = [
      { type: 'syslog', protocol: 'tcp', listen: `127.0.0.1:${tcpPort}` },
      { type: 'syslog', protocol: 'udp', listen: `127.0.0.1:${udpPort}` },
      { type: 'k8s-audit' },
    ];
    if (typeof certs !== 'string') {
      sources.push({ type: 'syslog', protocol: 'tls', listen: `127.0.0.1:${tlsPort}`, tls: certs });
    } else {
      console.log(`TLS syslog tests skipped: ${certs}`);
    }
    srv = await startTestServer({ sources });
  });
  afterAll(async () => {
    await srv.close();
  });

  async function eventsOnPort(port: number): Promise<Stored[]> {
    const res = await srv.get(`/v1/events?q=${encodeURIComponent(`action:ssh.login`)}&limit=1000`);
    const { events } = (await res.json()) as { events: Stored[] };
    return events.filter((e) => e.source?.port === port);
  }

  async function waitForPort(port: number): Promise<Stored> {
    let found: Stored[] = [];
    await waitFor(
      async () => (found = await eventsOnPort(port)).length > 0,
      10_000,
      `event with port ${port}`,
    );
    return found[0]!;
  }

  it('stores an sshd login sent over TCP with LF framing as ssh.login with its fields', async () => {
    const s = await connect(tcpPort);
    s.end(`${sshd(51001)}\n`);
    const e = await waitForPort(51001);
    expect(e.event.action).toBe('ssh.login');
    expect(e.event.outcome).toBe('success');
    expect(e.user.name).toBe('alice');
    expect(e.source?.ip).toBe('203.0.113.7');
    expect(e.host.name).toBe('web-1');
    expect(e['@timestamp']).toBe('2026-11-25T12:00:00.000Z');
    expect(e.stele.source).toBe(`syslog:tcp:127.0.0.1:${tcpPort}`);
  });

  it('reads octet-counted frames, several in one write and one split across writes', async () => {
    const s = await connect(tcpPort);
    const third = octet(sshd(51004));
    s.write(octet(sshd(51002)) + octet(sshd(51003)) + third.slice(0, 20));
    await new Promise((r) => setTimeout(r, 50));
    s.end(third.slice(20));
    for (const port of [51002, 51003, 51004]) expect((await waitForPort(port)).user.name).toBe('alice');
  });

  it('stores a UDP datagram', async () => {
    await sendUdp(udpPort, sshd(51005, 'bob'));
    const e = await waitForPort(51005);
    expect(e.user.name).toBe('bob');
    expect(e.stele.source).toBe(`syslog:udp:127.0.0.1:${udpPort}`);
  });

  it('stores messages sent over TLS (RFC 5425, octet counting)', async (ctx) => {
    if (typeof certs === 'string') return ctx.skip();
    const s = tls.connect({ port: tlsPort, host: '127.0.0.1', ca: fs.readFileSync(certs.cert) });
    await new Promise<void>((resolve, reject) => s.once('secureConnect', resolve).once('error', reject));
    s.end(octet(sshd(51006, 'carol')));
    const e = await waitForPort(51006);
    expect(e.user.name).toBe('carol');
    expect(e.stele.source).toBe(`syslog:tls:127.0.0.1:${tlsPort}`);
  });

  it('exposes per-source counters at /metrics', async () => {
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    expect(text).toMatch(
      new RegExp(`stele_source_events_accepted_total\\{source="syslog:tcp:127.0.0.1:${tcpPort}"\\} [1-9]`),
    );
    expect(text).toMatch(
      new RegExp(`stele_source_bytes_total\\{source="syslog:udp:127.0.0.1:${udpPort}"\\} [1-9]`),
    );
  });
});

describe('syslog source limits and hostile input (fake admitter)', () => {
  const started: RunningSources[] = [];
  afterAll(async () => {
    for (const s of started) await s.close();
  });

  async function start(protocol: 'tcp' | 'udp', admitter: FakeAdmitter, options: SourcesOptions = {}) {
    const registry = new MetricsRegistry();
    const sources = await startSources(
      [{ type: 'syslog', protocol, listen: '127.0.0.1:0' }],
      { admitter, registry, timezone: 'UTC', clock: systemClock, dataDir: tempDir() },
      options,
    );
    started.push(sources);
    const source = sources.sources[0]!;
    const port = Number(source.name.split(':').at(-1));
    return { sources, source, port, registry };
  }

  const ports = (a: FakeAdmitter) => a.events.map((e) => e.source?.port);

  it('rejects garbage, a 10 MB line, bad octet counts and invalid UTF-8, and keeps reading the stream', async () => {
    const admitter = new FakeAdmitter();
    const { source, port } = await start('tcp', admitter);
    const s = await connect(port);
    s.write(`${sshd(52001)}\n`);
    s.write(Buffer.from([0, 1, 2, 0xff, 0xfe, 10])); // binary garbage line
    s.write(`${'A'.repeat(10 * 1024 * 1024)}\n`); // 10 MB line
    s.write(`${sshd(52002)}\n`);
    const [before, after] = sshd(52003).split('alice') as [string, string];
    s.write(
      Buffer.concat([Buffer.from(`${before}al`), Buffer.from([0xc3, 0x28]), Buffer.from(`ice${after}\n`)]),
    );
    s.end(`${sshd(52004)}\n`);
    await waitFor(() => ports(admitter).includes(52004), 10_000, 'last line');
    expect(ports(admitter)).toEqual([52001, 52002, 52003, 52004]);
    expect(admitter.events[2]!.tags).toContain('invalid_utf8');
    expect(admitter.events[2]!.user?.name).toBe('al\ufffd(ice');
    const stats = source.stats();
    expect(stats.rejected).toBeGreaterThanOrEqual(2);
    expect(stats.bytes).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('octet counting: an oversize frame is skipped by its count and the stream resynchronizes', async () => {
    const admitter = new FakeAdmitter();
    const { sources, port } = await start('tcp', admitter, { syslog: { maxFrameSize: 1024 } });
    const s = await connect(port);
    s.write(octet(sshd(52101)));
    s.write(`5000 ${'x'.repeat(5000)}`);
    s.write(`12x garbage\n`);
    s.end(octet(sshd(52102)) + '40 truncated');
    await closedByPeer(s);
    await waitFor(() => ports(admitter).includes(52102), 5000, 'frame after oversize');
    expect(ports(admitter)).toEqual([52101, 52102]);
    await waitFor(() => sources.stats()[0]!.rejected === 3, 5000, 'oversize, garbled and truncated frames');
    expect(sources.stats()[0]!.accepted).toBe(2);
  });

  it('a client that sends half a frame and stalls blocks no one and is closed when idle', async () => {
    const admitter = new FakeAdmitter();
    const { sources, port } = await start('tcp', admitter, { syslog: { idleTimeoutMs: 300 } });
    const staller = await connect(port);
    staller.write(octet(sshd(52201)).slice(0, 30));
    const other = await connect(port);
    other.write(`${sshd(52202)}\n`);
    await waitFor(() => ports(admitter).includes(52202), 5000, 'other client');
    await closedByPeer(staller);
    await waitFor(() => sources.stats()[0]!.rejected === 1, 5000, 'truncated frame counted');
    expect(ports(admitter)).toEqual([52202]);
    other.destroy();
  });

  it('closes connections beyond the cap and counts them', async () => {
    const admitter = new FakeAdmitter();
    const { sources, port, registry } = await start('tcp', admitter, { syslog: { maxConnections: 5 } });
    const open = await Promise.all(Array.from({ length: 5 }, () => connect(port)));
    await waitFor(() => sources.stats()[0]!.connections === 5, 5000, '5 connections');
    const extra = await connect(port);
    await closedByPeer(extra);
    expect(registry.render()).toContain(
      `stele_source_connections_closed_total{source="syslog:tcp:127.0.0.1:${port}",reason="max_connections"} 1`,
    );
    expect(sources.stats()[0]!.connections).toBe(5);
    open[0]!.end(`${sshd(52301)}\n`);
    await waitFor(() => ports(admitter).includes(52301), 5000, 'a capped-in client still served');
    for (const s of open) s.destroy();
  });

  it('keeps serving while 3,000 idle connections are open', async () => {
    const admitter = new FakeAdmitter();
    const { sources, port } = await start('tcp', admitter);
    const idle: net.Socket[] = [];
    for (let i = 0; i < 30; i++)
      idle.push(...(await Promise.all(Array.from({ length: 100 }, () => connect(port)))));
    await waitFor(() => sources.stats()[0]!.connections === 3000, 10_000, '3000 connections');
    const started = Date.now();
    const s = await connect(port);
    s.end(`${sshd(52401)}\n`);
    await waitFor(() => ports(admitter).includes(52401), 5000, 'a busy client');
    expect(Date.now() - started).toBeLessThan(2000);
    for (const c of idle) c.destroy();
    await waitFor(() => sources.stats()[0]!.connections === 0, 10_000, 'all closed');
  });

  it('stops reading a TCP connection while its submits are pending, and loses nothing', async () => {
    const admitter = new FakeAdmitter();
    admitter.stall();
    const { sources, port } = await start('tcp', admitter, { syslog: { maxPendingPerConnection: 100 } });
    const s = await connect(port);
    const total = 40_000;
    const lines = Array.from({ length: total }, (_, i) => `${sshd(i % 60000)}\n`).join('');
    const flushed = new Promise<void>((resolve) => s.end(lines, () => resolve()));
    await waitFor(() => sources.stats()[0]!.paused >= 1, 5000, 'pause');
    await new Promise((r) => setTimeout(r, 200));
    // Paused: the source holds at most one read's worth beyond the limit, the rest waits in the kernel and the client.
    const submittedWhilePaused = admitter.submitted;
    expect(submittedWhilePaused).toBeLessThan(total / 2);
    expect(s.writableLength).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(admitter.submitted).toBe(submittedWhilePaused);
    admitter.release();
    await flushed;
    await waitFor(() => admitter.events.length === total, 20_000, 'every line after release');
    expect(sources.stats()[0]!.dropped).toBe(0);
  });

  it('stops reading while the admitter backlog is high and resumes after', async () => {
    const admitter = new FakeAdmitter();
    const { sources, port } = await start('tcp', admitter, { syslog: { maxBacklog: 10 } });
    admitter.backlog = 100;
    const s = await connect(port);
    s.write(`${sshd(52501)}\n`);
    await waitFor(() => sources.stats()[0]!.paused === 1, 5000, 'pause on backlog');
    s.write(`${sshd(52502)}\n`);
    await new Promise((r) => setTimeout(r, 100));
    expect(ports(admitter)).toEqual([52501]);
    admitter.backlog = 0;
    await waitFor(() => ports(admitter).includes(52502), 5000, 'resume');
    s.destroy();
  });

  it('UDP counts the datagrams it drops when the pipeline is full', async () => {
    const admitter = new FakeAdmitter();
    admitter.stall();
    const { sources, port } = await start('udp', admitter, {
      syslog: { udpMaxPending: 10, udpBatchDelayMs: 1 },
    });
    for (let i = 0; i < 50; i++) await sendUdp(port, sshd(53000 + i));
    // Every datagram has been read once 40 were dropped: the stalled pipeline holds exactly 10. Releasing
    // earlier would let datagrams still in the socket buffer through and make the split timing-dependent.
    await waitFor(() => sources.stats()[0]!.dropped === 40, 5000, 'drops');
    admitter.release();
    await new Promise((r) => setTimeout(r, 100));
    const stats = sources.stats()[0]!;
    expect(stats.accepted).toBe(10);
    expect(stats.accepted + stats.dropped).toBe(50);
    await sendUdp(port, Buffer.from([0xff, 0, 1, 2]));
    await waitFor(() => sources.stats()[0]!.rejected === 1, 5000, 'garbage datagram rejected');
  });

  it('refuses an unknown format at start-up', async () => {
    await expect(
      startSources([{ type: 'syslog', protocol: 'tcp', listen: '127.0.0.1:0', format: 'nope' }], {
        admitter: new FakeAdmitter(),
        registry: new MetricsRegistry(),
        timezone: 'UTC',
        clock: systemClock,
        dataDir: tempDir(),
      }),
    ).rejects.toThrow(/unknown format 'nope'/);
  });
});
