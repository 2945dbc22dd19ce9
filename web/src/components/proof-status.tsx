// The in-browser verification of one event's inclusion proof, and its outcome in plain words.

import { useEffect, useState } from 'react';
import { getJson } from '../lib/api';
import { formatCount } from '../lib/format';
import type { AuditEvent, InclusionProof, LedgerKey } from '../lib/types';
import { verifyEventProof, type ProofOutcome } from '../verify/proof';

export function ProofStatus({ event }: { event: AuditEvent }) {
  const [outcome, setOutcome] = useState<ProofOutcome>();
  const [fetchError, setFetchError] = useState<string>();
  const [attempt, setAttempt] = useState(0);
  const seq = event.stele.seq;
  useEffect(() => {
    let live = true;
    setOutcome(undefined);
    setFetchError(undefined);
    Promise.all([getJson<InclusionProof>(`/v1/events/${seq}/proof`), getJson<LedgerKey>('/v1/ledger/key')])
      .then(([proof, key]) => verifyEventProof(event, proof, key.verifierKey))
      .then((o) => live && setOutcome(o))
      .catch((err: unknown) => live && setFetchError(err instanceof Error ? err.message : String(err)));
    return () => {
      live = false;
    };
  }, [event, seq, attempt]);

  const retry = (
    <button type="button" onClick={() => setAttempt((a) => a + 1)}>
      Verify again
    </button>
  );
  if (fetchError)
    return (
      <section className="proof unknown" aria-live="polite" data-proof="unavailable">
        <h2>Ledger proof</h2>
        <p>Could not fetch the proof: {fetchError}</p>
        {retry}
      </section>
    );
  if (!outcome)
    return (
      <section className="proof pending" aria-live="polite" data-proof="pending">
        <h2>Ledger proof</h2>
        <p>Verifying in this browser…</p>
      </section>
    );
  if (!outcome.ok)
    return (
      <section className="proof bad" role="alert" data-proof="failed">
        <h2>Ledger proof: NOT verified</h2>
        <p>
          Failed at <strong>{outcome.step}</strong>: {outcome.reason}
        </p>
        {retry}
      </section>
    );
  return (
    <section className="proof good" aria-live="polite" data-proof="verified">
      <h2>Ledger proof</h2>
      <p className="verdict">
        ✓ Verified against checkpoint {formatCount(outcome.treeSize)}, signed by <code>{outcome.key}</code>
      </p>
      <ul className="small">
        <li>
          Checkpoint signature: Ed25519 (WebCrypto) with the ledger's verifier key, origin{' '}
          <code>{outcome.origin}</code>
        </li>
        <li>
          Leaf SHA-256(0x00 ‖ entry) and the RFC 9162 audit path lead to root <code>{outcome.rootHash}</code>
        </li>
        <li>
          The entry matches this event on {outcome.entry.checked} values; {outcome.entry.committed.length}{' '}
          personal values are in the entry only as salted commitments (
          {outcome.entry.committed.join(', ') || 'none'})
        </li>
      </ul>
    </section>
  );
}
