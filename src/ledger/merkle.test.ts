// Tests of the RFC 9162 tree against the transparency-dev/merkle and Certificate Transparency
// vectors, the Tessera test log, and a synthetic tree with leaf indexes beyond 2^40.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CompactRange,
  EMPTY_ROOT,
  consistencyProof,
  createTiledReader,
  hashChildren,
  hashLeaf,
  hashLeafText,
  inclusionProof,
  isStoredNode,
  nodeRange,
  rangeNodes,
  rootFromReader,
  rootOf,
  subtreeConsistencyProof,
  subtreeInclusionProof,
  verifyConsistency,
  verifyInclusion,
  verifySubtreeConsistency,
  verifySubtreeInclusion,
  type NodeId,
  type NodeReader,
} from './merkle.js';

const FIXTURES = new URL('../../test/fixtures/merkle/', import.meta.url);
const readFixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));

interface HexInclusion {
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  root: string;
  proof: string[];
}
interface HexConsistency {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[];
}
interface Probe {
  file: string;
  desc: string;
  wantErr: boolean;
  proof: string[] | null;
}
interface InclusionProbe extends Probe {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
}
interface ConsistencyProbe extends Probe {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
}
interface SubtreeInclusionProbe extends Probe {
  leafIdx: number;
  start: number;
  end: number;
  root: string;
  leafHash: string;
}
interface SubtreeConsistencyProbe extends Probe {
  start: number;
  end: number;
  size: number;
  root1: string;
  root2: string;
}
interface Vectors {
  hasherKnownAnswers: Array<{
    desc: string;
    input:
      | { kind: 'empty' }
      | { kind: 'leaf'; dataHex: string }
      | { kind: 'node'; leftHex: string; rightHex: string };
    want: string;
  }>;
  referenceTree: {
    leafInputsHex: string[];
    leafHashes: string[];
    nodeHashesByLevel: string[][];
    rootsBySize: Record<string, string>;
  };
  upstreamInclusionProofs: { vectors: HexInclusion[] };
  upstreamConsistencyProofs: { vectors: HexConsistency[] };
  derivedAllInclusionProofs: { vectors: HexInclusion[] };
  derivedAllConsistencyProofs: { vectors: HexConsistency[] };
  sumdbRecordHash: { input: string; leafHashB64: string };
  probes: {
    counts: Record<'inclusion' | 'consistency' | 'subtreeInclusion' | 'subtreeConsistency', number>;
    inclusion: InclusionProbe[];
    consistency: ConsistencyProbe[];
    subtreeInclusion: SubtreeInclusionProbe[];
    subtreeConsistency: SubtreeConsistencyProbe[];
  };
}
interface TesseraLog {
  entries: string[];
  leafHashesB64: string[];
  checkpoints: Array<{ size: number; rootHashB64: string }>;
  derivedInclusionProofs: Array<{
    leafIndex: number;
    treeSize: number;
    leafHashB64: string;
    proofB64: string[];
  }>;
  derivedConsistencyProofs: Array<{ size1: number; size2: number; proofB64: string[] }>;
}

const vectors = JSON.parse(readFixture('vectors.json').toString('utf8')) as Vectors;
const tessera = (
  JSON.parse(readFixture('note_checkpoint_vectors.json').toString('utf8')) as { tesseraTiledLog: TesseraLog }
).tesseraTiledLog;

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
const flip = (hash: Buffer, byte = 0): Buffer => {
  const copy = Buffer.from(hash);
  copy[byte] = (copy[byte] ?? 0) ^ 0x01;
  return copy;
};

/** A reader over an in-memory tree, answering from the reference MTH; counts its calls. */
function memoryReader(leafHashes: readonly Buffer[]): NodeReader & { calls: number; ids: NodeId[] } {
  const read = (async (ids: readonly NodeId[]) => {
    read.calls += 1;
    read.ids.push(...ids);
    return ids.map((id) => {
      const [lo, hi] = nodeRange(id);
      if (hi > leafHashes.length) throw new Error(`node ${id.level}/${id.index} is beyond the tree`);
      return rootOf(leafHashes.slice(lo, hi));
    });
  }) as NodeReader & { calls: number; ids: NodeId[] };
  read.calls = 0;
  read.ids = [];
  return read;
}

