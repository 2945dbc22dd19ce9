// Offline check of an evidence bundle: no server, no database, only the bundle and, if the auditor
// has one, a verifier key they trust. Every event is followed to the signed root: event -> entry
// bytes (each personal value against its commitment) -> leaf hash -> inclusion proof -> checkpoint.

import fs from 'node:fs';
import path from 'node:path';
import { IntegrityError, SteleError } from '../core/errors.js';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { commitValue } from './commitment.js';
import { buildEntry } from './entry-builder.js';
import { getPath } from './field-path.js';
import {
  BUNDLE_FILES,
  BUNDLE_FORMAT,
  HASHED_FILES,
  sha256Hex,
  type EntryLine,
  type Manifest,
  type ProofsFile,
} from './evidence-format.js';
import { hashLeaf, verifyInclusion } from './merkle.js';
import { decodeBase64, parseVerifierKey, type VerifierKey } from './note.js';
import { decodeHashes } from './verify-proof.js';

export interface BundleReport {
  ok: boolean;
  origin?: string;
  treeSize?: number;
  /** Events checked. */
  events: number;
  /** The ledger index of the event the failure is about, when it is about one. */
  index?: number;
  reason?: string;
}

export async function verifyBundle(dir: string, options: { key?: VerifierKey } = {}): Promise<BundleReport> {
  if (!fs.existsSync(path.join(dir, BUNDLE_FILES.manifest))) {
    throw new SteleError(
      'not_found',
      `${dir} is not an evidence bundle (it has no ${BUNDLE_FILES.manifest})`,
    );
  }
  const bundle = new BundleCheck(dir);
  try {
    bundle.check(options.key);
    return { ok: true, origin: bundle.origin, treeSize: bundle.treeSize, events: bundle.checked };
  } catch (err) {
    if (!(err instanceof IntegrityError)) throw err;
    const report: BundleReport = { ok: false, events: bundle.checked, reason: err.message };
    if (err.index !== undefined) report.index = err.index;
    return report;
  }
}

class BundleCheck {
  origin = '';
  treeSize = 0;
  checked = 0;

  constructor(private readonly dir: string) {}

  check(trusted: VerifierKey | undefined): void {
    const manifest = this.manifest();
    const checkpoint = this.checkpoint(trusted);
    if (manifest.origin !== checkpoint.origin || manifest.treeSize !== checkpoint.size) {
      bad(`${BUNDLE_FILES.manifest}: its origin or tree size differs from the signed checkpoint`);
    }
    const events = this.lines(BUNDLE_FILES.events);
    const entries = this.lines(BUNDLE_FILES.entries) as EntryLine[];
    const proofs = this.json(BUNDLE_FILES.proofs) as ProofsFile;
    if (proofs?.treeSize !== checkpoint.size || !Array.isArray(proofs.proofs)) {
      bad(`${BUNDLE_FILES.proofs}: it is not for the checkpoint's tree of size ${checkpoint.size}`);
    }
    const counts = [events.length, entries.length, proofs.proofs.length, manifest.events];
    if (new Set(counts).size !== 1) {
      bad(
        `the bundle's files disagree on the number of events (${counts.join(', ')}): one was added or removed`,
      );
    }
    let previous = -1;
    events.forEach((event, i) => {
      const index = checkEvent(event, entries[i]!, proofs.proofs[i]!, checkpoint, manifest.personalFields);
      if (index <= previous) bad(`event ${index}: the events are not in ledger order`, index);
      previous = index;
      this.checked++;
    });
    this.checkSums(manifest);
  }

  private manifest(): Manifest {
    const m = this.json(BUNDLE_FILES.manifest) as Manifest;
    const valid =
      m?.format === BUNDLE_FORMAT &&
      typeof m.origin === 'string' &&
      Number.isSafeInteger(m.treeSize) &&
      Number.isSafeInteger(m.events) &&
      Array.isArray(m.personalFields) &&
      m.personalFields.every((f) => typeof f === 'string') &&
      typeof m.sha256 === 'object' &&
      m.sha256 !== null;
    if (!valid) bad(`${BUNDLE_FILES.manifest}: not a ${BUNDLE_FORMAT} manifest`);
    return m;
  }

  /** The signed checkpoint, opened with the auditor's key, which must be the bundled one. */
  private checkpoint(trusted: VerifierKey | undefined): Checkpoint {
    // Files are read outside the try blocks: a missing file is reported as missing, not as a bad key
    // or signature.
    const keyText = this.text(BUNDLE_FILES.key);
    const note = this.text(BUNDLE_FILES.checkpoint);
    let bundled: VerifierKey;
    try {
      bundled = parseVerifierKey(keyText.trim());
    } catch (err) {
      return bad(`${BUNDLE_FILES.key}: ${(err as Error).message}`);
    }
    if (trusted && trusted.text !== bundled.text) {
      bad(
        `${BUNDLE_FILES.key}: the bundle's key (${bundled.name}+${bundled.keyId}) is not the key you trust`,
      );
    }
    const key = trusted ?? bundled;
    let checkpoint: Checkpoint;
    try {
      checkpoint = openCheckpoint(note, [key]).checkpoint;
    } catch (err) {
      if (err instanceof IntegrityError) {
        bad(
          `${BUNDLE_FILES.checkpoint}: its signature does not verify with the key ${key.name}+${key.keyId} (the checkpoint or the key was changed)`,
        );
      }
      return bad(`${BUNDLE_FILES.checkpoint}: ${(err as Error).message}`);
    }
    if (checkpoint.origin !== key.name)
      bad(`${BUNDLE_FILES.checkpoint}: it is for log '${checkpoint.origin}'`);
    this.origin = checkpoint.origin;
    this.treeSize = checkpoint.size;
    return checkpoint;
  }

