// Console benchmark: the built web console's JavaScript and CSS sizes gzipped, its first load in
// Chromium on localhost (navigation start to DOMContentLoaded and load, cold cache, median of 5),
// and the time from the API's reply to the results on screen, measured in the page with the
// performance marks the search page sets (reply received -> rows painted), median of several searches.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { consoleDir } from '../src/server/routes/console.js';
import { EventGenerator } from './gen.js';
import { fmt, percentile } from './stats.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const QUERIES = [
  'action:ssh.login outcome:failure',
  'action:sudo.exec',
  'user:root',
  '"Failed password"',
  'outcome:success',
  'action:k8s.*',
  '-outcome:success',
  '*',
];

interface Sizes {
  js: number;
  css: number;
  files: number;
}

function gzippedSizes(dist: string): Sizes {
  const dir = path.join(dist, 'assets');
  const sizes: Sizes = { js: 0, css: 0, files: 0 };
  for (const name of fs.readdirSync(dir)) {
    const gz = zlib.gzipSync(fs.readFileSync(path.join(dir, name)), { level: 9 }).length;
    if (name.endsWith('.js')) sizes.js += gz;
    else if (name.endsWith('.css')) sizes.css += gz;
    sizes.files++;
  }
  return sizes;
}

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const ms = (n: number) => `${n.toFixed(0)} ms`;

export async function runConsoleBench(options: {
  quick: boolean;
  log: (s: string) => void;
}): Promise<string> {
  const { quick, log } = options;
  const dist = consoleDir();
  if (!fs.existsSync(path.join(dist, 'index.html')))
    throw new Error(`${dist} is not built: run npm run build`);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
  const sizes = gzippedSizes(dist);
  log(`JS ${kb(sizes.js)} gzipped, CSS ${kb(sizes.css)} gzipped`);

  const dataDir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'stele-console-bench-'));
  const running = await startServer(loadConfig({ overrides: { data: dataDir, listen: '127.0.0.1:0' } }));
  const url = `http://${running.address}`;
  const token = running.bootstrapToken!;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const events = quick ? 5_000 : 50_000;
    const gen = new EventGenerator({ events, days: 7, seed: 7, start: Date.now() - 7 * 86_400_000 });
    for (const chunk of gen.chunks()) {
      const res = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
        body: chunk,
      });
      if (!res.ok) throw new Error(`ingest: HTTP ${res.status}`);
    }
    log(`${fmt(events)} events ingested`);

    const loads: Array<{ dcl: number; load: number; results: number }> = [];
    for (let i = 0; i < 5; i++) {
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
      await context.addInitScript(`sessionStorage.setItem('stele.token', ${JSON.stringify(token)})`);
      const page = await context.newPage();
      await page.goto(`${url}/#/search`, { waitUntil: 'load' });
      await page.locator('[data-seq]').first().waitFor();
      loads.push(
        // A string, evaluated in the page: the root tsconfig has no DOM types.
        await page.evaluate<{ dcl: number; load: number; results: number }>(`(() => {
          const nav = performance.getEntriesByType('navigation')[0];
          const shown = performance.getEntriesByName('stele:results-rendered')[0];
          return {
            dcl: nav.domContentLoadedEventEnd,
            load: nav.loadEventEnd,
            results: shown?.startTime ?? NaN,
          };
        })()`),
      );
      await context.close();
    }
    log(
      `first load: DOMContentLoaded ${ms(median(loads.map((l) => l.dcl)))}, load ${ms(median(loads.map((l) => l.load)))}`,
    );

    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    await context.addInitScript(`sessionStorage.setItem('stele.token', ${JSON.stringify(token)})`);
    const page = await context.newPage();
    await page.goto(`${url}/#/search`);
    await page.locator('[data-seq]').first().waitFor();
    const runs = quick ? QUERIES.slice(0, 4) : [...QUERIES, ...QUERIES];
    const renders: number[] = [];
    for (const q of runs) {
      const before = await page.evaluate<number>(ON_SCREEN_COUNT);
      await page.evaluate(`location.hash = '#/search?q=' + encodeURIComponent(${JSON.stringify(q)})`);
      await page.waitForFunction(`${ON_SCREEN_COUNT} > ${before}`);
      renders.push(
        await page.evaluate<number>(
          `performance.getEntriesByName('stele:results-on-screen').at(-1).duration`,
        ),
      );
    }
    await context.close();
    const sorted = [...renders].sort((a, b) => a - b);
    log(`API reply -> results on screen: median ${ms(median(renders))}, max ${ms(sorted.at(-1)!)}`);
    const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
    return [
      `The built console (\`web/dist\`, Vite production build) served by an in-process \`stele serve\` with ${fmt(events)}`,
      "generated events (bench/gen.ts), driven in Debian's Chromium (headless) through playwright-core at 1366x768.",
      '',
      '| measurement | result | target |',
      '|---|---|---|',
      `| JavaScript, gzipped (all of assets/*.js, gzip -9) | **${kb(sizes.js)}** | ≤ 500 KB: ${verdict(sizes.js <= 500 * 1024)} |`,
      `| CSS, gzipped | ${kb(sizes.css)} | |`,
      `| First load, cold cache: navigation start to DOMContentLoaded (median of 5) | **${ms(median(loads.map((l) => l.dcl)))}** | ≤ 1 s: ${verdict(median(loads.map((l) => l.dcl)) <= 1000)} |`,
      `| First load: navigation start to the load event (median of 5) | ${ms(median(loads.map((l) => l.load)))} | ≤ 1 s: ${verdict(median(loads.map((l) => l.load)) <= 1000)} |`,
      `| First load: navigation start to the first results painted (median of 5; includes the search itself) | ${ms(median(loads.map((l) => l.results)))} | |`,
      `| API reply received -> ${PAGE_ROWS} result rows painted (median of ${runs.length} searches; max) | **${ms(median(renders))}** (max ${ms(sorted.at(-1)!)}) | ≤ 200 ms: ${verdict(sorted.at(-1)! <= 200)} |`,
    ].join('\n');
  } finally {
    await browser.close();
    await running.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const ON_SCREEN_COUNT = `performance.getEntriesByName('stele:results-on-screen').length`;

/** The search page's first page of results (web/src/pages/search.tsx PAGE). */
const PAGE_ROWS = 200;