const refLeaves = vectors.referenceTree.leafHashes.map(hex);
const tesseraLeaves = tessera.entries.map((e) => hashLeaf(Buffer.from(e, 'utf8')));

describe('hashing (RFC 9162 2.1.1)', () => {
  it('reproduces the 4 hasher known answers', () => {
    for (const kat of vectors.hasherKnownAnswers) {
      const got =
        kat.input.kind === 'empty'
          ? EMPTY_ROOT
          : kat.input.kind === 'leaf'
            ? hashLeaf(hex(kat.input.dataHex))
            : hashChildren(hex(kat.input.leftHex), hex(kat.input.rightHex));
      expect(got.toString('hex'), kat.desc).toBe(kat.want);
    }
    expect(vectors.hasherKnownAnswers).toHaveLength(4);
  });

  it('reproduces sumdb RecordHash("hello world")', () => {
    const v = vectors.sumdbRecordHash;
    expect(hashLeaf(Buffer.from(v.input, 'utf8')).toString('base64')).toBe(v.leafHashB64);
    expect(hashLeafText(v.input).toString('base64')).toBe(v.leafHashB64);
  });

  it('hashes an entry given as text as its UTF-8 bytes', () => {
    for (const text of ['', '{"a":"Zoë ☃ 😀"}', '\u0000', 'x'.repeat(5000)]) {
      expect(hashLeafText(text)).toEqual(hashLeaf(Buffer.from(text, 'utf8')));
    }
  });
});

describe('reference tree (CT merkle_tree_test.cc)', () => {
  it('leaf hashes come from the leaf inputs', () => {
    const leaves = vectors.referenceTree.leafInputsHex.map((h) => hashLeaf(hex(h)));
    expect(leaves.map((l) => l.toString('hex'))).toEqual(vectors.referenceTree.leafHashes);
  });

  it('roots for sizes 0..8 agree across rootOf, CompactRange and rootFromReader', async () => {
    const range = new CompactRange();
    for (let size = 0; size <= 8; size++) {
      const want = vectors.referenceTree.rootsBySize[String(size)];
      expect(rootOf(refLeaves.slice(0, size)).toString('hex')).toBe(want);
      expect(range.root().toString('hex')).toBe(want);
      expect((await rootFromReader(size, memoryReader(refLeaves))).toString('hex')).toBe(want);
      if (size < 8) range.append(refLeaves[size] as Buffer);
    }
  });

  it('CompactRange reports every complete node hash of the reference tree', () => {
    const seen = new Map<string, string>();
    const range = new CompactRange();
    for (const leaf of refLeaves)
      range.append(leaf, (id, hash) => seen.set(`${id.level}/${id.index}`, hash.toString('hex')));
    const want = new Map<string, string>();
    vectors.referenceTree.nodeHashesByLevel.forEach((level, l) =>
      level.forEach((h, i) => want.set(`${l}/${i}`, h)),
    );
    expect(want.size).toBe(15);
    expect(seen).toEqual(want);
  });
});

