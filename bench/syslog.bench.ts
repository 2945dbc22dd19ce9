// Syslog benchmarks: RFC 5424 sshd lines over TCP into a separate `stele serve` process until every
// one is committed and countable, against rsyslog (run here on a private config: imtcp in, omfile to
// a temp file) receiving the same lines in the same run; and the parse rate per core of the
// linux-auth and syslog parsers on loghub's OpenSSH log.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createParser } from '../src/parsers/index.js';
import { fmt } from './stats.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'stele');
const OPENSSH = path.join(ROOT, 'test', 'fixtures', 'loghub_openssh', 'OpenSSH_2k.log');
const CONNECTIONS = 4;

export interface SyslogBenchOptions {
  quick: boolean;
  log: (s: string) => void;
}

interface Rate {
  lines: number;
  seconds: number;
  rate: number;
}

function tmp(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `stele-bench-${name}-`));
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function benchLines(n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) =>
      `<38>1 2026-11-25T12:${String(Math.floor(i / 60000) % 60).padStart(2, '0')}:00.000Z web-${i % 16} sshd ${4000 + (i % 1000)} - - ` +
      `Accepted publickey for user${i % 500} from 203.0.113.${i % 250} port ${10000 + (i % 50000)} ssh2\n`,
  );
}

/** Sends the lines over a few connections, honouring each socket's write backpressure. */
async function sendLines(port: number, lines: string[]): Promise<void> {
  const per = Math.ceil(lines.length / CONNECTIONS);
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      const socket = net.connect(port, '127.0.0.1');
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const mine = lines.slice(c * per, (c + 1) * per);
      for (let i = 0; i < mine.length; i += 500) {
        if (!socket.write(mine.slice(i, i + 500).join(''))) {
          await new Promise((r) => socket.once('drain', r));
        }
      }
      await new Promise<void>((resolve) => socket.end(() => resolve()));
    }),
  );
}

