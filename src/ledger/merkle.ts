// The RFC 9162 (RFC 6962) Merkle tree over SHA-256: hashing, proofs built from stored complete
// nodes, proof verification, and the compact range the ledger appends to. Pure: storage is reached
// only through a NodeReader. Index arithmetic uses plain division, never 32-bit bitwise operators,
// so it is exact for every safe integer (up to 2^53 - 1 leaves).

import { createHash, hash as digestOnce } from 'node:crypto';
import { StoreError, ValidationError } from '../core/errors.js';
import { sha256Joined } from './sha256.js';

export const HASH_SIZE = 32;

/** A complete subtree: 2^level leaves starting at leaf index * 2^level. Level 0 = leaf hashes. */
export interface NodeId {
  level: number;
  index: number;
}

/** Reads complete-node hashes, one per id in the same order (batched: one query per call). */
export type NodeReader = (ids: readonly NodeId[]) => Promise<Buffer[]>;

export type VerifyResult = { ok: true } | { ok: false; reason: string };

const LEAF_PREFIX = Buffer.from([0x00]);

/** RFC 9162 2.1.1: MTH({}) = SHA-256(""). Shared: never mutate it. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

/** RFC 9162 2.1.1: leaf hash = SHA-256(0x00 || entry). */
export function hashLeaf(entry: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(entry).digest();
}

/**
 * hashLeaf of the UTF-8 bytes of `entry` (which has no lone surrogates: canonical JSON text). One
 * native call over the prefixed text, without the entry's bytes as a buffer or a Hash object.
 */
export function hashLeafText(entry: string): Buffer {
  return digestOnce('sha256', '\u0000' + entry, 'buffer');
}

/**
 * RFC 9162 2.1.1: node hash = SHA-256(0x01 || left || right). Two 32-byte hashes are hashed in
 * JavaScript (two compressions: a quarter of the time of one node:crypto call); anything else, which
 * no tree holds, by a one-shot `hash` over a pooled buffer.
 */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length === HASH_SIZE && right.length === HASH_SIZE) return sha256Joined(0x01, left, right);
  const input = Buffer.allocUnsafe(1 + left.length + right.length);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return digestOnce('sha256', input, 'buffer');
}

// ---------------------------------------------------------------------------------------------
// Index arithmetic on safe integers

/** Largest power of two <= n (n >= 1). Math.log2 may round up near 2^k, so it is corrected. */
function powerOfTwoAtMost(n: number): number {
  let p = 2 ** Math.floor(Math.log2(n));
  while (p > n) p /= 2;
  while (p * 2 <= n) p *= 2;
  return p;
}

/** RFC 9162 2.1.1: k, the largest power of two smaller than n (n >= 2). */
function splitPoint(n: number): number {
  return powerOfTwoAtMost(n - 1);
}

function isPowerOfTwo(n: number): boolean {
  return n >= 1 && powerOfTwoAtMost(n) === n;
}

/** log2 of an exact power of two. */
function levelOf(powerOfTwo: number): number {
  return Math.round(Math.log2(powerOfTwo));
}

