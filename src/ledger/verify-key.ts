// Where a verifier finds what it trusts: the ledger's verifier key (given as text, read from a
// file, or derived from the ledger's own key file) and the ledger's pinned personal-field list.

import fs from 'node:fs';
import path from 'node:path';
import { SteleError, ValidationError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import { DEFAULT_PERSONAL_FIELDS } from './commitment.js';
import { parseSignerKey, parseVerifierKey, type VerifierKey } from './note.js';

/** A verifier key given as `name+keyid+base64` text, or the path of a file holding one. */
export function readVerifierKey(spec: string): VerifierKey {
  const text = looksLikeKey(spec) ? spec : readKeyFile(spec);
  try {
    return parseVerifierKey(text.trim());
  } catch (err) {
    throw new ValidationError(`--key: ${(err as Error).message}`, { cause: err });
  }
}

/** The verifier key of the ledger whose private key file is `file` (never creates one). */
export function verifierKeyOfSignerFile(file: string): VerifierKey {
  if (!fs.existsSync(file)) {
    throw new SteleError(
      'not_found',
      `no ledger key at ${file}: pass --key VERIFIER_KEY (printed by stele keys ledger --public)`,
    );
  }
  const signer = parseSignerKey(fs.readFileSync(file, 'utf8').trim());
  return parseVerifierKey(signer.verifierKey);
}

/** The ledger's private key file (configured, or `<data>/ledger.key`). */
export function ledgerKeyFile(config: { data: string; ledger: { key_file?: string | undefined } }): string {
  return config.ledger.key_file ?? path.join(config.data, 'ledger.key');
}

/** The key given by the caller (`spec`: text or file) or else the one of the ledger's key file. */
export function trustedVerifierKey(spec: string | undefined, keyFile: string): VerifierKey {
  return spec !== undefined ? readVerifierKey(spec) : verifierKeyOfSignerFile(keyFile);
}

/** The personal-field list the ledger was created with (entries are hashed with it). */
export async function pinnedPersonalFields(store: Store): Promise<string[]> {
  const stored = await store.getMeta('personal_fields');
  if (stored === undefined) return [...DEFAULT_PERSONAL_FIELDS];
  const fields: unknown = JSON.parse(stored);
  if (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string')) {
    throw new SteleError('integrity', 'the stored personal-field list is not a list of field names');
  }
  return fields;
}

function looksLikeKey(spec: string): boolean {
  return /^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/.test(spec.trim()) && !fs.existsSync(spec);
}

function readKeyFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ValidationError(`--key: '${file}' is neither a verifier key nor a readable file`, {
      cause: err,
    });
  }
}
