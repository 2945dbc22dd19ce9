// A report's signature (FILE.sig): a C2SP signed note, by the ledger key, over a small statement
// naming the report file's SHA-256 and the checkpoint it was computed at. Its first line is not a
// log origin, so the note can never be taken for a checkpoint (and a checkpoint never for it).

import { createHash } from 'node:crypto';
import { IntegrityError, ValidationError } from '../core/errors.js';
import { openNote, signNote, type SignerKey, type VerifierKey } from '../ledger/note.js';

export const STATEMENT_HEADER = 'stele-report/v1';

export interface ReportStatement {
  type: string;
  from: string;
  to: string;
  /** Hex SHA-256 of the report file. */
  sha256: string;
  origin: string;
  size: number;
  /** Base64 root hash at `size`. */
  root: string;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function formatStatement(s: ReportStatement): string {
  return [
    STATEMENT_HEADER,
    `type ${s.type}`,
    `period ${s.from} ${s.to}`,
    `sha256 ${s.sha256}`,
    `checkpoint ${s.origin} ${s.size} ${s.root}`,
    '',
  ].join('\n');
}

export function signReport(statement: ReportStatement, signer: SignerKey): string {
  return signNote(formatStatement(statement), signer);
}

/** Verifies the note's signature with `key` and returns its statement. */
export function openReportSignature(note: string, key: VerifierKey): ReportStatement {
  const opened = openNote(note, [key]);
  const lines = opened.text.split('\n');
  const field = (i: number, name: string): string[] => {
    const parts = (lines[i] ?? '').split(' ');
    if (parts[0] !== name) throw new ValidationError(`report signature: line ${i + 1} is not '${name} ...'`);
    return parts.slice(1);
  };
  if (lines[0] !== STATEMENT_HEADER)
    throw new ValidationError('report signature: not a stele-report/v1 statement');
  const [type] = field(1, 'type');
  const [from, to] = field(2, 'period');
  const [sha256] = field(3, 'sha256');
  const [origin, size, root] = field(4, 'checkpoint');
  if (!type || !from || !to || !sha256 || !origin || !size || !root || !/^\d+$/.test(size))
    throw new ValidationError('report signature: the statement is incomplete');
  if (origin !== key.name)
    throw new IntegrityError(`report signature: the checkpoint is of log '${origin}', not '${key.name}'`);
  return { type, from, to, sha256, origin, size: Number(size), root };
}
