// RFC 9162 Merkle proof checking in the browser, the same algorithm as src/ledger/merkle.ts
// verifyInclusion, with SHA-256 from WebCrypto. Plain division, never 32-bit bit operators.

import { equalBytes, sha256 } from './bytes';

const LEAF = new Uint8Array([0x00]);
const NODE = new Uint8Array([0x01]);

/** RFC 9162 2.1.1: leaf hash = SHA-256(0x00 || entry). */
export function hashLeaf(entry: Uint8Array): Promise<Uint8Array> {
  return sha256(LEAF, entry);
}

/** RFC 9162 2.1.1: node hash = SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(NODE, left, right);
}

/** RFC 9162 2.1.3.2: the root that `proof` leads to from leaf `index` of a tree of `size`, or why not. */
export async function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
): Promise<Uint8Array | string> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    return `leaf ${index} is not in a tree of size ${size}`;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (p.length !== 32) return 'a proof hash is not 32 bytes';
    if (sn === 0) return `proof has ${proof.length} hashes, more than the path needs`;
    if (fn % 2 === 1 || fn === sn) {
      r = await hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return `proof has ${proof.length} hashes, fewer than the path needs`;
  return r;
}

export async function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): Promise<string | undefined> {
  const computed = await rootFromInclusionProof(leafHash, index, size, proof);
  if (typeof computed === 'string') return computed;
  return equalBytes(computed, root) ? undefined : 'the proof leads to a root other than the checkpoint’s';
}
