// The web console: the built single-page app (web/dist) at /, its hashed assets under /assets/,
// and index.html for the console's own page paths. Registered after every API route, and only on
// paths the API does not use, so it never shadows /v1, /healthz or /metrics.

import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SteleError } from '../../core/errors.js';
import type { Router } from '../http.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** Client-side pages: a reload or a shared link on one of these gets the app. */
export const CONSOLE_PAGES = ['search', 'event', 'timeline', 'dashboard', 'alerts', 'ledger', 'login'];

const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** web/dist beside the package.json above this file: the same from src/ (tsx) and dist/src/ (built). */
export function consoleDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return path.join(dir, 'web', 'dist');
}

export function registerConsoleRoutes(router: Router, root: string = consoleDir()): void {
  const assets = path.join(root, 'assets');
  const index = (res: ServerResponse) => sendFile(res, path.join(root, 'index.html'), 'no-cache');
  router.on('GET', '/', null, async ({ res }) => index(res));
  router.on('GET', '/index.html', null, async ({ res }) => index(res));
  for (const page of CONSOLE_PAGES) router.on('GET', `/${page}`, null, async ({ res }) => index(res));
  router.on('GET', '/assets/{file}', null, async ({ res, params }) => {
    const name = params.file!;
    // One plain file name: no separators, no leading dot, so nothing outside assets/ is reachable.
    if (!ASSET_NAME.test(name) || name.includes('..')) throw new SteleError('not_found', 'no such asset');
    const file = path.join(assets, name);
    if (path.dirname(file) !== assets) throw new SteleError('not_found', 'no such asset');
    // File names carry a content hash: they never change, so browsers may keep them for a year.
    await sendFile(res, file, 'public, max-age=31536000, immutable');
  });
}

async function sendFile(res: ServerResponse, file: string, cacheControl: string): Promise<void> {
  let body: Buffer;
  try {
    body = await fs.promises.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (path.basename(file) === 'index.html')
      throw new SteleError('unavailable', 'the console is not built: run npm run build:web');
    if (code === 'ENOENT' || code === 'EISDIR') throw new SteleError('not_found', 'no such asset');
    throw err;
  }
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    'cache-control': cacheControl,
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}