function isIndex(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function requireIndex(name: string, n: number): void {
  if (!isIndex(n)) throw new ValidationError(`${name} must be a non-negative safe integer, got ${n}`);
}

/** The leaves [first, end) a node covers. */
export function nodeRange(id: NodeId): [number, number] {
  const width = 2 ** id.level;
  return [id.index * width, (id.index + 1) * width];
}

/**
 * The complete nodes that make up MTH(D[lo:hi]) in RFC 9162 order, largest first, for a range
 * that is a subtree of the RFC 9162 recursion (lo a multiple of the smallest power of two >= hi-lo).
 * Its hash is the right fold: H(n0, H(n1, ... H(n_k-1, n_k))).
 */
export function rangeNodes(lo: number, hi: number): NodeId[] {
  const ids: NodeId[] = [];
  while (lo < hi) {
    const width = powerOfTwoAtMost(hi - lo);
    if (lo % width !== 0) throw new ValidationError(`[${lo}, ${hi}) is not a subtree of the tree`);
    ids.push({ level: levelOf(width), index: lo / width });
    lo += width;
  }
  return ids;
}

function foldRight(hashes: readonly Buffer[]): Buffer {
  let hash = hashes[hashes.length - 1] as Buffer;
  for (let i = hashes.length - 2; i >= 0; i--) hash = hashChildren(hashes[i] as Buffer, hash);
  return hash;
}

// ---------------------------------------------------------------------------------------------
// Reference tree hash

/** RFC 9162 2.1.1 MTH over leaf hashes, by the recursive definition. Reference and tests. */
export function rootOf(leafHashes: readonly Buffer[]): Buffer {
  if (leafHashes.length === 0) return Buffer.from(EMPTY_ROOT);
  return mth(leafHashes, 0, leafHashes.length);
}

function mth(leaves: readonly Buffer[], lo: number, hi: number): Buffer {
  if (hi - lo === 1) return leaves[lo] as Buffer;
  const k = splitPoint(hi - lo);
  return hashChildren(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
}

// ---------------------------------------------------------------------------------------------
// Proof generation: compute the leaf ranges a proof needs, read their complete nodes in one
// batch, fold each range into one proof element.

type Range = [number, number];

/** RFC 9162 2.1.3.1 PATH(m, D[n]) as leaf ranges, leaf sibling first, offset by `base`. */
function inclusionRanges(index: number, size: number, base = 0): Range[] {
  const ranges: Range[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const mid = lo + splitPoint(hi - lo);
    if (index < mid) {
      ranges.push([base + mid, base + hi]);
      hi = mid;
    } else {
      ranges.push([base + lo, base + mid]);
      lo = mid;
    }
  }
  return ranges.reverse();
}

/**
 * RFC 9162 2.1.4.1 SUBPROOF generalized to a subtree [start, end) of D[0:size] (the subtree
 * consistency proof of draft-ietf-plants-merkle-tree-certs); start = 0 gives PROOF(end, D[size]).
 */
function consistencyRanges(start: number, end: number, size: number): Range[] {
  const ranges: Range[] = [];
  let lo = 0;
  let hi = size;
  let known = true; // the `b` flag: the current subtree's own hash is known to the verifier
  while (start !== lo || end !== hi) {
    const mid = lo + splitPoint(hi - lo);
    if (end <= mid) {
      ranges.push([mid, hi]);
      hi = mid;
    } else if (start >= mid) {
      ranges.push([lo, mid]);
      lo = mid;
    } else {
      // The subtree straddles mid, so it starts at lo: D[lo:mid] is shared, go right.
      ranges.push([lo, mid]);
      lo = mid;
      start = mid;
      known = false;
    }
  }
  if (!known) ranges.push([lo, hi]);
  return ranges.reverse();
}

async function readRanges(ranges: readonly Range[], read: NodeReader): Promise<Buffer[]> {
  if (ranges.length === 0) return [];
  const perRange = ranges.map(([lo, hi]) => rangeNodes(lo, hi));
  const ids = perRange.flat();
  const hashes = await read(ids);
  checkReadResult(ids, hashes);
  const out: Buffer[] = [];
  let at = 0;
  for (const nodes of perRange) {
    out.push(foldRight(hashes.slice(at, at + nodes.length)));
    at += nodes.length;
  }
  return out;
}

function checkReadResult(ids: readonly NodeId[], hashes: readonly (Buffer | undefined)[]): void {
  if (hashes.length !== ids.length) {
    throw new StoreError(`node reader returned ${hashes.length} hashes for ${ids.length} nodes`);
  }
  hashes.forEach((hash, i) => {
    if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
      const id = ids[i] as NodeId;
      throw new StoreError(`node ${id.level}/${id.index} is missing or not a ${HASH_SIZE}-byte hash`);
    }
  });
}

/** RFC 9162 2.1.3.1 inclusion proof (audit path) of leaf `index` in the tree of `size` leaves. */
export async function inclusionProof(index: number, size: number, read: NodeReader): Promise<Buffer[]> {
  requireIndex('size', size);
  requireIndex('index', index);
  if (index >= size) throw new ValidationError(`leaf ${index} is not in a tree of size ${size}`);
  return readRanges(inclusionRanges(index, size), read);
}

/**
 * RFC 9162 2.1.4.1 consistency proof PROOF(m, D[n]). Requires 0 < m <= n (m = n gives []).
 * A tree of size 0 is consistent with every tree and has no proof: callers special-case it.
 */
export async function consistencyProof(m: number, n: number, read: NodeReader): Promise<Buffer[]> {
  requireIndex('old size', m);
  requireIndex('new size', n);
  if (m === 0) throw new ValidationError('a consistency proof from the empty tree proves nothing');
  if (m > n) throw new ValidationError(`old size ${m} is larger than new size ${n}`);
  return readRanges(consistencyRanges(0, m, n), read);
}

/** Inclusion proof of leaf `index` in the subtree [start, end) (draft-ietf-plants-merkle-tree-certs). */
export async function subtreeInclusionProof(
  index: number,
  start: number,
  end: number,
  read: NodeReader,
): Promise<Buffer[]> {
  const invalid = subtreeProblem(start, end);
  if (invalid) throw new ValidationError(invalid);
  if (!isIndex(index) || index < start || index >= end) {
    throw new ValidationError(`leaf ${index} is not in the subtree [${start}, ${end})`);
  }
  return readRanges(inclusionRanges(index - start, end - start, start), read);
}

/** Proof that the subtree [start, end) is part of the tree of `size` leaves ([] when start = end). */
export async function subtreeConsistencyProof(
  start: number,
  end: number,
  size: number,
  read: NodeReader,
): Promise<Buffer[]> {
  if (!isIndex(size) || !isIndex(end) || size < end) {
    throw new ValidationError(`size ${size} is below the subtree end ${end}`);
  }
  if (start === end) return []; // an empty subtree is part of every tree
  const invalid = subtreeProblem(start, end);
  if (invalid) throw new ValidationError(invalid);
  return readRanges(consistencyRanges(start, end, size), read);
}

/** RFC 9162 2.1.1 root of the tree of `size` leaves, from its complete nodes. */
export async function rootFromReader(size: number, read: NodeReader): Promise<Buffer> {
  requireIndex('size', size);
  if (size === 0) return Buffer.from(EMPTY_ROOT);
  const [root] = await readRanges([[0, size]], read);
  return root as Buffer;
}

// ---------------------------------------------------------------------------------------------
// Verification. Never throws: a bad argument is a failed verification with a reason.

function hashProblem(name: string, hash: unknown): string | undefined {
  if (!(hash instanceof Uint8Array)) return `${name} is not a byte array`;
  if (hash.length !== HASH_SIZE) return `${name} is ${hash.length} bytes, want ${HASH_SIZE}`;
  return undefined;
}

function proofProblem(proof: readonly Uint8Array[]): string | undefined {
  if (!Array.isArray(proof)) return 'proof is not an array';
  for (let i = 0; i < proof.length; i++) {
    const problem = hashProblem(`proof element ${i}`, proof[i]);
    if (problem) return problem;
  }
  return undefined;
}

function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

const OK: VerifyResult = { ok: true };
const fail = (reason: string): VerifyResult => ({ ok: false, reason });

/** RFC 9162 2.1.3.2: verifies that `leafHash` is leaf `index` of the tree of `size` with `root`. */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): VerifyResult {
  const problem =
    hashProblem('leaf hash', leafHash) ??
    hashProblem('root', root) ??
    proofProblem(proof) ??
    indexProblem(index, size);
  if (problem) return fail(problem);
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (sn === 0) return fail(`proof has ${proof.length} hashes, more than the path needs`);
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return fail(`proof has ${proof.length} hashes, fewer than the path needs`);
  if (!equalHashes(r, root)) return fail('computed root does not match the expected root');
  return OK;
}

