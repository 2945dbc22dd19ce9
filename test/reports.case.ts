// Compliance reports from fixture data (OpenSSH, Kubernetes audit, CloudTrail): each section's
// numbers equal direct store counts written independently here; the PDF renders to non-blank pages
// (pdftoppm); the signature verifies and any change to the report fails verify-report. Run on every
// database (reports.test.ts).

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildReport, type ReportData, type ReportSection } from '../src/compliance/report-data.js';
import { verifyReport, writeReports } from '../src/compliance/reports.js';
import { REPORT_TYPES } from '../src/compliance/report-sections.js';
import { parseSignerKey, parseVerifierKey } from '../src/ledger/note.js';
import { createParser } from '../src/parsers/index.js';
import type { Predicate } from '../src/query/plan.js';
import type { Store } from '../src/store/store.js';
import type { BackendKind, TestBackend } from './helpers/backends.js';
import { BIN, ROOT } from './helpers/child.js';
import { startTestServer, tempDir, type TestServer } from './helpers/server.js';

const FIXTURES = path.join(ROOT, 'test', 'fixtures');
const FROM = '2000-01-01T00:00:00Z';
const TO = '2030-01-01T00:00:00Z';

function parse(format: string, lines: string[]): object[] {
  const parser = createParser(format, {
    now: Date.parse('2024-06-01T00:00:00Z'),
    timezone: 'UTC',
    keepOriginal: true,
  });
  const out: object[] = [];
  const take = (rs: ReturnType<typeof parser.end>) => {
    for (const r of rs) if ('event' in r) out.push(r.event);
  };
  lines.forEach((line, i) => take(parser.push(line, i + 1)));
  take(parser.end());
  return out;
}

