// The ledger entry of a stored event: RFC 8785 canonical JSON of the event (Stele's own fields
// included) with every personal field replaced by its salted commitment. One function, used by
// the writer, the proofs and the verifier, so all three hash exactly the same bytes.

import type { StoredEvent } from '../core/event.js';
import { IntegrityError } from '../core/errors.js';
import { buildEntry, commitValue, deriveSalt } from './commitment.js';

/** Commitments of erased values, by field: what stands in for a value and salt that were deleted. */
export type ErasedCommitments = Readonly<Record<string, string>>;

export function ledgerEntry(
  event: StoredEvent,
  seed: Buffer | null,
  personalFields: readonly string[],
  erased: ErasedCommitments | null = null,
): Buffer {
  return buildEntry(event, personalFields, (field, value) => {
    const kept = erased?.[field];
    if (kept !== undefined) return kept;
    if (!seed)
      throw new IntegrityError(`no salt for personal field ${field}: its seed is gone but it was not erased`);
    return commitValue(deriveSalt(seed, field), value);
  });
}
