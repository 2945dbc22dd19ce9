// The layout of an evidence bundle: its files and their JSON shapes (docs/ledger.md "Evidence
// bundles"). Shared by the writer (evidence.ts) and the offline checker (evidence-verify.ts).

import { createHash } from 'node:crypto';
import { getPath } from './field-path.js';

export const BUNDLE_FORMAT = 'stele-evidence/1';

export const BUNDLE_FILES = {
  events: 'events.ndjson',
  entries: 'entries.ndjson',
  proofs: 'proofs.json',
  checkpoint: 'checkpoint',
  key: 'verifier-key',
  readme: 'README.md',
  manifest: 'manifest.json',
} as const;

/** The files whose SHA-256 the manifest lists (all but the manifest itself). */
export const HASHED_FILES = [
  BUNDLE_FILES.events,
  BUNDLE_FILES.entries,
  BUNDLE_FILES.proofs,
  BUNDLE_FILES.checkpoint,
  BUNDLE_FILES.key,
  BUNDLE_FILES.readme,
] as const;

/** One line of entries.ndjson: the entry bytes of an event and the salts of its personal values. */
export interface EntryLine {
  index: number;
  /** base64 of the RFC 8785 entry bytes. */
  entry: string;
  /** Field name -> base64 of its 32-byte salt, for every personal value present in the event. */
  salts: Record<string, string>;
  /** Field name -> commitment, for values erased at a person's request (they read "[erased]"). */
  erased?: Record<string, string>;
}

/** proofs.json: one RFC 9162 inclusion proof per event, all against the bundled checkpoint. */
export interface ProofsFile {
  treeSize: number;
  proofs: Array<{ index: number; leafHash: string; hashes: string[] }>;
}

export interface Manifest {
  format: typeof BUNDLE_FORMAT;
  origin: string;
  treeSize: number;
  events: number;
  query: string;
  created: string;
  /** The ledger's personal-field list: the fields committed instead of stored in an entry. */
  personalFields: string[];
  /** Lowercase hex SHA-256 of each file (catches accidental changes; only the checkpoint is signed). */
  sha256: Record<string, string>;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The value an entry commits for `field`: at its dotted path, or under a top-level key spelled with
 * dots (buildEntry commits both forms). Null and absent values are not committed.
 */
export function committedValues(event: object, field: string): unknown[] {
  const values: unknown[] = [];
  const nested = getPath(event, field);
  if (nested !== undefined && nested !== null) values.push(nested);
  if (field.includes('.') && Object.hasOwn(event, field)) {
    const flat = (event as Record<string, unknown>)[field];
    if (flat !== undefined && flat !== null) values.push(flat);
  }
  return values;
}