describe('inclusion proofs (RFC 9162 2.1.3)', () => {
  const all = [...vectors.upstreamInclusionProofs.vectors, ...vectors.derivedAllInclusionProofs.vectors];

  it('reproduces and verifies the 5 upstream and 36 derived proofs', async () => {
    expect(all).toHaveLength(41);
    for (const v of all) {
      const read = memoryReader(refLeaves.slice(0, v.treeSize));
      const proof = await inclusionProof(v.leafIndex, v.treeSize, read);
      expect(proof.map((p) => p.toString('hex'))).toEqual(v.proof);
      expect(read.calls).toBe(v.proof.length === 0 ? 0 : 1);
      expect(
        verifyInclusion(hex(v.leafHash), v.leafIndex, v.treeSize, v.proof.map(hex), hex(v.root)),
      ).toEqual({
        ok: true,
      });
    }
  });

  it('rejects every derived proof once any hash, the index or the size is wrong', () => {
    for (const v of vectors.derivedAllInclusionProofs.vectors) {
      const leaf = hex(v.leafHash);
      const root = hex(v.root);
      const proof = v.proof.map(hex);
      expect(verifyInclusion(flip(leaf), v.leafIndex, v.treeSize, proof, root).ok).toBe(false);
      expect(verifyInclusion(leaf, v.leafIndex, v.treeSize, proof, flip(root, 31)).ok).toBe(false);
      proof.forEach((_, i) => {
        const bad = proof.map((p, j) => (i === j ? flip(p, 7) : p));
        expect(verifyInclusion(leaf, v.leafIndex, v.treeSize, bad, root).ok).toBe(false);
      });
      if (v.treeSize > 1) {
        expect(verifyInclusion(leaf, (v.leafIndex + 1) % v.treeSize, v.treeSize, proof, root).ok).toBe(false);
      }
      expect(verifyInclusion(leaf, v.leafIndex, v.treeSize, [...proof, root], root).ok).toBe(false);
      if (proof.length > 0)
        expect(verifyInclusion(leaf, v.leafIndex, v.treeSize, proof.slice(1), root).ok).toBe(false);
    }
  });
});

describe('consistency proofs (RFC 9162 2.1.4)', () => {
  const all = [...vectors.upstreamConsistencyProofs.vectors, ...vectors.derivedAllConsistencyProofs.vectors];

  it('reproduces and verifies the 5 upstream and 36 derived proofs with both verifiers', async () => {
    expect(all).toHaveLength(41);
    for (const v of all) {
      const read = memoryReader(refLeaves.slice(0, v.size2));
      const proof = await consistencyProof(v.size1, v.size2, read);
      expect(proof.map((p) => p.toString('hex'))).toEqual(v.proof);
      expect(read.calls).toBe(v.proof.length === 0 ? 0 : 1);
      const args = [v.proof.map(hex), hex(v.root1), hex(v.root2)] as const;
      expect(verifyConsistency(v.size1, v.size2, ...args)).toEqual({ ok: true });
      expect(verifySubtreeConsistency(0, v.size1, v.size2, ...args)).toEqual({ ok: true });
    }
  });

  it('rejects every derived proof once any hash or size is wrong, in both verifiers', () => {
    for (const v of vectors.derivedAllConsistencyProofs.vectors) {
      const proof = v.proof.map(hex);
      const [r1, r2] = [hex(v.root1), hex(v.root2)];
      const both = (m: number, n: number, p: Buffer[], a: Buffer, b: Buffer) => [
        verifyConsistency(m, n, p, a, b).ok,
        verifySubtreeConsistency(0, m, n, p, a, b).ok,
      ];
      expect(both(v.size1, v.size2, proof, flip(r1), r2)).toEqual([false, false]);
      expect(both(v.size1, v.size2, proof, r1, flip(r2))).toEqual([false, false]);
      proof.forEach((_, i) => {
        const bad = proof.map((p, j) => (i === j ? flip(p, 9) : p));
        expect(both(v.size1, v.size2, bad, r1, r2)).toEqual([false, false]);
      });
      expect(both(v.size1, v.size2, [...proof, r2], r1, r2)).toEqual([false, false]);
      if (v.size1 < v.size2) {
        expect(both(v.size1 + 1, v.size2, proof, r1, r2)).toEqual([false, false]);
      }
    }
  });

  it('refuses to build a proof from the empty tree or backwards', async () => {
    const read = memoryReader(refLeaves);
    await expect(consistencyProof(0, 8, read)).rejects.toThrow(/empty tree/);
    await expect(consistencyProof(5, 4, read)).rejects.toThrow(/larger/);
    await expect(inclusionProof(8, 8, read)).rejects.toThrow(/not in a tree/);
  });
});

