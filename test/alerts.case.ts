// Live detection in `stele serve`: alerts stored with their events, deduplicated, suppressible,
// listed and acknowledged over HTTP, delivered to a webhook once, and resumed after a restart
// without re-alerting (the cursor, first-seen keys and alerts are in the database). Run on every
// database (alerts.test.ts).

import http from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { startServer } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { signBody } from '../src/sinks/webhook-sink.js';
import type { BackendKind } from './helpers/backends.js';
import { sampleEvent } from './helpers/server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function hook(): Promise<{ url: string; bodies: Array<{ body: string; sig: string | undefined }> }> {
  const bodies: Array<{ body: string; sig: string | undefined }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push({ body, sig: req.headers['x-stele-signature'] as string | undefined });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/hook`, bodies };
}

const rootLogin = (i: number) =>
  sampleEvent({
    '@timestamp': new Date(Date.UTC(2026, 0, 5, 10, 0, i)).toISOString(),
    user: { name: 'root' },
    message: `Accepted password for root from 198.51.100.4 port ${i} ssh2`,
  });

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function runAlertsSuite(kind: BackendKind): void {
  /** A fresh database, disposed of after the test. */
  const database = async () => {
    const backend = await kind.create();
    cleanups.unshift(() => backend.dispose());
    return backend.target;
  };

  it('stores, dedups, lists, acknowledges, delivers once and resumes after restart', async () => {
    process.env.STELE_TEST_HOOK_SECRET = 's3cret';
    const { url: hookUrl, bodies } = await hook();
    const config = loadConfig({
      overrides: {
        ...(await database()),
        listen: '127.0.0.1:0',
        sinks: [{ type: 'webhook', url: hookUrl, secret_env: 'STELE_TEST_HOOK_SECRET' }],
      },
    });
    let running = await startServer(config);
    const token = running.bootstrapToken!;
    let base = `http://${running.address}`;
    const auth = { authorization: `Bearer ${token}` };
    const post = (events: object[]) =>
      fetch(`${base}/v1/events`, { method: 'POST', headers: auth, body: JSON.stringify(events) });
    const list = async (q = '') =>
      (await (await fetch(`${base}/v1/alerts${q}`, { headers: auth })).json()) as {
        alerts: Array<{
          id: number;
          count: number;
          status: string;
          rule: { title: string };
          first_seq: number;
        }>;
      };

    // two root logins from the same place: one alert, count 2; a benign login: nothing
    expect((await post([rootLogin(1), sampleEvent(), rootLogin(2)])).status).toBe(200);
    await until(async () => (await list()).alerts[0]?.count === 2);
    const [alert] = (await list()).alerts;
    expect(alert).toMatchObject({ rule: { title: 'Root login over SSH' }, status: 'open', first_seq: 0 });
    const detail = (await (await fetch(`${base}/v1/alerts/${alert!.id}`, { headers: auth })).json()) as {
      event_seqs: number[];
    };
    expect(detail.event_seqs).toEqual([0, 2]);

    // the webhook got it once, signed over the exact body
    await until(async () => bodies.length === 1);
    expect(bodies[0]!.sig).toBe(signBody('s3cret', bodies[0]!.body));
    expect(JSON.parse(bodies[0]!.body)).toMatchObject({
      id: alert!.id,
      rule: { title: 'Root login over SSH' },
    });

    // acknowledge (admin), filter by status
    const patched = await fetch(`${base}/v1/alerts/${alert!.id}`, {
      method: 'PATCH',
      headers: auth,
      body: JSON.stringify({ status: 'acknowledged', suppress_for: '1h' }),
    });
    expect(patched.status).toBe(200);
    expect((await list('?status=open')).alerts).toEqual([]);
    expect((await list('?status=acknowledged')).alerts).toHaveLength(1);
    expect((await fetch(`${base}/v1/alerts?status=bogus`, { headers: auth })).status).toBe(400);

    // suppressed rule+group: another root login adds nothing
    await post([rootLogin(3)]);
    // restart: the cursor is persisted, nothing is re-alerted or re-sent
    await until(async () => (await fetch(`${base}/healthz`)).ok);
    await new Promise((r) => setTimeout(r, 300));
    await running.close();
    running = await startServer(config);
    base = `http://${running.address}`;
    cleanups.push(async () => {
      await running.close();
    });
    await post([
      sampleEvent({
        user: { name: 'root' },
        source: { ip: '192.0.2.9' },
        '@timestamp': '2026-01-05T11:00:00.000Z',
      }),
    ]);
    // root from a new IP: a new root-login group, and a first-seen IP for root (first-seen state
    // survived the restart in the database)
    await until(async () => (await list()).alerts.length === 3);
    const all = (await list()).alerts;
    expect(all.map((a) => [a.rule.title, a.count]).sort()).toEqual([
      ['Login from an IP never seen for this user', 1],
      ['Root login over SSH', 1],
      ['Root login over SSH', 2],
    ]);
    await until(async () => bodies.length === 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(bodies).toHaveLength(3);
  });

  it('emits a Stele producer-gap event and alerts on it', async () => {
    const target = await database();
    const running = await startServer(loadConfig({ overrides: { ...target, listen: '127.0.0.1:0' } }));
    cleanups.push(() => running.close());
    const base = `http://${running.address}`;
    const auth = { authorization: `Bearer ${running.bootstrapToken!}` };
    const withSeq = (seq: number) => sampleEvent({ stele: { producer: { id: 'agent-1', seq } } });
    await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify([withSeq(1), withSeq(5)]),
    });
    await until(async () => {
      const r = (await (await fetch(`${base}/v1/alerts`, { headers: auth })).json()) as {
        alerts: Array<{ rule: { title: string } }>;
      };
      return r.alerts.some((a) => a.rule.title === "Gap in a producer's event sequence");
    });
  });
}
