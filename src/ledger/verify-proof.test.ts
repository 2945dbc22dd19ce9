// Tests of the client-side proof checks (docs/ledger.md section 4) on hand-made trees: the sizes
// and indexes at the edges of RFC 9162 2.1.3 and 2.1.4, and proofs a server could bend.

import { describe, expect, it } from 'vitest';
import { signCheckpoint, type Checkpoint } from './checkpoint.js';
import type { InclusionProofJson } from './ledger-service.js';
import { EMPTY_ROOT, consistencyProof, hashLeaf, inclusionProof, rootOf, type NodeReader } from './merkle.js';
import { createSignerKey, parseVerifierKey } from './note.js';
import { consistencyProblem, inclusionProofProblem } from './verify-proof.js';

const signer = createSignerKey('example.com/log', Buffer.alloc(32, 3));
const vkey = parseVerifierKey(signer.verifierKey);
const entries = Array.from({ length: 17 }, (_, i) => Buffer.from(`{"stele":{"seq":${i}}}`));
const leaves = entries.map(hashLeaf);
const read: NodeReader = async (ids) =>
  ids.map(({ level, index }) => rootOf(leaves.slice(index * 2 ** level, (index + 1) * 2 ** level)));
const b64 = (bytes: Buffer) => bytes.toString('base64');

function checkpointOf(size: number): Checkpoint {
  return { origin: signer.name, size, rootHash: rootOf(leaves.slice(0, size)), extensions: [] };
}

async function proofJson(index: number, size: number): Promise<InclusionProofJson> {
  return {
    index,
    treeSize: size,
    entry: b64(entries[index] as Buffer),
    leafHash: b64(leaves[index] as Buffer),
    hashes: (await inclusionProof(index, size, read)).map(b64),
    checkpoint: signCheckpoint(checkpointOf(size), signer),
  };
}

describe('inclusionProofProblem', () => {
  it('accepts proofs at sizes 1, 2, 2^k and 2^k + 1, first and last index, and nothing else', async () => {
    for (const size of [1, 2, 8, 9, 16, 17]) {
      for (const index of [0, size - 1]) {
        const proof = await proofJson(index, size);
        expect(inclusionProofProblem(proof, vkey), `${index} of ${size}`).toBeUndefined();
        const extra = { ...proof, hashes: [...proof.hashes, proof.leafHash] };
        expect(inclusionProofProblem(extra, vkey)).toMatch(/more than the path needs/);
        if (size > 1) {
          const short = { ...proof, hashes: proof.hashes.slice(0, -1) };
          expect(inclusionProofProblem(short, vkey)).toMatch(/fewer than the path needs/);
        }
        expect(inclusionProofProblem({ ...proof, index: size }, vkey)).toMatch(/not in a tree of size/);
      }
    }
  });

  it('refuses hashes and entries that are not standard base64, though they decode to the right bytes', async () => {
    const proof = await proofJson(3, 9);
    const unpadded = proof.hashes.map((h, i) => (i === 1 ? h.replace(/=+$/, '') : h));
    expect(inclusionProofProblem({ ...proof, hashes: unpadded }, vkey)).toBe(
      'proof hash 1 is not standard base64',
    );
    const entry = `${proof.entry}\n`;
    expect(inclusionProofProblem({ ...proof, entry }, vkey)).toBe('the entry is not standard base64');
  });
});

describe('consistencyProblem', () => {
  const proofOf = async (m: number, n: number) => ({
    oldSize: m,
    newSize: n,
    hashes: m === 0 ? [] : (await consistencyProof(m, n, read)).map(b64),
  });

  it('accepts the proofs RFC 9162 2.1.4 defines, from the empty tree and between equal sizes', async () => {
    for (const [m, n] of [
      [0, 5],
      [0, 0],
      [1, 1],
      [1, 2],
      [4, 8],
      [8, 16],
      [8, 9],
      [16, 17],
      [9, 17],
      [17, 17],
    ]) {
      const proof = await proofOf(m as number, n as number);
      expect(
        consistencyProblem(checkpointOf(m as number), checkpointOf(n as number), proof),
        `${m} to ${n}`,
      ).toBeUndefined();
      if (proof.hashes.length > 0) {
        const short = { ...proof, hashes: proof.hashes.slice(0, -1) };
        expect(consistencyProblem(checkpointOf(m as number), checkpointOf(n as number), short)).toMatch(
          /does not extend/,
        );
      }
      const extra = { ...proof, hashes: [...proof.hashes, b64(EMPTY_ROOT)] };
      expect(consistencyProblem(checkpointOf(m as number), checkpointOf(n as number), extra)).toBeDefined();
    }
  });

  it('refuses a checkpoint of size 0 whose root is not the empty tree hash', () => {
    const empty = { ...checkpointOf(0), rootHash: Buffer.alloc(32, 1) };
    expect(consistencyProblem(empty, checkpointOf(5), { oldSize: 0, newSize: 5, hashes: [] })).toBe(
      'the older checkpoint has size 0 but not the empty tree hash as its root',
    );
    expect(consistencyProblem(checkpointOf(0), empty, { oldSize: 0, newSize: 0, hashes: [] })).toBe(
      'the newer checkpoint has size 0 but not the empty tree hash as its root',
    );
  });

  it('refuses hashes that are not standard base64', async () => {
    const proof = await proofOf(3, 9);
    const unpadded = { ...proof, hashes: proof.hashes.map((h) => h.replace(/=+$/, '')) };
    expect(consistencyProblem(checkpointOf(3), checkpointOf(9), unpadded)).toBe(
      'proof hash 0 is not standard base64',
    );
  });
});
