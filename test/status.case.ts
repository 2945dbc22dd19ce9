// The scheduled verification inside `stele serve`: its result is recorded in the ledger as a
// stele.verify event and shown by GET /v1/status with the witnesses' state; a failed verification
// raises the built-in "Stele ledger verification failed" alert. Run on every database (status.test.ts);
// on PostgreSQL the sequencer runs the schedule.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BackendKind, TestBackend } from './helpers/backends.js';
import { sampleEvent, startTestServer, tempDir, type TestServer } from './helpers/server.js';

export function runStatusSuite(kind: BackendKind): void {
  let backend: TestBackend;
  let srv: TestServer;
  const witnessDir = tempDir('stele-witness-');
  const witnessFile = path.join(witnessDir, 'checkpoint');

  beforeAll(async () => {
    backend = await kind.create();
    srv = await startTestServer({
      ...backend.target,
      ledger: { checkpoint_interval_ms: 200, witnesses: [{ type: 'file', path: witnessFile }] },
    });
    const res = await srv.post(JSON.stringify(Array.from({ length: 20 }, () => sampleEvent())));
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 600)); // a checkpoint, and its witness copy
  });
  afterAll(async () => {
    await srv.close();
    await backend.dispose();
    fs.rmSync(witnessDir, { recursive: true, force: true });
  });

  const status = async () => (await (await srv.get('/v1/status')).json()) as Record<string, any>;

  it('reports the witnesses and no verification before the first run', async () => {
    const s = await status();
    expect(s.ledger.size).toBe(20);
    expect(s.verification).toBeNull();
    expect(s.witnesses).toEqual([
      expect.objectContaining({ witness: witnessFile, type: 'file', last_size: 20, last_error: null }),
    ]);
    expect(fs.readFileSync(witnessFile, 'utf8')).toContain('\n20\n');
  });

  it('records a passing verification in the ledger and in the status', async () => {
    const report = await srv.running.verifyNow!();
    expect(report.ok).toBe(true);
    const s = await status();
    expect(s.verification).toMatchObject({ ok: true, size: 20, verified: 20 });
    await new Promise((r) => setTimeout(r, 300));
    const recorded = (await (await srv.get('/v1/events?q=event.action:stele.verify')).json()) as {
      events: any[];
    };
    expect(recorded.events).toHaveLength(1);
    expect(recorded.events[0].event.outcome).toBe('success');
  });

  it('records a failed verification and raises the built-in alert', async () => {
    await backend.exec("UPDATE events SET body = replace(body, 'Accepted', 'Rejected') WHERE seq = 7");
    const report = await srv.running.verifyNow!();
    expect(report.ok).toBe(false);
    expect(report.firstBadIndex).toBe(7);
    const s = await status();
    expect(s.verification).toMatchObject({ ok: false, first_bad_index: 7 });
    const deadline = Date.now() + 10_000;
    let titles: string[] = [];
    while (Date.now() < deadline) {
      const alerts = (await (await srv.get('/v1/alerts')).json()) as {
        alerts: Array<{ rule: { title: string } }>;
      };
      titles = alerts.alerts.map((a) => a.rule.title);
      if (titles.includes('Stele ledger verification failed')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(titles).toContain('Stele ledger verification failed');
  });
}
