// Verifies an event's inclusion proof end to end in the browser: the checkpoint's Ed25519 signature
// by the ledger's verifier key, the entry's leaf hash, the RFC 9162 audit path up to the signed
// root, and that the entry describes the event on screen.

import type { AuditEvent, InclusionProof } from '../lib/types';
import { equalBytes, fromBase64 } from './bytes';
import { matchEntry, type EntryMatch } from './entry-match';
import { hashLeaf, verifyInclusion } from './merkle';
import { openNote, parseCheckpoint, parseVerifierKey } from './note';

export type ProofOutcome =
  | { ok: true; treeSize: number; origin: string; key: string; entry: EntryMatch; rootHash: string }
  | { ok: false; step: string; reason: string };

function failed(step: string, err: unknown): ProofOutcome {
  return { ok: false, step, reason: err instanceof Error ? err.message : String(err) };
}

export async function verifyEventProof(
  event: AuditEvent,
  proof: InclusionProof,
  verifierKeyText: string,
): Promise<ProofOutcome> {
  let key;
  let text;
  try {
    key = await parseVerifierKey(verifierKeyText);
    text = await openNote(proof.checkpoint, key);
  } catch (err) {
    return failed('checkpoint signature', err);
  }
  try {
    const checkpoint = parseCheckpoint(text);
    if (checkpoint.size !== proof.treeSize)
      return failed('checkpoint', `proof is for size ${proof.treeSize}, checkpoint says ${checkpoint.size}`);
    if (proof.index !== event.stele.seq)
      return failed('entry', `proof is for entry ${proof.index}, the event is ${event.stele.seq}`);
    const entryBytes = fromBase64(proof.entry);
    const leaf = await hashLeaf(entryBytes);
    if (!equalBytes(leaf, fromBase64(proof.leafHash)))
      return failed('leaf hash', 'SHA-256(0x00 || entry) differs from the leaf hash the server sent');
    const path = proof.hashes.map(fromBase64);
    const problem = await verifyInclusion(leaf, proof.index, proof.treeSize, path, checkpoint.rootHash);
    if (problem) return failed('audit path', problem);
    const entry = matchEntry(JSON.parse(new TextDecoder().decode(entryBytes)), event);
    if (entry.mismatch !== undefined)
      return failed('entry', `the ledger entry and the event differ at ${entry.mismatch}`);
    return {
      ok: true,
      treeSize: checkpoint.size,
      origin: checkpoint.origin,
      key: `${key.name}+${key.keyId}`,
      entry,
      rootHash: text.split('\n')[2] ?? '',
    };
  } catch (err) {
    return failed('proof', err);
  }
}
