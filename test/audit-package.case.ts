// The auditor package: signed reports in three formats, an evidence bundle that verify-bundle
// accepts, the verifier key and a README; the package's reports verify with that key. Run on every
// database (audit-package.test.ts).

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAuditPackage } from '../src/compliance/audit-package.js';
import { verifyReport } from '../src/compliance/reports.js';
import { verifyBundle } from '../src/ledger/evidence.js';
import { parseSignerKey, parseVerifierKey } from '../src/ledger/note.js';
import type { BackendKind, TestBackend } from './helpers/backends.js';
import { sampleEvent, startTestServer, tempDir, type TestServer } from './helpers/server.js';

export function runAuditPackageSuite(kind: BackendKind): void {
  let backend: TestBackend;
  let srv: TestServer;
  const out = path.join(tempDir('stele-pkg-'), 'package');
  beforeAll(async () => {
    backend = await kind.create();
    srv = await startTestServer({ ...backend.target });
    await srv.post(
      JSON.stringify([
        sampleEvent(),
        sampleEvent({
          event: {
            action: 'ssh.login',
            outcome: 'failure',
            category: 'authentication',
            dataset: 'linux.auth',
          },
          user: { name: 'mallory' },
        }),
        sampleEvent({
          event: { action: 'sudo.exec', outcome: 'success', dataset: 'linux.auth' },
          user: { name: 'alice', effective: { name: 'root' } },
        }),
        sampleEvent({
          event: { action: 'db.query', outcome: 'success', dataset: 'postgresql' },
          user: { name: 'app' },
        }),
      ]),
    );
    await srv.stop();
  });
  afterAll(async () => {
    await srv.close();
    await backend.dispose();
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });

  it('holds verifiable reports, evidence of the events behind them, the key and instructions', async () => {
    const signer = parseSignerKey(fs.readFileSync(path.join(srv.dataDir, 'ledger.key'), 'utf8').trim());
    const key = parseVerifierKey(signer.verifierKey);
    const store = await backend.openStore({ readonly: true });
    try {
      const summary = await createAuditPackage({
        dir: out,
        store,
        from: '2026-01-01T00:00:00Z',
        to: '2027-01-01T00:00:00Z',
        clock: { now: () => Date.now() },
        config: srv.config,
        verifierKey: key,
        personalFields: JSON.parse((await store.getMeta('personal_fields'))!) as string[],
        signer,
      });
      // The login, the failed login and the sudo are behind the reports; the database query is not.
      expect(summary.evidence.events).toBe(3);
    } finally {
      await store.close();
    }
    expect(fs.readdirSync(out).sort()).toEqual(['README.md', 'evidence', 'reports', 'verifier-key']);
    for (const f of ['html', 'pdf', 'csv']) await verifyReport(path.join(out, 'reports', `report.${f}`), key);
    const bundle = await verifyBundle(path.join(out, 'evidence'), { key });
    expect(bundle.ok).toBe(true);
    expect(fs.readFileSync(path.join(out, 'verifier-key'), 'utf8').trim()).toBe(signer.verifierKey);
    const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(readme).toContain('stele verify-report reports/report.pdf --key VERIFIER_KEY');
    expect(readme).toContain('stele verify-bundle evidence --key VERIFIER_KEY');
  });
}