describe('transparency-dev/merkle probes', () => {
  const { probes } = vectors;
  const proofOf = (p: Probe) => (p.proof ?? []).map(b64);
  // The Go verifier skips the hash length check when the proof is trivially empty; ours wants
  // 32-byte hashes everywhere, so it rejects these malformed-but-otherwise-accepted cases.
  const STRICTER_THAN_GO = [
    'testdata/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json',
    'testdata/subtreeconsistency/additional/sizes-are-equal-one-and-proof-is-empty.json',
    'testdata/subtreeconsistency/additional/subtree-is-empty-sizes-are-equal-one-subtree-root-valid-tree-root-random-proof-is-empty.json',
    'testdata/subtreeconsistency/additional/subtree-is-empty-sizes-are-equal-zero-subtree-root-valid-tree-root-random-proof-is-empty.json',
  ];

  it('gives the expected verdict on all 98 inclusion probes', () => {
    expect(probes.inclusion).toHaveLength(probes.counts.inclusion);
    const verdicts = probes.inclusion.map((p) => {
      const result = verifyInclusion(b64(p.leafHash), p.leafIdx, p.treeSize, proofOf(p), b64(p.root));
      return { file: p.file, rejected: !result.ok, wantErr: p.wantErr };
    });
    expect(verdicts.filter((v) => v.rejected !== v.wantErr)).toEqual([]);
    expect(verdicts).toHaveLength(98);
  });

  it('gives the expected verdict on all 98 consistency probes but one, which it rejects on purpose', () => {
    expect(probes.consistency).toHaveLength(probes.counts.consistency);
    const mismatches = probes.consistency.filter((p) => {
      const result = verifyConsistency(p.size1, p.size2, proofOf(p), b64(p.root1), b64(p.root2));
      return result.ok === p.wantErr;
    });
    expect(mismatches.map((p) => p.file)).toEqual(STRICTER_THAN_GO.slice(0, 1));
    const [strict] = mismatches;
    expect(strict?.wantErr).toBe(false);
    expect(verifyConsistency(1, 1, [], b64(strict?.root1 ?? ''), b64(strict?.root2 ?? ''))).toEqual({
      ok: false,
      reason: 'old root is 12 bytes, want 32',
    });
  });

  it('gives the expected verdict on all 204 subtree inclusion probes', () => {
    expect(probes.subtreeInclusion).toHaveLength(probes.counts.subtreeInclusion);
    const mismatches = probes.subtreeInclusion.filter((p) => {
      const result = verifySubtreeInclusion(
        b64(p.leafHash),
        p.leafIdx,
        p.start,
        p.end,
        proofOf(p),
        b64(p.root),
      );
      return result.ok === p.wantErr;
    });
    expect(mismatches.map((p) => p.file)).toEqual([]);
    expect(probes.subtreeInclusion).toHaveLength(204);
  });

  it('gives the expected verdict on all 118 subtree consistency probes but three, rejected on purpose', () => {
    expect(probes.subtreeConsistency).toHaveLength(probes.counts.subtreeConsistency);
    const mismatches = probes.subtreeConsistency.filter((p) => {
      const result = verifySubtreeConsistency(p.start, p.end, p.size, proofOf(p), b64(p.root1), b64(p.root2));
      if (result.ok === p.wantErr && !result.ok) expect(result.reason).toMatch(/12 bytes, want 32/);
      return result.ok === p.wantErr;
    });
    expect(mismatches.map((p) => p.file)).toEqual(STRICTER_THAN_GO.slice(1));
    expect(mismatches.every((p) => !p.wantErr)).toBe(true);
    expect(probes.subtreeConsistency).toHaveLength(118);
  });

  it('regenerates every accepted subtree proof from the reference tree', async () => {
    // The upstream generator places the CT reference leaves (or, for one-leaf subtrees, the probe's
    // own leaf) at the subtree's start.
    let regenerated = 0;
    for (const p of probes.subtreeInclusion.filter((q) => !q.wantErr)) {
      const base = p.end - p.start === 1 ? [b64(p.leafHash)] : refLeaves;
      expect(base[p.leafIdx - p.start]?.toString('base64')).toBe(p.leafHash);
      expect(rootOf(base.slice(0, p.end - p.start)).toString('base64')).toBe(p.root);
      const leaves = [...Array.from({ length: p.start }, () => Buffer.alloc(32)), ...base];
      const proof = await subtreeInclusionProof(p.leafIdx, p.start, p.end, memoryReader(leaves));
      expect(
        proof.map((h) => h.toString('base64')),
        p.file,
      ).toEqual(p.proof ?? []);
      regenerated++;
    }
    for (const p of probes.subtreeConsistency.filter(
      (q) => !q.wantErr && !STRICTER_THAN_GO.includes(q.file),
    )) {
      const proof = await subtreeConsistencyProof(p.start, p.end, p.size, memoryReader(refLeaves));
      expect(
        proof.map((h) => h.toString('base64')),
        p.file,
      ).toEqual(p.proof ?? []);
      regenerated++;
    }
    expect(regenerated).toBe(12 + 9);
  });
});