async function waitForPort(port: number, child: ChildProcess, errors: () => string): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`process exited: ${errors()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(20);
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** `stele serve` with one TCP syslog source; rate = lines until GET /v1/events/count has them all. */
async function steleRate(lines: string[], log: (s: string) => void): Promise<Rate> {
  const dir = tmp('syslog');
  const [httpPort, syslogPort] = [await freePort(), await freePort()];
  const config = path.join(dir, 'stele.yaml');
  fs.writeFileSync(
    config,
    [
      `listen: 127.0.0.1:${httpPort}`,
      `data: ${JSON.stringify(path.join(dir, 'data'))}`,
      'sources:',
      `  - { type: syslog, protocol: tcp, listen: 127.0.0.1:${syslogPort} }`,
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [BIN, 'serve', '--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (err += d));
  try {
    while (!err.includes('listening on')) {
      if (child.exitCode !== null) throw new Error(`stele serve failed: ${err}`);
      await sleep(20);
    }
    await sleep(100); // the token is printed right after
    const token = out.trim().split('\n').at(-1)!;
    const count = async () => {
      const res = await fetch(`http://127.0.0.1:${httpPort}/v1/events/count?q=action:ssh.login`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (!res.ok) throw new Error(`count: HTTP ${res.status} ${await res.text()}`);
      return ((await res.json()) as { count: number }).count;
    };
    const started = performance.now();
    await sendLines(syslogPort, lines);
    log(`  stele: sent ${fmt(lines.length)} lines in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    while ((await count()) < lines.length) await sleep(50);
    const seconds = (performance.now() - started) / 1000;
    return { lines: lines.length, seconds, rate: lines.length / seconds };
  } finally {
    await stop(child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function findRsyslogd(): string | undefined {
  for (const p of ['/usr/sbin/rsyslogd', '/sbin/rsyslogd']) if (fs.existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v rsyslogd'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** rsyslogd in the foreground on a private config; rate = lines until the output file has them all. */
async function rsyslogRate(rsyslogd: string, lines: string[], log: (s: string) => void): Promise<Rate> {
  const dir = tmp('rsyslog');
  const port = await freePort();
  const outFile = path.join(dir, 'out.log');
  const conf = path.join(dir, 'rsyslog.conf');
  fs.mkdirSync(path.join(dir, 'work'));
  fs.writeFileSync(
    conf,
    [
      `global(workDirectory="${path.join(dir, 'work')}")`,
      'module(load="imtcp")',
      'template(name="raw" type="string" string="%rawmsg%\\n")',
      `input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="bench")`,
      `ruleset(name="bench") { action(type="omfile" file="${outFile}" template="raw") }`,
      '',
    ].join('\n'),
  );
  const child = spawn(rsyslogd, ['-n', '-f', conf, '-i', path.join(dir, 'rsyslogd.pid')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d));
  try {
    await waitForPort(port, child, () => err);
    const started = performance.now();
    await sendLines(port, lines);
    log(
      `  rsyslog: sent ${fmt(lines.length)} lines in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    let seen = 0;
    let offset = 0;
    while (seen < lines.length) {
      if (child.exitCode !== null) throw new Error(`rsyslogd exited: ${err}`);
      const size = fs.existsSync(outFile) ? fs.statSync(outFile).size : 0;
      if (size > offset) {
        const fd = fs.openSync(outFile, 'r');
        const buf = Buffer.alloc(size - offset);
        fs.readSync(fd, buf, 0, buf.length, offset);
        fs.closeSync(fd);
        for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) seen++;
        offset = size;
      } else await sleep(20);
    }
    const seconds = (performance.now() - started) / 1000;
    return { lines: lines.length, seconds, rate: lines.length / seconds };
  } finally {
    await stop(child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Lines per second of one parser on one core, over the OpenSSH log repeated for at least `ms`. */
function parseRate(
  format: 'linux-auth' | 'syslog',
  ms: number,
): { rate: number; events: number; lines: number } {
  const raw = fs
    .readFileSync(OPENSSH, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  // The loghub file is auth.log style; as syslog each line gets a PRI, making it RFC 3164.
  const lines = format === 'syslog' ? raw.map((l) => `<38>${l}`) : raw;
  let total = 0;
  let events = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    const parser = createParser(format, { now: Date.UTC(2026, 0, 1), timezone: 'UTC' });
    for (let i = 0; i < lines.length; i++) {
      for (const r of parser.push(lines[i]!, i + 1)) if ('event' in r) events++;
    }
    for (const r of parser.end()) if ('event' in r) events++;
    total += lines.length;
  }
  return {
    rate: total / ((performance.now() - started) / 1000),
    events: events / (total / lines.length),
    lines: lines.length,
  };
}

export async function runSyslogBench({ quick, log }: SyslogBenchOptions): Promise<string> {
  const n = quick ? 20_000 : 200_000;
  const parseMs = quick ? 500 : 3000;
  log('syslog: parse rates');
  parseRate('linux-auth', 200); // warm-up
  const auth = parseRate('linux-auth', parseMs);
  const syslog = parseRate('syslog', parseMs);
  const lines = benchLines(n);
  log(`syslog: ${fmt(n)} lines over TCP into stele serve`);
  const stele = await steleRate(lines, log);
  const rsyslogd = findRsyslogd();
  let baseline: Rate | undefined;
  let absent = '';
  if (rsyslogd) {
    log('syslog: the same lines into rsyslog');
    baseline = await rsyslogRate(rsyslogd, lines, log);
  } else {
    absent =
      'rsyslogd is not installed (Debian: `apt-get install -y rsyslog`), so there is no baseline and no ratio.';
    log(`syslog: ${absent}`);
  }
  const rows = [
    `${fmt(n)} RFC 5424 sshd lines (about ${Math.round(Buffer.byteLength(lines[0]!))} bytes each) sent over ${CONNECTIONS} TCP connections`,
    "from the benchmark process, sharing the machine's cores with the receiver.",
    'Stele: a separate `stele serve` with one `tcp` syslog source; timed until `GET /v1/events/count`',
    "reports every line, i.e. parsed, validated, sequenced in the ledger and durably committed (fsync'd).",
    'rsyslog: `rsyslogd -n` on a private config (imtcp, omfile with the raw message, no fsync); timed',
    'until the file holds every line.',
    '',
    '| measurement | result |',
    '|---|---|',
    `| Syslog over TCP into the ledger, end to end | **${fmt(stele.rate)} lines/s** (${stele.seconds.toFixed(1)} s) |`,
    baseline
      ? `| Baseline: rsyslog imtcp → omfile, same lines | ${fmt(baseline.rate)} lines/s (${baseline.seconds.toFixed(1)} s) |`
      : `| Baseline: rsyslog | not measured: ${absent} |`,
    baseline
      ? `| Stele / rsyslog | **${((stele.rate / baseline.rate) * 100).toFixed(0)} %** (target ≥ 50 %) |`
      : '| Stele / rsyslog | not measured (no rsyslog) |',
    `| Parse, \`linux-auth\`, loghub OpenSSH_2k (${auth.lines} lines, ${auth.events} events), one core | **${fmt(auth.rate)} lines/s** (target ≥ 200,000) |`,
    `| Parse, \`syslog\` (same lines as RFC 3164 with a PRI), one core | **${fmt(syslog.rate)} lines/s** (target ≥ 200,000) |`,
  ];
  return rows.join('\n');
}