function fixtureEvents(): object[] {
  const ssh = parse(
    'linux-auth',
    fs.readFileSync(path.join(FIXTURES, 'loghub_openssh/OpenSSH_2k.log'), 'utf8').split('\n'),
  );
  const dir = path.join(FIXTURES, 'k8s_audit/events');
  const k8s = fs
    .readdirSync(dir)
    .flatMap((f) => parse('k8s-audit', fs.readFileSync(path.join(dir, f), 'utf8').split('\n')));
  const trail = fs
    .readFileSync(path.join(FIXTURES, 'panther/aws_cloudtrail_logs.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.stringify((JSON.parse(l) as { log: unknown }).log));
  return [...ssh, ...k8s, ...parse('cloudtrail', trail)];
}

const eq = (field: string, value: string): Predicate => ({ kind: 'eq', field, value });
const and = (...items: Predicate[]): Predicate => ({ kind: 'and', items });
const or = (...items: Predicate[]): Predicate => ({ kind: 'or', items });

function fact(section: ReportSection | undefined, name: string): unknown {
  return section?.facts.find(([k]) => k === name)?.[1];
}

/** Reads a binary PGM (P5) written by pdftoppm -gray: width, height and the pixels. */
function readPgm(file: string): { width: number; height: number; pixels: Buffer } {
  const bytes = fs.readFileSync(file);
  const header = bytes.subarray(0, 64).toString('latin1');
  const m = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(header)!;
  return { width: Number(m[1]), height: Number(m[2]), pixels: bytes.subarray(m[0].length) };
}

export function runReportsSuite(kind: BackendKind): void {
  let backend: TestBackend;
  let srv: TestServer;
  let store: Store;
  let data: ReportData;
  const out = tempDir('stele-reports-');
  let total = 0;

  beforeAll(async () => {
    backend = await kind.create();
    srv = await startTestServer({ ...backend.target });
    const events = fixtureEvents();
    const res = await srv.post(JSON.stringify(events));
    const reply = (await res.json()) as { accepted: unknown[] };
    total = reply.accepted.length;
    expect(total).toBeGreaterThan(2000);
    await srv.stop(); // a checkpoint covering everything is signed at shutdown
    store = await backend.openStore({ readonly: true });
    const signer = parseSignerKey(fs.readFileSync(path.join(srv.dataDir, 'ledger.key'), 'utf8').trim());
    data = await buildReport({
      store,
      types: [...REPORT_TYPES],
      from: FROM,
      to: TO,
      clock: { now: () => Date.parse('2026-11-25T12:00:00Z') },
      config: srv.config,
      verifierKey: parseVerifierKey(signer.verifierKey),
      personalFields: JSON.parse((await store.getMeta('personal_fields'))!) as string[],
    });
    await writeReports(
      data,
      (['html', 'pdf', 'csv'] as const).map((format) => ({
        file: path.join(out, `report.${format}`),
        format,
      })),
      signer,
      Date.now(),
    );
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await srv.close();
    await backend.dispose();
    fs.rmSync(out, { recursive: true, force: true });
  });

  const section = (type: string) => data.sections.find((s) => s.type === type);
  const count = (p: Predicate) => store.count(store.compileFilter(p), Date.parse(FROM), Date.parse(TO));

  it('is computed at the checkpoint covering every event', async () => {
    const cp = (await store.latestCheckpoint())!;
    expect(data.checkpoint.size).toBe(cp.size);
    expect(data.checkpoint.size).toBe(total);
    expect(data.checkpoint.root).toBe(cp.rootHash.toString('base64'));
  });

  it('counts failed access as a direct query does', async () => {
    const failed = and(eq('event.outcome', 'failure'), eq('event.category', 'authentication'));
    const expected = await count(failed);
    expect(expected).toBeGreaterThan(1000); // the OpenSSH sample is mostly a brute force
    expect(fact(section('failed-access'), 'Events')).toBe(expected);
    const byUser = section('failed-access')!.tables[0]!;
    const root = byUser.rows.find((r) => r[0] === 'root')!;
    expect(root[1]).toBe(await count(and(failed, eq('user.name', 'root'))));
  });

  it('counts access, privileged actions and account changes as direct queries do', async () => {
    const logins = and(
      eq('event.outcome', 'success'),
      or(
        ...[
          'ssh.login',
          'cloud.console_login',
          'cloud.root_login',
          'cloud.assume_role',
          'k8s.exec',
          'k8s.attach',
          'k8s.portforward',
        ].map((a) => eq('event.action', a)),
      ),
    );
    expect(fact(section('access-review'), 'Events')).toBe(await count(logins));
    const k8sRbac = await count(
      or(
        {
          kind: 'wildcard',
          field: 'event.action',
          pattern: { parts: [{ kind: 'text', text: 'k8s.clusterrolebinding.' }, { kind: 'any' }] },
        } as unknown as Predicate,
        eq('user.name', 'root'),
      ),
    );
    expect(Number(fact(section('privileged'), 'Events'))).toBeGreaterThanOrEqual(k8sRbac);
    expect(fact(section('accounts'), 'Events')).toBe(await count(eq('event.category', 'iam')));
    const rootLogins = await count(eq('event.action', 'cloud.root_login'));
    expect(rootLogins).toBe(2);
    const privByKind = section('privileged')!.tables[1]!.rows;
    expect(privByKind.filter((r) => r[0] === 'cloud.root_login').reduce((n, r) => n + Number(r[2]), 0)).toBe(
      rootLogins,
    );
  });

  it('reports the verified integrity of the ledger and names its controls', () => {
    const integrity = section('integrity');
    expect(fact(integrity, 'Ledger verification')).toBe('PASSED');
    expect(fact(integrity, 'Entries recomputed')).toBe(total);
    expect(section('access-review')!.controls).toEqual(
      expect.arrayContaining(['SOC 2 CC6.1', 'PCI DSS 10.2.1.1']),
    );
    expect(integrity!.controls).toEqual(expect.arrayContaining(['PCI DSS 10.3', 'PCI DSS 10.5']));
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('ISO 27001 A.8.16');
    expect(html).toContain(data.checkpoint.root);
    const csv = fs.readFileSync(path.join(out, 'report.csv'), 'utf8');
    expect(csv).toContain(`failed-access,facts,Events,${String(fact(section('failed-access'), 'Events'))}`);
    // No CSV cell starts a formula.
    for (const line of csv.split('\r\n'))
      for (const cell of line.split(',')) expect(cell).not.toMatch(/^[=+\-@]/);
  });

  it('renders the PDF to non-blank pages', () => {
    const pdf = path.join(out, 'report.pdf');
    expect(fs.readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const which = spawnSync('pdftoppm', ['-v']);
    if (which.error) throw new Error('pdftoppm is missing: apt-get install poppler-utils');
    execFileSync('pdftoppm', ['-r', '40', '-gray', pdf, path.join(out, 'page')]);
    const pages = fs.readdirSync(out).filter((f) => f.startsWith('page') && f.endsWith('.pgm'));
    expect(pages.length).toBeGreaterThanOrEqual(2);
    for (const page of pages) {
      const { width, height, pixels } = readPgm(path.join(out, page));
      expect(width * height).toBeGreaterThan(10_000);
      const ink = pixels.filter((p) => p < 128).length;
      expect(ink, `${page} is blank`).toBeGreaterThan(0);
    }
  });

  it('is signed: verify-report accepts it, and rejects any change', async () => {
    const key = parseVerifierKey(
      parseSignerKey(fs.readFileSync(path.join(srv.dataDir, 'ledger.key'), 'utf8').trim()).verifierKey,
    );
    const fields = JSON.parse((await store.getMeta('personal_fields'))!) as string[];
    for (const f of ['html', 'pdf', 'csv']) {
      const ok = await verifyReport(path.join(out, `report.${f}`), key, {
        log: { store, personalFields: fields },
      });
      expect(ok.statement).toMatchObject({ type: 'all', size: total, root: data.checkpoint.root });
      expect(ok.log?.consistent).toBe(true);
    }
    const html = path.join(out, 'report.html');
    const tampered = path.join(out, 'tampered.html');
    fs.writeFileSync(
      tampered,
      fs.readFileSync(html, 'utf8').replace(/<td class="n">(\d+)<\/td>/, '<td class="n">1$1</td>'),
    );
    fs.copyFileSync(`${html}.sig`, `${tampered}.sig`);
    await expect(verifyReport(tampered, key)).rejects.toThrow(/SHA-256.*changed/);
    // A signature by another key fails too.
    const forged = path.join(out, 'forged.sig');
    const sig = fs.readFileSync(`${html}.sig`, 'utf8');
    fs.writeFileSync(
      forged,
      sig.replace(
        / (\S+)\n$/,
        (_m, b64: string) => ` ${b64.slice(0, 10)}${b64[10] === 'A' ? 'B' : 'A'}${b64.slice(11)}\n`,
      ),
    );
    await expect(verifyReport(html, key, { signatureFile: forged })).rejects.toThrow(/signature/);
    if (fs.existsSync(path.join(ROOT, 'dist/src/cli/main.js'))) {
      const good = spawnSync(process.execPath, [BIN, 'verify-report', html, ...backend.flags], {
        encoding: 'utf8',
      });
      expect(good.status, good.stderr).toBe(0);
      expect(good.stdout).toContain('signature valid');
      const bad = spawnSync(process.execPath, [BIN, 'verify-report', tampered, ...backend.flags], {
        encoding: 'utf8',
      });
      expect(bad.status).toBe(3);
    }
  });

  it.runIf(process.env.STELE_TEST_REPORT_SCREENSHOTS === '1')(
    'writes the screenshots in docs/screenshots',
    () => {
      const shots = path.join(ROOT, 'docs', 'screenshots');
      execFileSync('pdftoppm', [
        '-r',
        '70',
        '-png',
        '-f',
        '1',
        '-l',
        '2',
        path.join(out, 'report.pdf'),
        path.join(shots, 'report-pdf-page'),
      ]);
      execFileSync(
        '/usr/bin/chromium',
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--hide-scrollbars',
          '--window-size=1100,1500',
          `--screenshot=${path.join(shots, 'report-html.png')}`,
          `file://${path.join(out, 'report.html')}`,
        ],
        { stdio: 'ignore' },
      );
    },
  );
}