function indexProblem(index: number, size: number): string | undefined {
  if (!isIndex(index) || !isIndex(size)) return `index ${index} and size ${size} must be safe integers`;
  if (index >= size) return `leaf ${index} is not in a tree of size ${size}`;
  return undefined;
}

/** RFC 9162 2.1.4.2: verifies that the tree of size m with oldRoot is a prefix of size n with newRoot. */
export function verifyConsistency(
  m: number,
  n: number,
  proof: readonly Uint8Array[],
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
): VerifyResult {
  const problem = hashProblem('old root', oldRoot) ?? hashProblem('new root', newRoot) ?? proofProblem(proof);
  if (problem) return fail(problem);
  if (!isIndex(m) || !isIndex(n)) return fail(`sizes ${m} and ${n} must be safe integers`);
  if (m > n) return fail(`old size ${m} is larger than new size ${n}`);
  if (m === 0) return fail('a consistency proof from the empty tree proves nothing');
  if (m === n) {
    if (proof.length !== 0) return fail('sizes are equal but the proof is not empty');
    return equalHashes(oldRoot, newRoot) ? OK : fail('sizes are equal but the roots differ');
  }
  if (proof.length === 0) return fail('proof is empty');
  // RFC 9162 2.1.4.2 steps 2-7.
  const path: readonly Uint8Array[] = isPowerOfTwo(m) ? [oldRoot, ...proof] : proof;
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) return fail(`proof has ${proof.length} hashes, more than needed`);
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return fail(`proof has ${proof.length} hashes, fewer than needed`);
  if (!equalHashes(fr, oldRoot)) return fail('proof does not reproduce the old root');
  if (!equalHashes(sr, newRoot)) return fail('proof does not reproduce the new root');
  return OK;
}