describe('Tessera test log (tlog-tiles)', () => {
  const log = new URL('tessera-testdata-log/', FIXTURES);
  const readLog = (path: string) => readFileSync(new URL(path, log));

  it('decodes the entry bundle into the 15 entries', () => {
    const bundle = readLog('tile/entries/000.p/15');
    const entries: string[] = [];
    for (let at = 0; at < bundle.length;) {
      const length = bundle.readUInt16BE(at);
      entries.push(bundle.subarray(at + 2, at + 2 + length).toString('utf8'));
      at += 2 + length;
    }
    expect(entries).toEqual(tessera.entries);
  });

  it('leaf hashes match the level-0 tiles and the published leaf hashes', () => {
    expect(tesseraLeaves.map((h) => h.toString('base64'))).toEqual(tessera.leafHashesB64);
    for (let width = 1; width <= 15; width++) {
      expect(readLog(`tile/0/000.p/${width}`)).toEqual(Buffer.concat(tesseraLeaves.slice(0, width)));
    }
  });

  it('reproduces the root of all 16 checkpoints, signed files included', () => {
    expect(tessera.checkpoints).toHaveLength(16);
    const range = new CompactRange();
    for (const cp of tessera.checkpoints) {
      while (range.size < cp.size) range.append(tesseraLeaves[range.size] as Buffer);
      expect(range.root().toString('base64')).toBe(cp.rootHashB64);
      const [, size, root] = readLog(`checkpoint.${cp.size}`).toString('utf8').split('\n');
      expect([Number(size), root]).toEqual([cp.size, cp.rootHashB64]);
    }
  });

  it('reproduces and verifies the derived inclusion and consistency proofs', async () => {
    const rootAt = (n: number) => rootOf(tesseraLeaves.slice(0, n));
    for (const v of tessera.derivedInclusionProofs) {
      const proof = await inclusionProof(v.leafIndex, v.treeSize, memoryReader(tesseraLeaves));
      expect(proof.map((h) => h.toString('base64'))).toEqual(v.proofB64);
      expect(verifyInclusion(b64(v.leafHashB64), v.leafIndex, v.treeSize, proof, rootAt(v.treeSize)).ok).toBe(
        true,
      );
    }
    for (const v of tessera.derivedConsistencyProofs) {
      const proof = await consistencyProof(v.size1, v.size2, memoryReader(tesseraLeaves));
      expect(proof.map((h) => h.toString('base64'))).toEqual(v.proofB64);
      expect(verifyConsistency(v.size1, v.size2, proof, rootAt(v.size1), rootAt(v.size2)).ok).toBe(true);
    }
    expect(tessera.derivedInclusionProofs.length + tessera.derivedConsistencyProofs.length).toBe(10);
  });
});

