// Subject access (GDPR art. 15) and pseudonymization at ingest: the export holds every event where
// the person is actor, effective or target user, or in related.user, and nobody else's; its CSV never
// starts a formula; the API needs admin and records the export. Pseudonymized fields become stable
// keyed tokens, so the same person is still found and correlated. Run on every database
// (subject-access.test.ts).

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSubjectAccess, type SubjectAccessResult } from '../src/compliance/subject-access.js';
import { createPseudonymizer } from '../src/compliance/pseudonymize.js';
import type { BackendKind, TestBackend } from './helpers/backends.js';
import { sampleEvent, startTestServer, tempDir, type TestServer } from './helpers/server.js';

type Json = Record<string, any>;

export function runSubjectAccessSuite(kind: BackendKind): void {
  describe('subject access', () => {
    let backend: TestBackend;
    let srv: TestServer;
    beforeAll(async () => {
      backend = await kind.create();
      srv = await startTestServer({ ...backend.target });
      const res = await srv.post(
        JSON.stringify([
          sampleEvent({ user: { name: 'dana' }, message: '=HYPERLINK("http://evil")' }),
          sampleEvent({
            event: { action: 'sudo.exec', outcome: 'success' },
            user: { name: 'erin', effective: { name: 'dana' } },
          }),
          sampleEvent({
            event: { action: 'user.create', outcome: 'success', category: 'iam' },
            user: { name: 'root', target: { name: 'dana' } },
          }),
          sampleEvent({ user: { name: 'frank' }, related: { user: ['frank', 'dana'] } }),
          sampleEvent({ user: { name: 'frank' }, message: 'Accepted publickey for frank' }),
        ]),
      );
      expect(res.status).toBe(200);
    });
    afterAll(async () => {
      await srv.close();
      await backend.dispose();
    });

    it('exports every event about the person, as JSON and formula-safe CSV, with a summary', async () => {
      const res = await srv.get('/v1/subject-access?user=dana');
      expect(res.status).toBe(200);
      const result = (await res.json()) as SubjectAccessResult;
      expect(result.summary).toMatchObject({
        user: 'dana',
        events: 4,
        roles: { actor: 1, effective: 1, target: 1, related: 1 },
      });
      expect(result.events.map((e) => e.user?.name).sort()).toEqual(['dana', 'erin', 'frank', 'root']);
      const dir = path.join(tempDir('stele-sar-'), 'out');
      writeSubjectAccess(dir, result);
      expect(fs.readdirSync(dir).sort()).toEqual(['README.md', 'events.csv', 'events.json', 'summary.json']);
      const csv = fs.readFileSync(path.join(dir, 'events.csv'), 'utf8');
      expect(csv.split('\r\n').filter(Boolean)).toHaveLength(5);
      expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
      expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
      const csvRes = await srv.get('/v1/subject-access?user=dana&format=csv');
      expect(await csvRes.text()).toBe(csv);
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    });

    it('needs admin and is recorded in the ledger', async () => {
      const { createApiKey } = await import('../src/auth/api-keys.js');
      const store = await backend.openStore();
      const { token } = await createApiKey(store, {
        name: 'reader',
        scopes: ['read'],
        clock: { now: () => Date.now() },
      });
      await store.close();
      expect((await srv.get('/v1/subject-access?user=dana', token)).status).toBe(403);
      const records = (await (await srv.get('/v1/events?q=event.action:stele.subject_access')).json()) as {
        events: Json[];
      };
      expect(records.events.length).toBeGreaterThanOrEqual(1);
      expect(records.events[0]!.labels.by).toBe('admin');
    });
  });

  describe('pseudonymization at ingest', () => {
    let backend: TestBackend;
    let srv: TestServer;
    const keyDir = tempDir('stele-pseud-');
    const keyFile = path.join(keyDir, 'pseud.key');
    beforeAll(async () => {
      fs.writeFileSync(keyFile, 'ab'.repeat(32));
      backend = await kind.create();
      srv = await startTestServer({
        ...backend.target,
        pseudonymize: { fields: ['user.name', 'related.user'], key_file: keyFile },
      });
    });
    afterAll(async () => {
      await srv.close();
      await backend.dispose();
      fs.rmSync(keyDir, { recursive: true, force: true });
    });

    it('stores stable keyed tokens instead of the values, so search and correlation still work', async () => {
      const res = await srv.post(
        JSON.stringify([
          sampleEvent({ user: { name: 'gina' }, related: { user: ['gina'] } }),
          sampleEvent({ user: { name: 'gina' } }),
          sampleEvent({ user: { name: 'hank' } }),
        ]),
      );
      expect(res.status).toBe(200);
      const token = createPseudonymizer(Buffer.from('ab'.repeat(32), 'hex'), []).token('gina') as string;
      expect(token).toMatch(/^pseud:[A-Za-z0-9_-]{22}$/);
      const all = (await (await srv.get('/v1/events?q=dataset:linux.auth')).json()) as { events: Json[] };
      expect(JSON.stringify(all.events)).not.toContain('"gina"');
      const found = (await (
        await srv.get(`/v1/events?q=${encodeURIComponent(`user.name:"${token}"`)}`)
      ).json()) as { events: Json[] };
      expect(found.events).toHaveLength(2);
      expect(found.events.some((e) => e.related?.user?.[0] === token)).toBe(true);
      // Another key gives other tokens: without the key a token cannot be checked against a guess.
      expect(createPseudonymizer(Buffer.alloc(32, 1), []).token('gina')).not.toBe(token);
    });
  });
}