/** Why [start, end) is not a subtree: start < end and start a multiple of BIT_CEIL(end - start). */
export function subtreeProblem(start: number, end: number): string | undefined {
  if (!isIndex(start) || !isIndex(end) || start >= end) return `[${start}, ${end}) is not a non-empty range`;
  const width = end - start;
  const ceil = isPowerOfTwo(width) ? width : powerOfTwoAtMost(width) * 2;
  if (start % ceil !== 0) return `[${start}, ${end}) is not a subtree: ${start} is not a multiple of ${ceil}`;
  return undefined;
}

/** Verifies leaf `index` is in the subtree [start, end) whose hash is `subtreeHash`. */
export function verifySubtreeInclusion(
  leafHash: Uint8Array,
  index: number,
  start: number,
  end: number,
  proof: readonly Uint8Array[],
  subtreeHash: Uint8Array,
): VerifyResult {
  const problem = subtreeProblem(start, end);
  if (problem) return fail(problem);
  if (!isIndex(index) || index < start || index >= end) {
    return fail(`leaf ${index} is not in the subtree [${start}, ${end})`);
  }
  return verifyInclusion(leafHash, index - start, end - start, proof, subtreeHash);
}

/**
 * Verifies that the subtree [start, end) with `subtreeHash` is part of the tree of `size` leaves
 * with `root` (an empty subtree, start = end, needs the empty proof and EMPTY_ROOT). It replays the generation recursion (consistencyRanges) from the leaves up, so it
 * is an independent check of verifyConsistency when start = 0.
 */
