// `npm run gen -- --events 10000000 --days 30 [--out FILE] [--seed N] [--start ISO]`: realistic
// access events as NDJSON, in time order, in constant memory (one hour at a time), the same bytes
// for the same arguments. Users, hosts and IPs follow power laws; people work office hours on
// weekdays; sessions log in, sudo and log out; brute-force bursts hit hosts from outside; k8s,
// cloud and database events are mixed in.

import fs from 'node:fs';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';

export interface GenOptions {
  events: number;
  days: number;
  seed: number;
  /** Epoch ms of the first hour. */
  start: number;
}

const HOUR = 3_600_000;

/** mulberry32: small, fast, and the same sequence on every platform. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks index i of n with probability proportional to 1 / (i + 1)^s (Zipf). */
function zipf(n: number, s: number): (r: number) => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / Math.pow(i + 1, s);
  return (r) => {
    const x = r * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const FIRST = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'grace',
  'heidi',
  'ivan',
  'judy',
  'mallory',
  'niaj',
  'olivia',
  'peggy',
  'rupert',
  'sybil',
  'trent',
  'victor',
  'walter',
  'yara',
];
const USERS = Array.from({ length: 2000 }, (_, i) =>
  i < FIRST.length ? FIRST[i]! : `${FIRST[i % FIRST.length]}.${Math.floor(i / FIRST.length)}`,
);
const ROLES = ['web', 'api', 'db', 'cache', 'queue', 'batch', 'bastion', 'build'];
const HOSTS = Array.from(
  { length: 500 },
  (_, i) =>
    `${ROLES[i % ROLES.length]}-${String(Math.floor(i / ROLES.length)).padStart(2, '0')}.prod.example.com`,
);
const OFFICE_IPS = Array.from(
  { length: 20_000 },
  (_, i) => `10.${(i >> 12) & 255}.${(i >> 4) & 255}.${((i & 15) << 4) + 1}`,
);
const ATTACKERS = Array.from({ length: 3000 }, (_, i) =>
  i % 5 === 4
    ? `2001:db8:${((i * 7919) % 65536).toString(16)}::${(i % 250) + 1}`
    : `198.51.${(i * 37) % 256}.${(i % 250) + 1}`,
);
const BRUTE_USERS = ['root', 'admin', 'oracle', 'ubuntu', 'test', 'postgres', 'git', 'user'];
const COMMANDS = [
  '/usr/bin/systemctl restart nginx',
  '/usr/bin/journalctl -u api -n 200',
  '/usr/bin/apt-get upgrade -y',
  '/bin/cat /etc/shadow',
  '/usr/bin/docker ps',
  '/usr/sbin/iptables -L',
  '/usr/bin/vim /etc/hosts',
];
const NAMESPACES = ['default', 'kube-system', 'payments', 'search', 'ci'];
const ACCOUNTS = ['111122223333', '444455556666', '777788889999'];
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];
const API_CALLS = [
  'DescribeInstances',
  'GetObject',
  'PutObject',
  'AssumeRole',
  'CreateAccessKey',
  'StopInstances',
];
const DB_NAMES = ['orders', 'billing', 'analytics'];

/** Relative activity of an hour: office hours on weekdays are busy, nights and weekends quiet. */
function hourWeight(t: number): number {
  const d = new Date(t);
  const h = d.getUTCHours();
  const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
  const office = h >= 8 && h < 18 ? 1 : h >= 6 && h < 21 ? 0.35 : 0.08;
  return weekend ? office * 0.25 + 0.04 : office + 0.04;
}

type Obj = Record<string, unknown>;

class Hour {
  readonly lines: Array<{ ts: number; json: string }> = [];
  constructor(
    private readonly r: () => number,
    private readonly start: number,
  ) {}

  at(offset: number): number {
    return Math.min(this.start + HOUR - 1, Math.floor(this.start + offset));
  }

  push(ts: number, e: Obj): void {
    e['@timestamp'] = new Date(ts).toISOString();
    this.lines.push({ ts, json: JSON.stringify(e) });
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.r() * list.length)]!;
  }
}

function syslog(ts: number, host: string, program: string, pid: number, text: string): string {
  const d = new Date(ts);
  const mon = d.toUTCString().slice(8, 11);
  return `<38>${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} ${host.split('.')[0]} ${program}[${pid}]: ${text}`;
}

function auth(user: string, ip: string, host: string, extra: Obj): Obj {
  return {
    user: { name: user },
    source: { ip },
    host: { name: host },
    related: { user: [user], ip: [ip], hosts: [host] },
    ...extra,
  };
}

export class EventGenerator {
  private readonly r: () => number;
  private readonly user = zipf(USERS.length, 1.1);
  private readonly host = zipf(HOSTS.length, 1.05);
  private readonly ip = zipf(OFFICE_IPS.length, 1.2);
  private readonly attacker = zipf(ATTACKERS.length, 1.3);
  private sessionSeq = 0;

  constructor(private readonly options: GenOptions) {
    this.r = rng(options.seed);
  }