  private checkSums(manifest: Manifest): void {
    for (const name of HASHED_FILES) {
      if (manifest.sha256[name] !== sha256Hex(this.bytes(name))) {
        bad(`${name}: it does not match its SHA-256 in ${BUNDLE_FILES.manifest} (the file was changed)`);
      }
    }
  }

  private bytes(name: string): Buffer {
    try {
      return fs.readFileSync(path.join(this.dir, name));
    } catch (err) {
      return bad(
        `${name}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
  }

  private text(name: string): string {
    return this.bytes(name).toString('utf8');
  }

  private json(name: string): unknown {
    try {
      return JSON.parse(this.text(name));
    } catch (err) {
      if (err instanceof IntegrityError) throw err;
      return bad(`${name}: not valid JSON`);
    }
  }

  private lines(name: string): unknown[] {
    const text = this.text(name);
    if (text !== '' && !text.endsWith('\n')) bad(`${name}: the last line is cut short`);
    return text
      .split('\n')
      .slice(0, -1)
      .map((line, i) => {
        try {
          return JSON.parse(line) as unknown;
        } catch {
          return bad(`${name}: line ${i + 1} is not valid JSON`);
        }
      });
  }
}

/** Follows one event to the signed root; returns its ledger index. */
function checkEvent(
  event: unknown,
  line: EntryLine,
  proof: ProofsFile['proofs'][number],
  checkpoint: Checkpoint,
  personalFields: readonly string[],
): number {
  const index = (event as { stele?: { seq?: unknown } } | null)?.stele?.seq;
  if (typeof index !== 'number' || !Number.isSafeInteger(index)) bad('an event has no stele.seq');
  if (line?.index !== index || proof?.index !== index) {
    bad(
      `event ${index}: its entry or proof is for another index (events, entries and proofs must line up)`,
      index,
    );
  }
  const entry = decodeBase64(line.entry);
  if (!entry) bad(`event ${index}: its entry is not base64`, index);
  const leafHash = hashLeaf(entry);
  if (leafHash.toString('base64') !== proof.leafHash) {
    bad(`event ${index}: its entry bytes do not hash to the leaf hash of its proof`, index);
  }
  const hashes = decodeHashes(Array.isArray(proof.hashes) ? proof.hashes : []);
  if (typeof hashes === 'string') bad(`event ${index}: its ${hashes}`, index);
  const included = verifyInclusion(leafHash, index, checkpoint.size, hashes, checkpoint.rootHash);
  if (!included.ok) {
    bad(
      `event ${index}: its inclusion proof does not reach the checkpoint's root (${included.reason})`,
      index,
    );
  }
  checkCommitments(event as object, entry, line, personalFields, index);
  return index;
}

/** Each personal value against its commitment, then the whole event against the entry bytes. */
function checkCommitments(
  event: object,
  entry: Buffer,
  line: EntryLine,
  personalFields: readonly string[],
  index: number,
): void {
  const salts = line.salts ?? {};
  const erased = line.erased ?? {};
  const salt = (field: string): Buffer => {
    const bytes = typeof salts[field] === 'string' ? decodeBase64(salts[field]) : undefined;
    if (!bytes || bytes.length !== 32)
      bad(`event ${index}: no valid salt for ${field} in its entry line`, index);
    return bytes;
  };
  let committed: object;
  try {
    committed = JSON.parse(entry.toString('utf8')) as object;
  } catch {
    return bad(`event ${index}: its entry is not JSON`, index);
  }
  for (const field of personalFields) {
    if (typeof erased[field] === 'string') continue; // erased: the rebuild below uses the kept commitment
    for (const [value, commitment] of commitmentPairs(event, committed, field)) {
      // A field under a committed ancestor has no commitment of its own; the rebuild below covers it.
      if (typeof commitment === 'string' && commitment !== commitValue(salt(field), value)) {
        bad(
          `event ${index}: ${field} does not match its commitment (the value or its salt was changed)`,
          index,
        );
      }
    }
  }
  let rebuilt: Buffer;
  try {
    rebuilt = buildEntry(event, personalFields, (field, value) =>
      typeof erased[field] === 'string' ? erased[field] : commitValue(salt(field), value),
    );
  } catch (err) {
    if (err instanceof IntegrityError) throw err;
    return bad(`event ${index}: cannot be made into an entry (${(err as Error).message})`, index);
  }
  if (!rebuilt.equals(entry)) {
    bad(
      `event ${index}: the event does not match its ledger entry (a value was changed, added or removed)`,
      index,
    );
  }
}

/** [value in the event, what the entry holds in its place], nested and top-level dotted forms. */
function commitmentPairs(event: object, committed: object, field: string): Array<[unknown, unknown]> {
  const pairs: Array<[unknown, unknown]> = [];
  const nested = getPath(event, field);
  if (nested !== undefined && nested !== null) pairs.push([nested, getPath(committed, field)]);
  if (field.includes('.') && Object.hasOwn(event, field)) {
    const flat = (event as Record<string, unknown>)[field];
    if (flat !== undefined && flat !== null)
      pairs.push([flat, (committed as Record<string, unknown>)[field]]);
  }
  return pairs;
}

function bad(reason: string, index?: number): never {
  throw new IntegrityError(reason, index);
}