export function verifySubtreeConsistency(
  start: number,
  end: number,
  size: number,
  proof: readonly Uint8Array[],
  subtreeHash: Uint8Array,
  root: Uint8Array,
): VerifyResult {
  const problem =
    hashProblem('subtree hash', subtreeHash) ??
    hashProblem('root', root) ??
    proofProblem(proof) ??
    (isIndex(size) && isIndex(end) && size >= end ? undefined : `size ${size} is below end ${end}`);
  if (problem) return fail(problem);
  if (start === end) {
    // An empty subtree is part of every tree; like transparency-dev/merkle, demand the empty proof
    // and the empty tree's hash.
    if (proof.length !== 0) return fail('an empty subtree has an empty proof');
    return equalHashes(subtreeHash, EMPTY_ROOT) ? OK : fail('an empty subtree must have the empty root hash');
  }
  const invalid = subtreeProblem(start, end);
  if (invalid) return fail(invalid);
  // Top-down: which side each proof element joins, and whether it is inside the subtree.
  const steps: Array<'right' | 'left' | 'left-inside'> = [];
  let lo = 0;
  let hi = size;
  let known = true;
  while (start !== lo || end !== hi) {
    const mid = lo + splitPoint(hi - lo);
    if (end <= mid) {
      steps.push('right');
      hi = mid;
    } else if (start >= mid) {
      steps.push('left');
      lo = mid;
    } else {
      steps.push('left-inside');
      lo = mid;
      start = mid;
      known = false;
    }
  }
  const want = steps.length + (known ? 0 : 1);
  if (proof.length !== want) return fail(`proof has ${proof.length} hashes, want ${want}`);
  // Bottom-up: `inner` is the hash of the subtree's part seen so far, `outer` of the whole tree.
  let at = 0;
  let inner: Uint8Array = known ? subtreeHash : (proof[at++] as Uint8Array);
  let outer = inner;
  for (let i = steps.length - 1; i >= 0; i--) {
    const p = proof[at++] as Uint8Array;
    if (steps[i] === 'right') {
      outer = hashChildren(outer, p);
    } else {
      outer = hashChildren(p, outer);
      if (steps[i] === 'left-inside') inner = hashChildren(p, inner);
    }
  }
  if (!equalHashes(inner, subtreeHash)) return fail('proof does not reproduce the subtree hash');
  if (!equalHashes(outer, root)) return fail('proof does not reproduce the root');
  return OK;
}

// ---------------------------------------------------------------------------------------------
// Stored levels

/** True when the store keeps node `id`: leaves and every `stride`-th level. */
export function isStoredNode(id: NodeId, stride = 8): boolean {
  return id.level % stride === 0;
}

/**
 * A NodeReader over a store that keeps only levels 0, stride, 2*stride, ...: each requested node
 * is hashed up from the stored nodes under it, all read in one batch per call.
 */
export function createTiledReader(readStored: NodeReader, stride = 8): NodeReader {
  if (!Number.isInteger(stride) || stride < 1 || stride > 16) {
    throw new ValidationError(`stride must be an integer from 1 to 16, got ${stride}`);
  }
  return async (ids) => {
    const wanted: NodeId[] = [];
    const position = new Map<string, number>();
    const plans = ids.map((id) => {
      if (!isIndex(id.level) || !isIndex(id.index) || id.level > 53) {
        throw new ValidationError(`bad node id ${id.level}/${id.index}`);
      }
      const base = id.level - (id.level % stride);
      const width = 2 ** (id.level - base);
      const first = id.index * width;
      if (!Number.isSafeInteger(first + width))
        throw new ValidationError(`node ${id.level}/${id.index} is out of range`);
      const slots: number[] = [];
      for (let i = 0; i < width; i++) {
        const key = `${base}/${first + i}`;
        let slot = position.get(key);
        if (slot === undefined) {
          slot = wanted.length;
          position.set(key, slot);
          wanted.push({ level: base, index: first + i });
        }
        slots.push(slot);
      }
      return slots;
    });
    if (wanted.length === 0) return [];
    const stored = await readStored(wanted);
    checkReadResult(wanted, stored);
    return plans.map((slots) => completeSubtreeHash(slots.map((slot) => stored[slot] as Buffer)));
  };
}

/** The hash of a complete subtree from its 2^k nodes of one level, left to right (k >= 0). */
export function completeSubtreeHash(nodes: readonly Buffer[]): Buffer {
  if (!isPowerOfTwo(nodes.length))
    throw new ValidationError(`${nodes.length} nodes are not a complete subtree`);
  let level = nodes;
  while (level.length > 1) {
    const up: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2)
      up.push(hashChildren(level[i] as Buffer, level[i + 1] as Buffer));
    level = up;
  }
  return level[0] as Buffer;
}

// ---------------------------------------------------------------------------------------------
// Compact range

/** Strict standard base64 of one hash: what Buffer re-encodes must be exactly the input. */
function decodeHash(text: string, i: number): Buffer {
  const hash = Buffer.from(text, 'base64');
  if (hash.toString('base64') !== text || hash.length !== HASH_SIZE) {
    throw new ValidationError(`frontier hash ${i} is not base64 of ${HASH_SIZE} bytes`);
  }
  return hash;
}

