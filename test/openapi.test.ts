// DESIGN.md: the JSON API under /v1 is described by an OpenAPI document at /v1/openapi.json. Every
// route the server registers must be in it, with its method.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/child.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.close();
});

/** The `router.on('METHOD', '/v1/...'` registrations of src/server/routes, as "METHOD /path". */
function registeredApiRoutes(): string[] {
  const dir = path.join(ROOT, 'src', 'server', 'routes');
  const found: string[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const source = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const m of source.matchAll(/router\.on\(\s*'([A-Z]+)',\s*'(\/v1\/[^']*)'/g)) {
      found.push(`${m[1]} ${m[2]}`);
    }
  }
  return found.sort();
}

describe('GET /v1/openapi.json', () => {
  it('is JSON served without a key and describes every /v1 route the server registers', async () => {
    const res = await fetch(`${srv.url}/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    const routes = registeredApiRoutes().filter((r) => r !== 'GET /v1/openapi.json');
    expect(routes.length).toBeGreaterThan(20);
    const described = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${p}`),
    );
    expect(routes.filter((r) => !described.includes(r))).toEqual([]);
  });
});
