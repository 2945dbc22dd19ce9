// stele stats, timeline, pivot and around: local (--data) and through a server, in each output
// format; CSV cells never start a formula, NDJSON is one event per line. Run on every database
// (search-cli.test.ts).

import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startServer } from '../src/app.js';
import { buildProgram } from '../src/cli/main.js';
import { loadConfig } from '../src/config/config.js';
import type { BackendKind, TestBackend } from './helpers/backends.js';

const T0 = Date.UTC(2026, 10, 20, 8);

function event(i: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  const user = ['alice', 'bob', '=cmd|calc'][i % 3]!;
  return {
    '@timestamp': new Date(T0 + i * 60_000).toISOString(),
    event: { action: i % 2 ? 'sudo.exec' : 'ssh.login', outcome: i % 5 === 0 ? 'failure' : 'success' },
    user: { name: user },
    source: { ip: `192.0.2.${(i % 4) + 1}` },
    host: { name: i % 2 ? 'web-1' : 'db-1' },
    session: { id: `s-${Math.floor(i / 4)}` },
    message: `line ${i}\nwith a newline`,
    ...over,
  };
}

/** Runs the CLI in this process and returns what it printed. */
async function run(...args: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  try {
    await buildProgram().parseAsync(['node', 'stele', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

export function runSearchCliSuite(kind: BackendKind): void {
  let backend: TestBackend;
  const events = Array.from({ length: 40 }, (_, i) => event(i));
  let url = '';
  let token = '';
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    backend = await kind.create();
    const running = await startServer(
      loadConfig({ overrides: { ...backend.target, listen: '127.0.0.1:0' } }),
    );
    url = `http://${running.address}`;
    token = running.bootstrapToken!;
    close = () => running.close();
    const res = await fetch(`${url}/v1/events`, {
      method: 'POST',
      body: JSON.stringify(events),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await close();
    await backend.dispose();
  });

  it('stats --by through a server, as JSON and formula-safe CSV', async () => {
    const json = JSON.parse(
      await run('stats', '', '--by', 'user', '--top', '10', '--json', '--server', url, '--token', token),
    ) as {
      total: number;
      groups: Array<{ keys: Record<string, string>; count: number }>;
    };
    expect(json.total).toBe(40);
    expect(json.groups.map((g) => [g.keys['user.name'], g.count])).toEqual([
      ['alice', 14],
      ['=cmd|calc', 13], // ties in code point order: '=' < 'b'
      ['bob', 13],
    ]);
    const csv = await run('stats', '', '--by', 'user', '--output', 'csv', '--server', url, '--token', token);
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('user.name,count,failures,failure_ratio');
    expect(lines).toContain(`'=cmd|calc,13,3,0.2308`);
    for (const line of lines) expect(line).not.toMatch(/(^|,)[=+\-@]/);
  });

  it('stats --histogram and --distinct', async () => {
    const h = JSON.parse(
      await run(
        'stats',
        '',
        '--histogram',
        '--interval',
        '10m',
        '--from',
        new Date(T0).toISOString(),
        '--to',
        new Date(T0 + 40 * 60_000).toISOString(),
        '--json',
        '--server',
        url,
        '--token',
        token,
      ),
    ) as { buckets: Array<{ count: number }> };
    expect(h.buckets.map((b) => b.count)).toEqual([10, 10, 10, 10]);
    const d = JSON.parse(
      await run(
        'stats',
        'host:web-1',
        '--by',
        'user.name',
        '--distinct',
        'source.ip',
        '--json',
        '--server',
        url,
        '--token',
        token,
      ),
    ) as { groups: Array<{ keys: Record<string, string>; distinct: number }> };
    const alice = events.filter((e, i) => i % 2 === 1 && i % 3 === 0);
    expect(d.groups.find((g) => g.keys['user.name'] === 'alice')?.distinct).toBe(
      new Set(alice.map((e) => (e.source as { ip: string }).ip)).size,
    );
  });

  it('timeline prints NDJSON, one event per line, oldest first', async () => {
    const out = await run(
      'timeline',
      '--session',
      's-2',
      '--output',
      'ndjson',
      '--server',
      url,
      '--token',
      token,
    );
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(4);
    const seqs = lines.map((l) => (JSON.parse(l) as { stele: { seq: number } }).stele.seq);
    expect(seqs).toEqual([8, 9, 10, 11]);
  });

  it('timeline as a table shows one readable line per event, newlines escaped', async () => {
    const out = await run(
      'timeline',
      '--user',
      'bob',
      '--host',
      'web-1',
      '--output',
      'table',
      '--server',
      url,
      '--token',
      token,
    );
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(events.filter((_, i) => i % 3 === 1 && i % 2 === 1).length);
    expect(lines[0]).toMatch(
      /^2026-11-20T08:01:00.000Z {2}#1 {2}sudo.exec success {2}bob@web-1 from 192.0.2.2 {2}\[first_ip_for_user\] {2}line 1\\x0awith a newline$/,
    );
  });

  it('pivot and around, read locally from the database', async () => {
    await close();
    close = async () => {};
    const pivot = JSON.parse(await run('pivot', '--ip', '192.0.2.1', '--json', ...backend.flags)) as {
      events: number;
      users: Array<{ value: string; events: number }>;
      hosts: Array<{ value: string }>;
    };
    const withIp = events.filter((e) => (e.source as { ip: string }).ip === '192.0.2.1');
    expect(pivot.events).toBe(withIp.length);
    expect(pivot.users.map((u) => u.value).sort()).toEqual(['=cmd|calc', 'alice', 'bob']);
    expect(pivot.hosts.map((h) => h.value)).toEqual(['db-1']);
    const around = await run('around', '20', '--minutes', '2', '--output', 'table', ...backend.flags);
    const lines = around.trim().split('\n');
    expect(lines.map((l) => /#(\d+)/.exec(l)![1])).toEqual(['18', '20', '22']);
    expect(lines[1]).toMatch(/^> /);
    const csv = await run('around', '20', '--minutes', '2', '--output', 'csv', ...backend.flags);
    expect(csv.split('\r\n')[0]).toMatch(/^'@timestamp,seq,.*,annotations$/);
    expect(csv).toContain('"line 20\nwith a newline"');
    expect(csv).toContain(`'=cmd|calc`);
  });
}
