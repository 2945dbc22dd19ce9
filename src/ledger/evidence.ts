// Evidence bundles (DESIGN.md "The ledger"): the events a query selects, with their ledger entries,
// the salts of their personal values (never the seed they come from), inclusion proofs against one
// signed checkpoint, the verifier key and a README, in a directory an auditor checks offline with
// verifyBundle (`stele verify-bundle`). Everything is checked here before it is written.

import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import type { StoredEvent } from '../core/event.js';
import { IntegrityError, SteleError, ValidationError } from '../core/errors.js';
import { SearchService } from '../query/search.js';
import { rowToEvent, type EventRow, type Store } from '../store/store.js';
import { deriveSalt } from './commitment.js';
import { ledgerEntry } from './entry.js';
import {
  BUNDLE_FILES,
  BUNDLE_FORMAT,
  HASHED_FILES,
  committedValues,
  sha256Hex,
  type EntryLine,
  type Manifest,
  type ProofsFile,
} from './evidence-format.js';
import { bundleReadme } from './evidence-readme.js';
import { LedgerService } from './ledger-service.js';
import { hashLeaf, inclusionProof, verifyInclusion } from './merkle.js';
import type { VerifierKey } from './note.js';
import { readCheckpointNote } from './verify-proof.js';

export { verifyBundle, type BundleReport } from './evidence-verify.js';

export interface ExportOptions {
  /** A directory that does not exist yet, or is empty. */
  dir: string;
  /** Query text (docs/query-language.md); empty selects every event. */
  query: string;
  from?: string;
  to?: string;
  verifierKey: VerifierKey;
  personalFields: readonly string[];
  clock: Clock;
  /** Most events a bundle may hold. */
  limit?: number;
}

export interface ExportSummary {
  dir: string;
  origin: string;
  treeSize: number;
  events: number;
  /** Matching events left out because their body has expired. */
  expired: number;
}

const PAGE = 1000;

export async function exportEvidence(store: Store, options: ExportOptions): Promise<ExportSummary> {
  if (fs.existsSync(options.dir) && fs.readdirSync(options.dir).length > 0) {
    throw new ValidationError(`--evidence: ${options.dir} is not empty; give a new directory`);
  }
  const record = await store.latestCheckpoint();
  if (!record) throw new SteleError('not_found', 'no checkpoint yet: the ledger is empty');
  const checkpoint = readCheckpointNote(record.note, options.verifierKey);
  const rows = await selectRows(store, options, checkpoint.size);
  const reader = new LedgerService(store, options.personalFields).reader;
  const events: StoredEvent[] = [];
  const entries: EntryLine[] = [];
  const proofs: ProofsFile = { treeSize: checkpoint.size, proofs: [] };
  for (const row of rows) {
    const event = rowToEvent(row);
    if (!event) continue;
    const line = entryLineOf(row, event, options.personalFields);
    const leafHash = hashLeaf(Buffer.from(line.entry, 'base64'));
    const hashes = await inclusionProof(row.seq, checkpoint.size, reader);
    const proved = verifyInclusion(leafHash, row.seq, checkpoint.size, hashes, checkpoint.rootHash);
    if (!proved.ok) {
      throw new IntegrityError(
        `entry ${row.seq}: its inclusion proof fails (${proved.reason}); run stele verify`,
        row.seq,
      );
    }
    events.push(event);
    entries.push(line);
    proofs.proofs.push({
      index: row.seq,
      leafHash: leafHash.toString('base64'),
      hashes: hashes.map((h) => h.toString('base64')),
    });
  }
  const manifest: Manifest = {
    format: BUNDLE_FORMAT,
    origin: checkpoint.origin,
    treeSize: checkpoint.size,
    events: events.length,
    query: options.query,
    created: new Date(options.clock.now()).toISOString(),
    personalFields: [...options.personalFields],
    sha256: {},
  };
  writeBundle(options.dir, manifest, {
    [BUNDLE_FILES.events]: ndjson(events),
    [BUNDLE_FILES.entries]: ndjson(entries),
    [BUNDLE_FILES.proofs]: JSON.stringify(proofs, null, 1) + '\n',
    [BUNDLE_FILES.checkpoint]: record.note,
    [BUNDLE_FILES.key]: options.verifierKey.text + '\n',
    [BUNDLE_FILES.readme]: bundleReadme(manifest),
  });
  const expired = rows.length - events.length;
  return {
    dir: options.dir,
    origin: manifest.origin,
    treeSize: manifest.treeSize,
    events: events.length,
    expired,
  };
}

/** The rows the query selects among the entries the checkpoint covers, in ledger order. */
async function selectRows(store: Store, options: ExportOptions, treeSize: number): Promise<EventRow[]> {
  const search = new SearchService(store, options.clock).prepare(options.query, options.from, options.to);
  const limit = options.limit ?? 100_000;
  const rows: EventRow[] = [];
  let after: { ts: number; seq: number } | undefined;
  for (;;) {
    const page = await store.search({
      where: search.filter,
      from: search.from,
      to: search.to,
      limit: PAGE,
      after,
      maxSeq: treeSize - 1,
    });
    rows.push(...page);
    if (rows.length > limit) {
      throw new ValidationError(`more than ${limit} events match; narrow the query or raise --limit`);
    }
    const last = page[page.length - 1];
    if (!last || page.length < PAGE) break;
    after = { ts: last.ts, seq: last.seq };
  }
  return rows.sort((a, b) => a.seq - b.seq);
}

/** The entry of a stored event (checked against its stored leaf hash) and what checks its values. */
function entryLineOf(row: EventRow, event: StoredEvent, personalFields: readonly string[]): EntryLine {
  const entry = ledgerEntry(event, row.seed, personalFields, row.erased);
  if (!hashLeaf(entry).equals(row.leafHash)) {
    throw new IntegrityError(
      `entry ${row.seq}: stored event does not match its leaf hash; run stele verify`,
      row.seq,
    );
  }
  const line: EntryLine = { index: row.seq, entry: entry.toString('base64'), salts: {} };
  const erased = row.erased?.commitments ?? {};
  for (const field of personalFields) {
    if (erased[field] !== undefined || committedValues(event, field).length === 0) continue;
    // The seed, or after a partial erasure the salt kept for this field (entry.ts).
    const salt = row.seed ? deriveSalt(row.seed, field).toString('base64') : row.erased?.salts[field];
    if (salt !== undefined) line.salts[field] = salt;
  }
  if (Object.keys(erased).length > 0) line.erased = { ...erased };
  return line;
}

function ndjson(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v) + '\n').join('');
}

function writeBundle(dir: string, manifest: Manifest, files: Record<string, string>): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const name of HASHED_FILES) {
    const text = files[name]!;
    fs.writeFileSync(path.join(dir, name), text);
    manifest.sha256[name] = sha256Hex(text);
  }
  fs.writeFileSync(path.join(dir, BUNDLE_FILES.manifest), JSON.stringify(manifest, null, 2) + '\n');
}