  /** NDJSON text, one hour of events per chunk, `events` lines in all. */
  *chunks(): Generator<string> {
    const hours = Math.max(1, Math.round(this.options.days * 24));
    const weights = Array.from({ length: hours }, (_, h) => hourWeight(this.options.start + h * HOUR));
    const total = weights.reduce((a, b) => a + b, 0);
    let emitted = 0;
    let owed = 0;
    for (let h = 0; h < hours; h++) {
      owed += (this.options.events * weights[h]!) / total;
      const n =
        h === hours - 1
          ? this.options.events - emitted
          : Math.min(this.options.events - emitted, Math.round(owed - emitted));
      if (n <= 0) continue;
      const hour = this.fill(this.options.start + h * HOUR, n);
      emitted += n;
      yield hour;
    }
  }

  private fill(start: number, n: number): string {
    const hour = new Hour(this.r, start);
    while (hour.lines.length < n) {
      const x = this.r();
      if (x < 0.55) this.session(hour);
      else if (x < 0.6) this.bruteForce(hour, n - hour.lines.length);
      else if (x < 0.75) this.k8s(hour);
      else if (x < 0.88) this.cloud(hour);
      else this.database(hour);
    }
    hour.lines.length = n;
    hour.lines.sort((a, b) => a.ts - b.ts);
    return hour.lines.map((l) => l.json).join('\n') + '\n';
  }

  private session(hour: Hour): void {
    const r = this.r;
    const user = USERS[this.user(r())]!;
    const host = HOSTS[this.host(r())]!;
    const ip = OFFICE_IPS[this.ip(r())]!;
    const id = `ssh-${(this.sessionSeq++).toString(36)}`;
    const pid = 1000 + Math.floor(r() * 60000);
    const port = 32768 + Math.floor(r() * 28000);
    let t = r() * HOUR * 0.9;
    const ok = r() > 0.03;
    const text = `${ok ? 'Accepted publickey' : 'Failed password'} for ${user} from ${ip} port ${port} ssh2`;
    hour.push(
      hour.at(t),
      auth(user, ip, host, {
        event: {
          action: 'ssh.login',
          outcome: ok ? 'success' : 'failure',
          category: 'authentication',
          type: 'start',
          dataset: 'linux.auth',
          original: syslog(hour.at(t), host, 'sshd', pid, text),
          ...(ok ? {} : { reason: 'bad password' }),
        },
        source: { ip, port },
        process: { name: 'sshd', pid },
        session: { id },
        message: text,
      }),
    );
    if (!ok) return;
    const sudos = r() < 0.4 ? 1 + Math.floor(r() * 4) : 0;
    for (let i = 0; i < sudos; i++) {
      t += 5_000 + r() * 120_000;
      const command = hour.pick(COMMANDS);
      const m = `${user} : TTY=pts/0 ; PWD=/home/${user} ; USER=root ; COMMAND=${command}`;
      hour.push(hour.at(t), {
        ...auth(user, ip, host, {}),
        event: {
          action: 'sudo.exec',
          outcome: r() < 0.02 ? 'failure' : 'success',
          category: 'process',
          type: 'start',
          dataset: 'linux.auth',
          original: syslog(hour.at(t), host, 'sudo', pid + 1, m),
        },
        user: { name: user, effective: { name: 'root' } },
        process: { name: 'sudo', command_line: command },
        session: { id },
        related: { user: [user, 'root'], ip: [ip], hosts: [host] },
        message: m,
      });
    }
    t += 30_000 + r() * 600_000;
    hour.push(
      hour.at(t),
      auth(user, ip, host, {
        event: {
          action: 'ssh.logout',
          outcome: 'success',
          category: 'session',
          type: 'end',
          dataset: 'linux.auth',
        },
        process: { name: 'sshd', pid },
        session: { id },
        message: `pam_unix(sshd:session): session closed for user ${user}`,
      }),
    );
  }

  /** Tens to hundreds of failed logins from one outside address against one host in a few minutes. */
  private bruteForce(hour: Hour, room: number): void {
    const r = this.r;
    if (r() > 0.3) return;
    const ip = ATTACKERS[this.attacker(r())]!;
    const host = HOSTS[this.host(r())]!;
    const n = Math.min(room, 20 + Math.floor(r() * 180));
    let t = r() * HOUR * 0.9;
    for (let i = 0; i < n; i++) {
      t += 200 + r() * 1500;
      const user = hour.pick(BRUTE_USERS);
      const port = 1024 + Math.floor(r() * 60000);
      const text = `Failed password for invalid user ${user} from ${ip} port ${port} ssh2`;
      hour.push(
        hour.at(t),
        auth(user, ip, host, {
          event: {
            action: 'ssh.login',
            outcome: 'failure',
            category: 'authentication',
            type: 'start',
            dataset: 'linux.auth',
            reason: 'invalid user',
            original: syslog(hour.at(t), host, 'sshd', 4000 + i, text),
          },
          source: { ip, port },
          process: { name: 'sshd', pid: 4000 + i },
          message: text,
        }),
      );
    }
  }

