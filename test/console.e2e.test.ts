// The web console end to end in Debian's Chromium (playwright-core): a real server with the built
// console, fixture events (OpenSSH and Kubernetes audit), login, search with completion, an event
// whose proof verifies in the browser (and a tampered proof that does not), a dashboard with its
// charts, the brute-force alert and its status change, a timeline and the ledger page.
// Screenshots go to docs/screenshots/. Needs `npm run build` (web/dist) first.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createParser } from '../src/parsers/index.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = path.join(ROOT, 'test/fixtures');
const SHOTS = path.join(ROOT, 'docs/screenshots');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const required = process.env.CI === 'true' || process.env.STELE_REQUIRE_BROWSER === '1';
const hasBrowser = fs.existsSync(CHROMIUM);
if (!hasBrowser && !required)
  console.warn(`console e2e skipped: ${CHROMIUM} is missing (apt-get install chromium)`);
const BRUTE_FORCE = 'SSH brute force from one source IP';

function parse(format: string, text: string): object[] {
  const parser = createParser(format, {
    now: Date.parse('2024-06-01T00:00:00Z'),
    timezone: 'UTC',
    keepOriginal: true,
  });
  const out: object[] = [];
  const take = (rs: ReturnType<typeof parser.end>) => {
    for (const r of rs) if ('event' in r && r.event) out.push(r.event);
  };
  text.split('\n').forEach((line, i) => take(parser.push(line, i + 1)));
  take(parser.end());
  return out;
}

function fixtureEvents(): object[] {
  const ssh = parse(
    'linux-auth',
    fs.readFileSync(path.join(FIXTURES, 'loghub_openssh/OpenSSH_2k.log'), 'utf8'),
  );
  const dir = path.join(FIXTURES, 'k8s_audit/events');
  const k8s = fs
    .readdirSync(dir)
    .flatMap((f) => parse('k8s-audit', fs.readFileSync(path.join(dir, f), 'utf8')));
  return [...ssh, ...k8s];
}

