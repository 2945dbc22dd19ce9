// Writing and checking signed reports: builds the report (report-data.ts), renders it, writes FILE
// and FILE.sig; verifyReport checks the signature, the file's hash, and optionally that the log
// still contains the checkpoint the report was computed at (a consistency proof to today's root).

import fs from 'node:fs';
import path from 'node:path';
import { IntegrityError, SteleError, ValidationError } from '../core/errors.js';
import { openCheckpoint } from '../ledger/checkpoint.js';
import { LedgerService } from '../ledger/ledger-service.js';
import { verifyConsistency } from '../ledger/merkle.js';
import type { SignerKey, VerifierKey } from '../ledger/note.js';
import type { Store } from '../store/store.js';
import { buildReport, type ReportData, type ReportInput } from './report-data.js';
import { renderPdf } from './report-pdf.js';
import { renderCsv, renderHtml } from './report-render.js';
import { openReportSignature, sha256Hex, signReport, type ReportStatement } from './report-sign.js';

export type ReportFormat = 'html' | 'pdf' | 'csv';
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'pdf', 'csv'];

export interface WrittenReport {
  file: string;
  signature: string;
  format: ReportFormat;
  sha256: string;
  checkpoint: { size: number; root: string };
  data: ReportData;
}

export async function renderReport(data: ReportData, format: ReportFormat, now: number): Promise<Buffer> {
  if (format === 'html') return Buffer.from(renderHtml(data));
  if (format === 'csv') return Buffer.from(renderCsv(data));
  return renderPdf(data, new Date(now));
}

export function statementOf(data: ReportData, bytes: Uint8Array, typeLabel: string): ReportStatement {
  return {
    type: typeLabel,
    from: data.from,
    to: data.to,
    sha256: sha256Hex(bytes),
    origin: data.checkpoint.origin,
    size: data.checkpoint.size,
    root: data.checkpoint.root,
  };
}

/** Renders `data` in each format into `files` (same order), each with its signature beside it. */
export async function writeReports(
  data: ReportData,
  outputs: Array<{ file: string; format: ReportFormat }>,
  signer: SignerKey,
  now: number,
): Promise<WrittenReport[]> {
  const label = data.types.length > 1 ? 'all' : data.types[0]!;
  const written: WrittenReport[] = [];
  for (const { file, format } of outputs) {
    const bytes = await renderReport(data, format, now);
    const statement = statementOf(data, bytes, label);
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, bytes);
    fs.writeFileSync(`${file}.sig`, signReport(statement, signer));
    written.push({
      file,
      signature: `${file}.sig`,
      format,
      sha256: statement.sha256,
      checkpoint: { size: data.checkpoint.size, root: data.checkpoint.root },
      data,
    });
  }
  return written;
}

export async function generateReport(
  input: ReportInput,
  outputs: Array<{ file: string; format: ReportFormat }>,
  signer: SignerKey,
): Promise<WrittenReport[]> {
  const data = await buildReport(input);
  return writeReports(data, outputs, signer, input.clock.now());
}

export function formatOf(file: string, given?: string): ReportFormat {
  const format = (given ?? path.extname(file).slice(1)).toLowerCase();
  if (!(REPORT_FORMATS as readonly string[]).includes(format))
    throw new ValidationError(`--format must be html, pdf or csv (got '${format}')`);
  return format as ReportFormat;
}

export interface ReportVerification {
  ok: true;
  statement: ReportStatement;
  /** Set when checked against a log: the log's latest checkpoint extends the report's. */
  log?: { size: number; consistent: true };
}

/**
 * Checks FILE.sig's signature with `key`, that FILE's SHA-256 is the signed one, and with `log`
 * that the report's checkpoint is consistent with the log's latest signed checkpoint. Throws an
 * IntegrityError naming the first failure.
 */
export async function verifyReport(
  file: string,
  key: VerifierKey,
  options: { signatureFile?: string; log?: { store: Store; personalFields: readonly string[] } } = {},
): Promise<ReportVerification> {
  const sigFile = options.signatureFile ?? `${file}.sig`;
  const bytes = readFile(file, 'report');
  const note = readFile(sigFile, 'signature').toString('utf8');
  let statement: ReportStatement;
  try {
    statement = openReportSignature(note, key);
  } catch (err) {
    if (err instanceof IntegrityError)
      throw new IntegrityError(`${sigFile}: ${err.message} (not signed by the ledger key)`);
    throw err;
  }
  const actual = sha256Hex(bytes);
  if (actual !== statement.sha256) {
    throw new IntegrityError(
      `${file}: its SHA-256 is ${actual}, the signed one is ${statement.sha256}: the report was changed`,
    );
  }
  const result: ReportVerification = { ok: true, statement };
  if (options.log) result.log = await checkAgainstLog(statement, key, options.log);
  return result;
}

async function checkAgainstLog(
  s: ReportStatement,
  key: VerifierKey,
  log: { store: Store; personalFields: readonly string[] },
): Promise<{ size: number; consistent: true }> {
  const service = new LedgerService(log.store, log.personalFields);
  const latest = openCheckpoint((await service.latestCheckpoint()).note, [key]).checkpoint;
  if (latest.size < s.size)
    throw new IntegrityError(
      `the log has ${latest.size} entries, fewer than the ${s.size} the report was computed at (rolled back?)`,
    );
  const proof = await service.proveConsistency(s.size, latest.size);
  const result = verifyConsistency(
    s.size,
    latest.size,
    proof.hashes.map((h) => Buffer.from(h, 'base64')),
    Buffer.from(s.root, 'base64'),
    latest.rootHash,
  );
  if (!result.ok) {
    throw new IntegrityError(
      `the report's checkpoint (size ${s.size}) is not consistent with the log's latest (size ${latest.size}): ${result.reason}`,
    );
  }
  return { size: latest.size, consistent: true };
}

function readFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new SteleError('not_found', `cannot read the ${what} ${file}: ${(err as Error).message}`);
  }
}