describe('exhaustive small trees', () => {
  const leaves = Array.from({ length: 33 }, (_, i) => hashLeaf(Buffer.from(`entry ${i}`)));

  it('every inclusion and consistency proof up to size 33 verifies, read in one batch', async () => {
    const read = memoryReader(leaves);
    for (let n = 1; n <= leaves.length; n++) {
      const root = rootOf(leaves.slice(0, n));
      for (let i = 0; i < n; i++) {
        const proof = await inclusionProof(i, n, read);
        expect(verifyInclusion(leaves[i] as Buffer, i, n, proof, root).ok).toBe(true);
        if (n > 1) expect(verifyInclusion(leaves[i] as Buffer, (i + 1) % n, n, proof, root).ok).toBe(false);
      }
      for (let m = 1; m <= n; m++) {
        const before = read.calls;
        const proof = await consistencyProof(m, n, read);
        expect(read.calls - before).toBe(m === n ? 0 : 1);
        const oldRoot = rootOf(leaves.slice(0, m));
        expect(verifyConsistency(m, n, proof, oldRoot, root).ok).toBe(true);
        expect(verifySubtreeConsistency(0, m, n, proof, oldRoot, root).ok).toBe(true);
        if (m < n)
          expect(verifyConsistency(m, n, proof, rootOf(leaves.slice(0, m - 1)), root).ok).toBe(false);
      }
    }
  });
});

describe('CompactRange', () => {
  const leaves = Array.from({ length: 70 }, (_, i) => hashLeaf(Buffer.from([i])));

  it('matches rootOf at every size and reports each complete node exactly once', () => {
    const range = new CompactRange();
    const reported = new Map<string, Buffer>();
    for (let n = 1; n <= leaves.length; n++) {
      range.append(leaves[n - 1] as Buffer, (id, hash) => {
        const key = `${id.level}/${id.index}`;
        expect(reported.has(key)).toBe(false);
        reported.set(key, hash);
      });
      expect(range.size).toBe(n);
      expect(range.root()).toEqual(rootOf(leaves.slice(0, n)));
    }
    // A tree of n leaves has 2n - popcount(n) complete nodes.
    expect(reported.size).toBe(2 * 70 - 3);
    for (const [key, hash] of reported) {
      const [level, index] = key.split('/').map(Number) as [number, number];
      const [lo, hi] = nodeRange({ level, index });
      expect(hash).toEqual(rootOf(leaves.slice(lo, hi)));
    }
  });

  it('round-trips through JSON and rebuilds from a reader; clones are independent', async () => {
    const range = new CompactRange();
    for (const leaf of leaves.slice(0, 45)) range.append(leaf);
    // 45 = 32 + 8 + 4 + 1: one frontier node per set bit, largest first.
    expect(range.nodes.map((n) => n.id)).toEqual([
      { level: 5, index: 0 },
      { level: 3, index: 4 },
      { level: 2, index: 10 },
      { level: 0, index: 44 },
    ]);
    expect(range.nodes.map((n) => n.hash)).toEqual(
      range.nodes.map((n) => rootOf(leaves.slice(...nodeRange(n.id)))),
    );
    const restored = CompactRange.fromJSON(range.toJSON());
    expect(restored.size).toBe(45);
    expect(restored.root()).toEqual(range.root());
    expect(CompactRange.fromJSON(range.state()).root()).toEqual(range.root());
    const read = memoryReader(leaves);
    const rebuilt = await CompactRange.fromReader(45, read);
    expect(read.calls).toBe(1);
    expect(rebuilt.toJSON()).toBe(range.toJSON());
    const clone = range.clone();
    clone.append(leaves[45] as Buffer);
    expect(range.size).toBe(45);
    expect(clone.root()).toEqual(rootOf(leaves.slice(0, 46)));
    expect(new CompactRange().root()).toEqual(EMPTY_ROOT);
  });

  it('refuses inconsistent state and bad leaves', () => {
    const state = new CompactRange(1, [leaves[0] as Buffer]).state();
    expect(() => CompactRange.fromJSON({ size: 3, hashes: state.hashes })).toThrow(/frontier hashes/);
    expect(() => CompactRange.fromJSON({ size: 1, hashes: ['not base64!'] })).toThrow(/base64/);
    expect(() => CompactRange.fromJSON('{')).toThrow(/not JSON/);
    expect(() => new CompactRange(-1)).toThrow(/safe integer/);
    expect(() => new CompactRange().append(Buffer.alloc(31))).toThrow(/31 bytes/);
    expect(() => rangeNodes(1, 3)).toThrow(/not a subtree/);
  });
});

