// Checking proofs as a client would: an inclusion proof in the JSON of `stele proof` against the
// checkpoint it carries, and a consistency proof between two signed checkpoints. Nothing here
// trusts the server that produced the proof; only the verifier key, when one is given.

import { IntegrityError, ValidationError } from '../core/errors.js';
import { openCheckpoint, parseCheckpoint, type Checkpoint } from './checkpoint.js';
import type { ConsistencyProofJson, InclusionProofJson } from './ledger-service.js';
import { EMPTY_ROOT, hashLeaf, verifyConsistency, verifyInclusion } from './merkle.js';
import { decodeBase64, type VerifierKey } from './note.js';

/**
 * The checkpoint in a note: opened with `key` (signature checked) when given, else only parsed.
 * Throws an IntegrityError when the signature does not verify.
 */
export function readCheckpointNote(note: string, key?: VerifierKey): Checkpoint {
  if (key) {
    let checkpoint: Checkpoint;
    try {
      checkpoint = openCheckpoint(note, [key]).checkpoint;
    } catch (err) {
      if (!(err instanceof IntegrityError)) throw err;
      throw new IntegrityError(
        `the checkpoint's signature does not verify with the key ${key.name}+${key.keyId}`,
        undefined,
        {
          cause: err,
        },
      );
    }
    if (checkpoint.origin !== key.name) {
      throw new IntegrityError(`the checkpoint is for log '${checkpoint.origin}', not '${key.name}'`);
    }
    return checkpoint;
  }
  const split = note.lastIndexOf('\n\n');
  if (split < 0)
    throw new ValidationError('malformed signed note: there is no blank line before the signatures');
  return parseCheckpoint(note.slice(0, split + 1));
}

/** Why an inclusion proof does not hold, or undefined when it does. */
export function inclusionProofProblem(proof: InclusionProofJson, key?: VerifierKey): string | undefined {
  const checkpoint = readCheckpointNote(proof.checkpoint, key);
  if (checkpoint.size !== proof.treeSize) {
    return `the proof is for a tree of size ${proof.treeSize} but its checkpoint has size ${checkpoint.size}`;
  }
  const entry = decodeBase64(proof.entry);
  if (!entry) return 'the entry is not standard base64';
  const leafHash = hashLeaf(entry);
  if (leafHash.toString('base64') !== proof.leafHash) return 'the entry bytes do not hash to the leaf hash';
  const hashes = decodeHashes(proof.hashes);
  if (typeof hashes === 'string') return hashes;
  const result = verifyInclusion(leafHash, proof.index, proof.treeSize, hashes, checkpoint.rootHash);
  return result.ok ? undefined : `the inclusion proof does not hold: ${result.reason}`;
}

/** The proof's hashes, or why one is not standard base64 (RFC 4648 section 4, padded). */
export function decodeHashes(hashes: readonly unknown[]): Buffer[] | string {
  const decoded = hashes.map(decodeBase64);
  const bad = decoded.findIndex((hash) => !hash);
  return bad < 0 ? (decoded as Buffer[]) : `proof hash ${bad} is not standard base64`;
}

/** Why `newer` does not extend `older` by `proof`, or undefined when it does. */
export function consistencyProblem(
  older: Checkpoint,
  newer: Checkpoint,
  proof: ConsistencyProofJson,
): string | undefined {
  if (older.origin !== newer.origin)
    return `the checkpoints are of two logs ('${older.origin}', '${newer.origin}')`;
  if (older.size > newer.size)
    return `the older checkpoint (size ${older.size}) is larger than the newer (${newer.size})`;
  if (proof.oldSize !== older.size || proof.newSize !== newer.size) {
    return `the proof is for sizes ${proof.oldSize} and ${proof.newSize}, not ${older.size} and ${newer.size}`;
  }
  const hashes = decodeHashes(proof.hashes);
  if (typeof hashes === 'string') return hashes;
  // Every tree extends the empty tree (C2SP tlog-witness): the proof is empty. RFC 9162 2.1.4.2
  // is for 0 < m, so verifyConsistency refuses m = 0; MTH({}) is still the only root of size 0.
  if (older.size === 0) {
    if (!older.rootHash.equals(EMPTY_ROOT))
      return 'the older checkpoint has size 0 but not the empty tree hash as its root';
    if (newer.size === 0 && !newer.rootHash.equals(EMPTY_ROOT))
      return 'the newer checkpoint has size 0 but not the empty tree hash as its root';
    return hashes.length === 0 ? undefined : 'a proof from the empty tree must be empty';
  }
  const result = verifyConsistency(older.size, newer.size, hashes, older.rootHash, newer.rootHash);
  return result.ok
    ? undefined
    : `the log of size ${newer.size} does not extend the one of size ${older.size}: ${result.reason}`;
}
