// Synthetic but plausible access events of about 400 bytes of JSON, as the benchmarks send them.

const USERS = [
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
  'oscar',
];
const HOSTS = Array.from({ length: 40 }, (_, i) => `web-${String(i).padStart(2, '0')}.prod.example.com`);
const ACTIONS = ['ssh.login', 'ssh.logout', 'sudo.exec', 'db.connect', 'k8s.exec'];

export function benchEvent(i: number, producer?: string): Record<string, unknown> {
  const user = USERS[(i * 7) % USERS.length]!;
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const ok = i % 9 !== 0;
  const event: Record<string, unknown> = {
    '@timestamp': new Date(Date.UTC(2026, 10, 1) + i * 37).toISOString(),
    event: {
      action: ACTIONS[i % ACTIONS.length],
      outcome: ok ? 'success' : 'failure',
      category: 'authentication',
      dataset: 'linux.auth',
    },
    user: { name: user },
    source: { ip, port: 1024 + (i % 60000) },
    host: { name: HOSTS[i % HOSTS.length] },
    process: { name: 'sshd', pid: 1000 + (i % 30000) },
    session: { id: `s-${(i / 10) | 0}` },
    message: `${ok ? 'Accepted' : 'Failed'} publickey for ${user} from ${ip} port ${1024 + (i % 60000)} ssh2: ED25519 SHA256:${'x'.repeat(20)}`,
  };
  if (producer) event.stele = { producer: { id: producer, seq: i } };
  return event;
}

export function eventBytes(): number {
  return Buffer.byteLength(JSON.stringify(benchEvent(123456)));
}
