// The ledger entry of a stored event: RFC 8785 canonical JSON of the event (Stele's own fields
// included) with every personal field replaced by its salted commitment. One function, used by
// the writer, the proofs and the verifier, so all three hash exactly the same bytes.

import type { StoredEvent } from '../core/event.js';
import { IntegrityError } from '../core/errors.js';
import { buildEntryText, commitValue, seededCommitter } from './commitment.js';
import { hashLeafText } from './merkle.js';

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
  return Buffer.from(ledgerEntryText(event, seed, personalFields, erased), 'utf8');
}

/** The RFC 9162 leaf hash of the event's ledger entry: hashLeaf(ledgerEntry(...)). */
export function ledgerLeaf(
  event: StoredEvent,
  seed: Buffer | null,
  personalFields: readonly string[],
  erased: ErasureMaterial | null = null,
): Buffer {
  return hashLeafText(ledgerEntryText(event, seed, personalFields, erased));
}

function ledgerEntryText(
  event: StoredEvent,
  seed: Buffer | null,
  personalFields: readonly string[],
  erased: ErasureMaterial | null,
): string {
  const commitSeeded = seed ? seededCommitter(seed) : undefined;
  return buildEntryText(event, personalFields, (field, value) => {
    const kept = erased?.commitments[field];
    if (kept !== undefined) return kept;
    if (commitSeeded) return commitSeeded(field, value);
    const salt = erased?.salts[field];
    if (salt === undefined) {
      throw new IntegrityError(`no salt for personal field ${field}: its seed is gone but it was not erased`);
    }
    return commitValue(Buffer.from(salt, 'base64'), value);
  });
}
