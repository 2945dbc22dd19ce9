// The ledger entry of a stored event: RFC 8785 canonical JSON of the event (Stele's own fields
// included) with every personal field replaced by its salted commitment. One function, used by
// the writer, the proofs and the verifier, so all three hash exactly the same bytes.

import type { StoredEvent } from '../core/event.js';
import { buildEntry, commitValue, deriveSalt } from './commitment.js';

export function ledgerEntry(event: StoredEvent, seed: Buffer, personalFields: readonly string[]): Buffer {
  return buildEntry(event, personalFields, (field, value) => commitValue(deriveSalt(seed, field), value));
}