describe('createTiledReader', () => {
  const leaves = Array.from({ length: 300 }, (_, i) => hashLeaf(Buffer.from(`tile ${i}`)));

  for (const stride of [1, 2, 3, 4, 8]) {
    it(`serves every complete node from levels that are multiples of ${stride}, one batch per call`, async () => {
      const full = memoryReader(leaves);
      const storedOnly = (async (ids: readonly NodeId[]) => {
        for (const id of ids) expect(isStoredNode(id, stride)).toBe(true);
        return full(ids);
      }) as NodeReader;
      const tiled = createTiledReader(storedOnly, stride);
      const ids: NodeId[] = [];
      for (let level = 0; 2 ** level <= leaves.length; level++) {
        for (let index = 0; (index + 1) * 2 ** level <= leaves.length; index++) ids.push({ level, index });
      }
      const before = full.calls;
      const got = await tiled(ids);
      expect(full.calls - before).toBe(1);
      expect(got).toEqual(ids.map((id) => rootOf(leaves.slice(...nodeRange(id)))));
      const proof = await inclusionProof(137, 300, tiled);
      expect(proof).toEqual(await inclusionProof(137, 300, full));
      expect(await consistencyProof(100, 300, tiled)).toEqual(await consistencyProof(100, 300, full));
    });
  }

  it('reports a store that returns the wrong number of hashes', async () => {
    const short = createTiledReader(async () => [], 8);
    await expect(short([{ level: 3, index: 0 }])).rejects.toThrow(/returned 0 hashes for 8 nodes/);
  });
});

