// The ledger entry of a stored event: RFC 8785 canonical JSON of the event (Stele's own fields
// included) with every personal field replaced by its salted commitment. One function, used by
// the writer, the proofs and the verifier, so all three hash exactly the same bytes.

import { hash as digestOnce } from 'node:crypto';
import type { StoredEvent } from '../core/event.js';
import { IntegrityError } from '../core/errors.js';
import { CanonicalWriter } from './canonical-writer.js';
import { SeedCommitter, commitInto } from './commitment.js';
import { writeEntry } from './entry-builder.js';

/**
 * What replaces an event's seed once some of its personal values are erased: the commitments of
 * the erased values, and the salts (base64) of the personal values kept (ADR 0001).
 */
export interface ErasureMaterial {
  commitments: Readonly<Record<string, string>>;
  salts: Readonly<Record<string, string>>;
}

export function ledgerEntry(
  event: StoredEvent,
  seed: Buffer | null,
  personalFields: readonly string[],
  erased: ErasureMaterial | null = null,
): Buffer {
  const out = writeLeafInput(event, seed, personalFields, erased);
  return Buffer.from(out.bytes.subarray(1, out.length));
}

/** The RFC 9162 leaf hash of the event's ledger entry: hashLeaf(ledgerEntry(...)). */
export function ledgerLeaf(
  event: StoredEvent,
  seed: Buffer | null,
  personalFields: readonly string[],
  erased: ErasureMaterial | null = null,
): Buffer {
  const out = writeLeafInput(event, seed, personalFields, erased);
  return digestOnce('sha256', out.bytes.subarray(0, out.length), 'buffer');
}

/** Scratch for one leaf's hash input at a time: 0x00 (RFC 9162 2.1.1), then the entry. */
const LEAF_INPUT = new CanonicalWriter(16 * 1024);

function writeLeafInput(
  event: StoredEvent,
  seed: Buffer | null,
  personalFields: readonly string[],
  erased: ErasureMaterial | null,
): CanonicalWriter {
  const seeded = seed ? SEEDED.useSeed(seed) : undefined;
  LEAF_INPUT.length = 0;
  LEAF_INPUT.writeByte(0x00);
  writeEntry(LEAF_INPUT, event, personalFields, (field, value, macs, at) => {
    const kept = erased?.commitments[field];
    if (kept !== undefined) return kept;
    if (seeded) {
      seeded.commitInto(field, value, macs, at);
      return undefined;
    }
    const salt = erased?.salts[field];
    if (salt === undefined) {
      throw new IntegrityError(`no salt for personal field ${field}: its seed is gone but it was not erased`);
    }
    commitInto(Buffer.from(salt, 'base64'), value, macs, at);
    return undefined;
  });
  return LEAF_INPUT;
}

/** The seed of one event at a time. */
const SEEDED = new SeedCommitter();