async function until<T>(check: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!hasBrowser && !required)('web console in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let ingested = 0;

  beforeAll(async () => {
    if (!hasBrowser)
      throw new Error(`${CHROMIUM} is missing and a browser is required (CI or STELE_REQUIRE_BROWSER=1)`);
    if (!fs.existsSync(path.join(ROOT, 'web/dist/index.html')))
      throw new Error('web/dist is not built: run npm run build');
    fs.mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer();
    const events = fixtureEvents();
    for (let i = 0; i < events.length; i += 500) {
      const res = await server.post(JSON.stringify(events.slice(i, i + 500)));
      expect(res.status).toBe(200);
      ingested += ((await res.json()) as { accepted: unknown[] }).accepted.length;
    }
    expect(ingested).toBeGreaterThan(1500);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const shot = (name: string, fullPage = false) =>
    page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });

  it('serves the console without shadowing the API, and nothing outside web/dist', async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    const html = await index.text();
    const asset = /\/assets\/[\w.-]+\.js/.exec(html)?.[0];
    expect(asset).toBeDefined();
    const js = await fetch(server.url + asset!);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${server.url}/alerts`)).headers.get('content-type')).toContain('text/html');
    for (const probe of [
      '/assets/..%2Fpackage.json',
      '/assets/%2E%2E%2Findex.html',
      '/assets/.vite',
      '/assets/nope.js',
    ])
      expect((await fetch(server.url + probe)).status).toBe(404);
    expect((await fetch(`${server.url}/healthz`)).headers.get('content-type')).toContain('application/json');
    expect((await fetch(`${server.url}/v1/nothing`)).status).toBe(404);
    expect((await server.get('/v1/ledger/key')).status).toBe(200);
    expect((await server.get('/v1/ledger/key', null)).status).toBe(401);
  });

  it('logs in with an API key and searches, with field and value completion', async () => {
    await page.goto(server.url);
    await page.getByLabel('API key').fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await shot('login');
    await page.getByLabel('API key').fill(server.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const box = page.locator('#query');
    await box.waitFor();
    await page.keyboard.press('Escape');
    await page.locator('main').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('/');
    expect(await page.evaluate<string>('document.activeElement?.id')).toBe('query');
    await box.fill('event.out');
    await page.getByRole('option', { name: /event\.outcome/ }).waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    expect(await box.inputValue()).toBe('event.outcome:');
    await page.getByRole('option', { name: /failure/ }).waitFor();
    await box.fill('action:ssh.login outcome:failure');
    await page.keyboard.press('Enter');
    await page.waitForFunction(`location.hash.includes('outcome%3Afailure')`);
    await page.locator('[data-seq]').first().waitFor();
    const count = await page.locator('.toolbar .count').textContent();
    expect(Number(count?.replace(/\D/g, ''))).toBeGreaterThan(100);
    await page.locator('.recharts-surface').first().waitFor();
    await page.locator('.facet-value').first().waitFor();
    await shot('search');
  });

  it('opens an event and verifies its inclusion proof in the browser', async () => {
    await page.locator('[data-seq]').first().click();
    const proof = page.locator('[data-proof="verified"]');
    await proof.waitFor({ timeout: 15_000 });
    expect(await proof.textContent()).toMatch(
      /Verified against checkpoint [\d,]+, signed by \S+\+[0-9a-f]{8}/,
    );
    await page.getByRole('heading', { name: 'Original record' }).waitFor();
    await shot('event', true);

    // The same page with one byte of the entry changed by a man in the middle: a clear failure.
    await page.route('**/v1/events/*/proof', async (route) => {
      const res = await route.fetch();
      const proofJson = (await res.json()) as { entry: string };
      const bytes = Buffer.from(proofJson.entry, 'base64');
      const at = bytes.length - 2;
      bytes.writeUInt8(bytes.readUInt8(at) ^ 1, at);
      await route.fulfill({ response: res, json: { ...proofJson, entry: bytes.toString('base64') } });
    });
    await page.reload();
    const failed = page.locator('[data-proof="failed"]');
    await failed.waitFor({ timeout: 15_000 });
    expect(await failed.textContent()).toContain('NOT verified');
    await page.unroute('**/v1/events/*/proof');
  });

  it('shows the dashboard with its charts', async () => {
    await page.goto(`${server.url}/#/dashboard`);
    await page.locator('.recharts-surface').nth(4).waitFor({ timeout: 15_000 });
    await page.locator('.hm-cell').first().waitFor();
    // The heat map holds the fixture's hours, not only the reads of this test (now).
    expect(await page.locator('.hm-cell[title$=" 0 events"]').count()).toBeLessThan(7 * 24 - 1);
    expect(await page.locator('.panel svg.recharts-surface').count()).toBeGreaterThanOrEqual(5);
    await page.getByRole('heading', { name: 'New identities' }).waitFor();
    await page.waitForTimeout(300);
    await shot('dashboard', true);
  });

  it('lists the brute-force alert raised by live detection and changes its status', async () => {
    await until(async () => {
      const res = (await (await server.get('/v1/alerts?limit=1000')).json()) as {
        alerts: Array<{ rule: { title: string } }>;
      };
      return res.alerts.some((a) => a.rule.title === BRUTE_FORCE) ? true : undefined;
    });
    await page.goto(`${server.url}/#/alerts`);
    const row = page.locator('tr', { hasText: BRUTE_FORCE }).first();
    await row.waitFor();
    await row.getByRole('button', { name: /Acknowledge/ }).click();
    await row.locator('.status.acknowledged').waitFor();
    await shot('alerts');
    await row.getByRole('link', { name: /first/ }).click();
    await page.locator('[data-proof="verified"]').waitFor({ timeout: 15_000 });
  });

  it('rebuilds a user-on-host timeline with alerts marked', async () => {
    await page.goto(`${server.url}/#/timeline?user=root&host=LabSZ`);
    await page.locator('li.tl').first().waitFor({ timeout: 15_000 });
    const marked = page.locator('li.tl .tag.alert').first();
    await marked.waitFor();
    await page.evaluate(`document.querySelector('li.tl.alerted').scrollIntoView({ block: 'center' })`);
    await shot('timeline');
  });

  it('shows the ledger checkpoint and per-source figures', async () => {
    await page.goto(`${server.url}/#/ledger`);
    const size = page.getByTestId('tree-size');
    await size.waitFor();
    expect(Number((await size.textContent())?.replace(/\D/g, ''))).toBeGreaterThanOrEqual(ingested);
    await page.locator('tbody th', { hasText: 'http:admin' }).waitFor();
    await shot('ledger');
  });
});