/** The persisted form of a CompactRange: size and the frontier hashes, largest subtree first. */
export interface CompactRangeState {
  size: number;
  hashes: string[];
}

/**
 * The right edge of the tree (a.k.a. frontier): one complete-node hash per set bit of `size`,
 * largest subtree first. Enough to append leaves and compute the root without reading anything.
 */
export class CompactRange {
  #size: number;
  #hashes: Buffer[];

  constructor(size = 0, hashes: readonly Uint8Array[] = []) {
    requireIndex('size', size);
    const ids = rangeNodes(0, size);
    if (hashes.length !== ids.length) {
      throw new ValidationError(
        `a range of size ${size} has ${ids.length} frontier hashes, got ${hashes.length}`,
      );
    }
    hashes.forEach((hash, i) => {
      const problem = hashProblem(`frontier hash ${i}`, hash);
      if (problem) throw new ValidationError(problem);
    });
    this.#size = size;
    this.#hashes = hashes.map((hash) => Buffer.from(hash));
  }

  /** Rebuilds the range of a stored tree: reads its frontier nodes in one batch. */
  static async fromReader(size: number, read: NodeReader): Promise<CompactRange> {
    requireIndex('size', size);
    const ids = rangeNodes(0, size);
    if (ids.length === 0) return new CompactRange();
    const hashes = await read(ids);
    checkReadResult(ids, hashes);
    return new CompactRange(size, hashes);
  }

  /** Restores a range from `toJSON()` output (the JSON text or the parsed object). */
  static fromJSON(json: string | CompactRangeState): CompactRange {
    let state: unknown = json;
    if (typeof json === 'string') {
      try {
        state = JSON.parse(json);
      } catch (err) {
        throw new ValidationError('compact range state is not JSON', { cause: err });
      }
    }
    const { size, hashes } = (state ?? {}) as Partial<CompactRangeState>;
    if (typeof size !== 'number' || !Array.isArray(hashes) || !hashes.every((h) => typeof h === 'string')) {
      throw new ValidationError('compact range state must be { size: number, hashes: string[] }');
    }
    return new CompactRange(size, hashes.map(decodeHash));
  }

  get size(): number {
    return this.#size;
  }

  /** The frontier: complete nodes covering [0, size), largest first. */
  get nodes(): Array<{ id: NodeId; hash: Buffer }> {
    return rangeNodes(0, this.#size).map((id, i) => ({ id, hash: Buffer.from(this.#hashes[i] as Buffer) }));
  }

  /**
   * Appends one leaf hash. `onNode` hears about every complete node that becomes known: the leaf
   * itself, then each parent completed by it, bottom-up.
   */
  append(leafHash: Uint8Array, onNode?: (id: NodeId, hash: Buffer) => void): void {
    const problem = hashProblem('leaf hash', leafHash);
    if (problem) throw new ValidationError(problem);
    if (this.#size >= Number.MAX_SAFE_INTEGER) throw new ValidationError('tree is full');
    let hash: Buffer = Buffer.from(leafHash);
    let level = 0;
    let index = this.#size;
    onNode?.({ level, index }, hash);
    // A right child completes its parent; its left sibling is the frontier's smallest node.
    while (index % 2 === 1) {
      hash = hashChildren(this.#hashes.pop() as Buffer, hash);
      level += 1;
      index = (index - 1) / 2;
      onNode?.({ level, index }, hash);
    }
    this.#hashes.push(hash);
    this.#size += 1;
  }

  /** RFC 9162 2.1.1 root hash of the leaves appended so far. */
  root(): Buffer {
    return this.#hashes.length === 0 ? Buffer.from(EMPTY_ROOT) : foldRight(this.#hashes);
  }

  clone(): CompactRange {
    return new CompactRange(this.#size, this.#hashes);
  }

  state(): CompactRangeState {
    return { size: this.#size, hashes: this.#hashes.map((h) => h.toString('base64')) };
  }

  /** JSON text of `state()`, for a text column; `fromJSON` reads it back. */
  toJSON(): string {
    return JSON.stringify(this.state());
  }
}