  private k8s(hour: Hour): void {
    const r = this.r;
    const human = r() < 0.5;
    const user = human ? USERS[this.user(r())]! : `system:serviceaccount:${hour.pick(NAMESPACES)}:deployer`;
    const ip = OFFICE_IPS[this.ip(r())]!;
    const secret = r() < 0.3;
    const ns = hour.pick(NAMESPACES);
    const denied = r() < 0.05;
    hour.push(hour.at(r() * HOUR), {
      event: {
        action: secret ? 'k8s.secret.get' : 'k8s.exec',
        outcome: denied ? 'failure' : 'success',
        category: 'iam',
        type: denied ? 'denied' : 'allowed',
        dataset: 'k8s.audit',
      },
      user: { name: user },
      source: { ip },
      host: { name: 'cluster-a' },
      orchestrator: {
        namespace: ns,
        resource: {
          type: secret ? 'secrets' : 'pods',
          name: secret ? `${ns}-token` : `${ns}-api-${Math.floor(r() * 20)}`,
        },
      },
      related: { user: [user], ip: [ip], hosts: ['cluster-a'] },
      message: `${secret ? 'get secrets' : 'create pods/exec'} in ${ns} by ${user}`,
    });
  }

  private cloud(hour: Hour): void {
    const r = this.r;
    const user = USERS[this.user(r())]!;
    const ip = r() < 0.9 ? OFFICE_IPS[this.ip(r())]! : ATTACKERS[this.attacker(r())]!;
    const consoleLogin = r() < 0.2;
    const failed = r() < (consoleLogin ? 0.08 : 0.03);
    const call = hour.pick(API_CALLS);
    hour.push(hour.at(r() * HOUR), {
      event: {
        action: consoleLogin ? 'cloud.console_login' : 'cloud.api_call',
        outcome: failed ? 'failure' : 'success',
        category: consoleLogin ? 'authentication' : 'configuration',
        type: consoleLogin ? 'start' : 'access',
        dataset: 'aws.cloudtrail',
      },
      user: { name: user },
      source: { ip },
      cloud: { provider: 'aws', account: { id: hour.pick(ACCOUNTS) }, region: hour.pick(REGIONS) },
      service: {
        type: 'aws',
        name: consoleLogin ? 'signin' : call.startsWith('Get') || call.endsWith('Object') ? 's3' : 'ec2',
      },
      related: { user: [user], ip: [ip] },
      message: consoleLogin
        ? `ConsoleLogin ${failed ? 'Failure' : 'Success'} for ${user}`
        : `${call} by ${user}${failed ? ' (AccessDenied)' : ''}`,
    });
  }

  private database(hour: Hour): void {
    const r = this.r;
    const user = r() < 0.7 ? `svc_${hour.pick(DB_NAMES)}` : USERS[this.user(r())]!;
    const host = HOSTS[(this.host(r()) * ROLES.length + 2) % HOSTS.length]!; // db-* hosts
    const ip = OFFICE_IPS[this.ip(r())]!;
    const db = hour.pick(DB_NAMES);
    const connect = r() < 0.4;
    const failed = r() < 0.02;
    const statement = `SELECT * FROM ${db}.accounts WHERE id = ${Math.floor(r() * 1e6)}`;
    hour.push(
      hour.at(r() * HOUR),
      auth(user, ip, host, {
        event: {
          action: connect ? 'db.connect' : 'db.query',
          outcome: failed ? 'failure' : 'success',
          category: 'database',
          type: connect ? 'start' : 'access',
          dataset: 'postgresql',
        },
        service: { type: 'postgresql', name: db },
        message: connect
          ? `connection authorized: user=${user} database=${db}`
          : `AUDIT: SESSION,1,1,READ,SELECT,,,${statement}`,
      }),
    );
  }
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export function parseGenArgs(args: string[]): GenOptions & { out?: string } {
  const events = Number(argValue(args, '--events') ?? 100_000);
  const days = Number(argValue(args, '--days') ?? 30);
  const seed = Number(argValue(args, '--seed') ?? 1);
  const startText = argValue(args, '--start');
  const start = startText === undefined ? Date.UTC(2026, 9, 1) : Date.parse(startText);
  if (!Number.isInteger(events) || events < 0) throw new Error('--events must be a whole number');
  if (!(days > 0 && days <= 3660)) throw new Error('--days must be from 1 to 3660');
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  if (Number.isNaN(start)) throw new Error('--start must be an RFC 3339 time');
  const out = argValue(args, '--out');
  return {
    events,
    days,
    seed,
    start: Math.floor(start / HOUR) * HOUR,
    ...(out === undefined ? {} : { out }),
  };
}

/** Writes the chunks, waiting whenever the destination is full (constant memory). */
export async function writeEvents(options: GenOptions, out: NodeJS.WritableStream): Promise<void> {
  for (const chunk of new EventGenerator(options).chunks()) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
}

async function main(): Promise<void> {
  const options = parseGenArgs(process.argv.slice(2));
  const out = options.out ? fs.createWriteStream(options.out) : process.stdout;
  await writeEvents(options, out);
  if (out !== process.stdout) {
    (out as fs.WriteStream).end();
    await once(out, 'finish');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`gen: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
