// The auditor package (docs/compliance.md): one directory with the signed reports (HTML, PDF, CSV),
// an evidence bundle of the events behind them (ledger/evidence.ts, checked with stele verify-bundle),
// the ledger's verifier key, and a README telling the auditor, in plain language, how to check it all.

import fs from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../core/errors.js';
import { exportEvidence, type ExportSummary } from '../ledger/evidence.js';
import type { SignerKey } from '../ledger/note.js';
import { buildReport, type ReportInput } from './report-data.js';
import { REPORT_TYPES, SECTIONS } from './report-sections.js';
import { writeReports, type WrittenReport } from './reports.js';

export interface AuditPackageOptions extends Omit<ReportInput, 'types'> {
  dir: string;
  /** Query for the evidence bundle; default: the events every report section counts. */
  query?: string;
  signer: SignerKey;
  /** Most events in the evidence bundle. */
  limit?: number;
}

export interface AuditPackageSummary {
  dir: string;
  reports: Array<{ file: string; sha256: string }>;
  evidence: ExportSummary;
  checkpoint: { size: number; root: string };
}

/** The events behind the reports: the union of the sections' queries. */
export function reportsQuery(): string {
  return REPORT_TYPES.flatMap((t) =>
    SECTIONS[t].query === undefined ? [] : [`(${SECTIONS[t].query})`],
  ).join(' OR ');
}

export async function createAuditPackage(o: AuditPackageOptions): Promise<AuditPackageSummary> {
  if (fs.existsSync(o.dir) && fs.readdirSync(o.dir).length > 0)
    throw new ValidationError(`--out: ${o.dir} is not empty; give a new directory`);
  fs.mkdirSync(path.join(o.dir, 'reports'), { recursive: true });
  const data = await buildReport({ ...o, types: [...REPORT_TYPES] });
  const now = o.clock.now();
  const reports: WrittenReport[] = await writeReports(
    data,
    (['html', 'pdf', 'csv'] as const).map((format) => ({
      file: path.join(o.dir, 'reports', `report.${format}`),
      format,
    })),
    o.signer,
    now,
  );
  const query = o.query ?? reportsQuery();
  const evidence = await exportEvidence(o.store, {
    dir: path.join(o.dir, 'evidence'),
    query,
    from: data.from,
    to: data.to,
    verifierKey: o.verifierKey,
    personalFields: o.personalFields,
    clock: o.clock,
    ...(o.limit === undefined ? {} : { limit: o.limit }),
  });
  fs.writeFileSync(path.join(o.dir, 'verifier-key'), o.verifierKey.text + '\n');
  fs.writeFileSync(
    path.join(o.dir, 'README.md'),
    packageReadme(data.from, data.to, data.checkpoint, evidence, query),
  );
  return {
    dir: o.dir,
    reports: reports.map((r) => ({ file: r.file, sha256: r.sha256 })),
    evidence,
    checkpoint: { size: data.checkpoint.size, root: data.checkpoint.root },
  };
}

function packageReadme(
  from: string,
  to: string,
  cp: { origin: string; size: number; root: string },
  evidence: ExportSummary,
  query: string,
): string {
  return `# Audit package: ${from} to ${to}

Produced by Stele, a tamper-evident audit log. Everything here can be checked without trusting the
system that produced it, with the \`stele\` command (\`npx stele\` in a Stele checkout) and the
ledger's **verifier key**, which you should obtain from the operator through a channel other than
this package (and compare with \`verifier-key\` here).

| path | what it is |
| --- | --- |
| \`reports/report.html\`, \`.pdf\`, \`.csv\` | the compliance report in three formats, each section naming the controls it serves |
| \`reports/*.sig\` | a signature by the ledger key over the report file's SHA-256 and the ledger checkpoint it was computed at |
| \`evidence/\` | an evidence bundle: ${evidence.events} events behind the reports, their ledger entries, inclusion proofs and the signed checkpoint (its own README explains each file) |
| \`verifier-key\` | the ledger's public key, as shipped by the operator |

The reports were computed at the checkpoint of log \`${cp.origin}\` with **${cp.size}** entries and root hash
\`${cp.root}\`. Every number in them counts only events with a ledger index below ${cp.size}.

## How to check

1. **The reports are authentic and unchanged.** For each format:

       stele verify-report reports/report.pdf --key VERIFIER_KEY

   It checks the signature in \`report.pdf.sig\` with the key and that the file's SHA-256 is the signed
   one. Any change to the file, or a signature by another key, fails (exit 3).

2. **The events behind them are in the ledger.**

       stele verify-bundle evidence --key VERIFIER_KEY

   It checks that each event of \`evidence/events.ndjson\` is exactly the ledger entry whose inclusion
   proof leads to the signed checkpoint, so none was altered, added or left out of the tree.
   The bundle selects the events of the period matching:

       ${query}

3. **The ledger has not been rewritten since.** With access to the server (a read key) or to a copy of
   its data directory:

       stele verify-report reports/report.pdf --key VERIFIER_KEY --server URL --token TOKEN
       stele verify-report reports/report.pdf --key VERIFIER_KEY --data DIR

   This proves (RFC 9162 consistency proof) that today's log extends the checkpoint the report was
   computed at. Keep \`evidence/checkpoint\`: any later checkpoint must extend it.

4. **Spot-check the numbers.** Each report section prints the query it counts; \`stele query 'QUERY'
   --count --from ${from} --to ${to}\` on the server gives the same numbers for events up to index ${cp.size}
   (events past their retention period are no longer held and are counted by neither).
`;
}