describe('index arithmetic beyond 2^32', () => {
  /**
   * A consistent tree of up to 2^53 leaves that costs nothing to read: every leaf hash is the same
   * except a few special ones, so every node without a special leaf under it has the per-level
   * "uniform" hash and the others are hashed from their children on demand.
   */
  function syntheticTree(special: readonly number[]) {
    const uniform = [hashLeaf(Buffer.from('uniform leaf'))];
    for (let level = 1; level <= 53; level++) {
      const below = uniform[level - 1] as Buffer;
      uniform.push(hashChildren(below, below));
    }
    const memo = new Map<string, Buffer>();
    const node = (level: number, index: bigint): Buffer => {
      const lo = index << BigInt(level);
      const hi = lo + (1n << BigInt(level));
      if (!special.some((s) => BigInt(s) >= lo && BigInt(s) < hi)) return uniform[level] as Buffer;
      if (level === 0) return hashLeaf(Buffer.from(`special ${index}`));
      const key = `${level}/${index}`;
      let hash = memo.get(key);
      if (!hash) {
        hash = hashChildren(node(level - 1, index * 2n), node(level - 1, index * 2n + 1n));
        memo.set(key, hash);
      }
      return hash;
    };
    // MTH(D[lo:hi]) by RFC 9162 2.1.1 with BigInt arithmetic: independent of merkle.ts.
    const mth = (lo: bigint, hi: bigint): Buffer => {
      const n = hi - lo;
      const level = n.toString(2).length - 1;
      if (n === 1n << BigInt(level) && lo % n === 0n) return node(level, lo / n);
      const k = 1n << BigInt((n - 1n).toString(2).length - 1);
      return hashChildren(mth(lo, lo + k), mth(lo + k, hi));
    };
    const read = (async (ids: readonly NodeId[]) => {
      read.calls += 1;
      return ids.map((id) => node(id.level, BigInt(id.index)));
    }) as NodeReader & { calls: number };
    read.calls = 0;
    return {
      leaf: (i: number) => node(0, BigInt(i)),
      node: (id: NodeId) => node(id.level, BigInt(id.index)),
      root: (n: number) => mth(0n, BigInt(n)),
      read,
    };
  }

  const size = 2 ** 40 + 2 ** 33 + 12345;
  const index = 2 ** 40 + 2 ** 20 + 7;
  const old = 2 ** 40 + 5;
  const tree = syntheticTree([
    index - 1,
    index,
    index + 1,
    2 ** 39 + 3,
    2 ** 40 - 1,
    old - 1,
    old,
    size - 1,
    size,
    size + 1,
  ]);

  it('builds and verifies inclusion proofs at leaf indexes near 2^40', async () => {
    const root = tree.root(size);
    expect(await rootFromReader(size, tree.read)).toEqual(root);
    for (const i of [index, 2 ** 39 + 3, size - 1]) {
      const before = tree.read.calls;
      const proof = await inclusionProof(i, size, tree.read);
      expect(tree.read.calls - before).toBe(1);
      // Go's decompInclProof, in BigInt: inner = bitlen(i ^ (size - 1)), border = popcount(i >> inner).
      const inner = (BigInt(i) ^ BigInt(size - 1)).toString(2).replace(/^0+/, '').length;
      const border = [...(BigInt(i) >> BigInt(inner)).toString(2)].filter((b) => b === '1').length;
      expect(proof).toHaveLength(inner + border);
      expect(verifyInclusion(tree.leaf(i), i, size, proof, root)).toEqual({ ok: true });
      expect(verifyInclusion(tree.leaf(i), i - 1, size, proof, root).ok).toBe(false);
      expect(verifySubtreeInclusion(tree.leaf(i), i, 0, size, proof, root)).toEqual({ ok: true });
    }
  });

  it('builds and verifies a consistency proof from 2^40 + 5 to 2^40 + 2^33 + 12345', async () => {
    const proof = await consistencyProof(old, size, tree.read);
    const args = [proof, tree.root(old), tree.root(size)] as const;
    expect(verifyConsistency(old, size, ...args)).toEqual({ ok: true });
    expect(verifySubtreeConsistency(0, old, size, ...args)).toEqual({ ok: true });
    expect(verifyConsistency(old + 1, size, ...args).ok).toBe(false);
  });

  it('verifies the last leaf of a tree of 2^53 - 1 leaves', async () => {
    const max = Number.MAX_SAFE_INTEGER;
    const big = syntheticTree([max - 1, max - 2, 2 ** 52]);
    const proof = await inclusionProof(max - 1, max, big.read);
    expect(proof).toHaveLength(52);
    expect(verifyInclusion(big.leaf(max - 1), max - 1, max, proof, big.root(max))).toEqual({ ok: true });
    const cproof = await consistencyProof(2 ** 52 + 1, max, big.read);
    expect(verifyConsistency(2 ** 52 + 1, max, cproof, big.root(2 ** 52 + 1), big.root(max)).ok).toBe(true);
  });

  it('CompactRange resumes at 2^40 and reports the right node ids', async () => {
    const range = await CompactRange.fromReader(size, tree.read);
    expect(range.root()).toEqual(tree.root(size));
    const reported: Array<{ id: NodeId; hash: Buffer }> = [];
    range.append(tree.leaf(size), (id, hash) => reported.push({ id, hash }));
    range.append(tree.leaf(size + 1), (id, hash) => reported.push({ id, hash }));
    expect(range.root()).toEqual(tree.root(size + 2));
    expect(reported.length).toBeGreaterThan(2);
    for (const { id, hash } of reported) expect(hash).toEqual(tree.node(id));
    expect(reported.map(({ id }) => nodeRange(id)[1])).toContain(size + 2);
  });

  it('proofs through the stride-4 tiled reader past 2^31 and 2^40 read only stored levels', async () => {
    const tiled = createTiledReader(async (stored) => {
      for (const id of stored) expect(id.level % 4).toBe(0);
      return tree.read(stored);
    }, 4);
    for (const i of [2 ** 31 + 5, index, size - 1]) {
      const proof = await inclusionProof(i, size, tiled);
      expect(proof).toEqual(await inclusionProof(i, size, tree.read));
      expect(verifyInclusion(tree.leaf(i), i, size, proof, tree.root(size))).toEqual({ ok: true });
    }
  });

  it('the tiled reader serves nodes near 2^40 from stride-8 levels', async () => {
    const ids: NodeId[] = [9, 12, 15, 16, 17].map((level) => ({
      level,
      index: Math.floor(index / 2 ** level),
    }));
    const tiled = createTiledReader(async (stored) => {
      for (const id of stored) expect(id.level % 8).toBe(0);
      return tree.read(stored);
    }, 8);
    expect(await tiled(ids)).toEqual(ids.map(tree.node));
  });
});
