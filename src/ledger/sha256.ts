// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for short inputs: personal-data commitments and
// Merkle interior nodes. Each node:crypto call costs 1-2 µs of fixed overhead whatever the input
// length, while one compression of a 64-byte block costs about 0.2 µs here; a commitment of a short
// value is five compressions, and the per-event salt seed's padded key blocks are compressed once
// and reused for every field of the event. Longer inputs go to node:crypto, faster per byte.

import { createHmac } from 'node:crypto';

/** Inputs longer than this are hashed by node:crypto (measured crossover, with margin). */
const NATIVE_FROM_BYTES = 512;

// FIPS 180-4 4.2.2
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

// FIPS 180-4 5.3.3
const INITIAL = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const BLOCK = 64;
/** The block being compressed, as sixteen big-endian words. */
const M = new Int32Array(16);
/** Scratch for one hash state at a time (JavaScript runs one at a time per thread). */
const STATE = new Int32Array(8);

/** Reads the 64-byte block at `offset` into M. */
function load(block: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    M[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
}

/**
 * FIPS 180-4 6.2.2: one compression of the block in M, from the state `from` into `to` (the same
 * array or another: a key's padded state is never copied first). Sixteen rounds are written out
 * so that the message schedule lives in sixteen local variables (w0..w15, updated in place every
 * sixteen rounds) and the working variables rotate by renaming instead of by moves: about 1.4x
 * faster here than a loop over a 64-word schedule array. Writing out all 64 rounds, with the round
 * constants in place, compressed a block 1.2x faster alone but gained nothing while building
 * entries (its code is four times as large).
 */
function compress(from: Int32Array, to: Int32Array): void {
  let a = from[0]!;
  let b = from[1]!;
  let c = from[2]!;
  let d = from[3]!;
  let e = from[4]!;
  let f = from[5]!;
  let g = from[6]!;
  let h = from[7]!;
  let w0 = M[0]!;
  let w1 = M[1]!;
  let w2 = M[2]!;
  let w3 = M[3]!;
  let w4 = M[4]!;
  let w5 = M[5]!;
  let w6 = M[6]!;
  let w7 = M[7]!;
  let w8 = M[8]!;
  let w9 = M[9]!;
  let w10 = M[10]!;
  let w11 = M[11]!;
  let w12 = M[12]!;
  let w13 = M[13]!;
  let w14 = M[14]!;
  let w15 = M[15]!;
  let s = 0;
  for (let k = 0; ; k += 16) {
    s = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    h = (h + s + (g ^ (e & (f ^ g))) + K[k]! + w0) | 0;
    d = (d + h) | 0;
    s = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    h = (h + s + ((a & b) | (c & (a | b)))) | 0;
    s = ((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7));
    g = (g + s + (f ^ (d & (e ^ f))) + K[k + 1]! + w1) | 0;
    c = (c + g) | 0;
    s = ((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10));
    g = (g + s + ((h & a) | (b & (h | a)))) | 0;
    s = ((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7));
    f = (f + s + (e ^ (c & (d ^ e))) + K[k + 2]! + w2) | 0;
    b = (b + f) | 0;
    s = ((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10));
    f = (f + s + ((g & h) | (a & (g | h)))) | 0;
    s = ((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7));
    e = (e + s + (d ^ (b & (c ^ d))) + K[k + 3]! + w3) | 0;
    a = (a + e) | 0;
    s = ((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10));
    e = (e + s + ((f & g) | (h & (f | g)))) | 0;
    s = ((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7));
    d = (d + s + (c ^ (a & (b ^ c))) + K[k + 4]! + w4) | 0;
    h = (h + d) | 0;
    s = ((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10));
    d = (d + s + ((e & f) | (g & (e | f)))) | 0;
    s = ((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7));
    c = (c + s + (b ^ (h & (a ^ b))) + K[k + 5]! + w5) | 0;
    g = (g + c) | 0;
    s = ((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10));
    c = (c + s + ((d & e) | (f & (d | e)))) | 0;
    s = ((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7));
    b = (b + s + (a ^ (g & (h ^ a))) + K[k + 6]! + w6) | 0;
    f = (f + b) | 0;
    s = ((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10));
    b = (b + s + ((c & d) | (e & (c | d)))) | 0;
    s = ((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7));
    a = (a + s + (h ^ (f & (g ^ h))) + K[k + 7]! + w7) | 0;
    e = (e + a) | 0;
    s = ((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10));
    a = (a + s + ((b & c) | (d & (b | c)))) | 0;
    s = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    h = (h + s + (g ^ (e & (f ^ g))) + K[k + 8]! + w8) | 0;
    d = (d + h) | 0;
    s = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    h = (h + s + ((a & b) | (c & (a | b)))) | 0;
    s = ((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7));
    g = (g + s + (f ^ (d & (e ^ f))) + K[k + 9]! + w9) | 0;
    c = (c + g) | 0;
    s = ((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10));
    g = (g + s + ((h & a) | (b & (h | a)))) | 0;
    s = ((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7));
    f = (f + s + (e ^ (c & (d ^ e))) + K[k + 10]! + w10) | 0;
    b = (b + f) | 0;
    s = ((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10));
    f = (f + s + ((g & h) | (a & (g | h)))) | 0;
    s = ((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7));
    e = (e + s + (d ^ (b & (c ^ d))) + K[k + 11]! + w11) | 0;
    a = (a + e) | 0;
    s = ((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10));
    e = (e + s + ((f & g) | (h & (f | g)))) | 0;
    s = ((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7));
    d = (d + s + (c ^ (a & (b ^ c))) + K[k + 12]! + w12) | 0;
    h = (h + d) | 0;
    s = ((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10));
    d = (d + s + ((e & f) | (g & (e | f)))) | 0;
    s = ((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7));
    c = (c + s + (b ^ (h & (a ^ b))) + K[k + 13]! + w13) | 0;
    g = (g + c) | 0;
    s = ((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10));
    c = (c + s + ((d & e) | (f & (d | e)))) | 0;
    s = ((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7));
    b = (b + s + (a ^ (g & (h ^ a))) + K[k + 14]! + w14) | 0;
    f = (f + b) | 0;
    s = ((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10));
    b = (b + s + ((c & d) | (e & (c | d)))) | 0;
    s = ((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7));
    a = (a + s + (h ^ (f & (g ^ h))) + K[k + 15]! + w15) | 0;
    e = (e + a) | 0;
    s = ((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10));
    a = (a + s + ((b & c) | (d & (b | c)))) | 0;
    if (k === 48) break;
    // The next sixteen schedule words (FIPS 180-4 6.2.2 step 1): W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16].
    s = ((w1 >>> 7) | (w1 << 25)) ^ ((w1 >>> 18) | (w1 << 14)) ^ (w1 >>> 3);
    w0 = (w0 + s + w9 + (((w14 >>> 17) | (w14 << 15)) ^ ((w14 >>> 19) | (w14 << 13)) ^ (w14 >>> 10))) | 0;
    s = ((w2 >>> 7) | (w2 << 25)) ^ ((w2 >>> 18) | (w2 << 14)) ^ (w2 >>> 3);
    w1 = (w1 + s + w10 + (((w15 >>> 17) | (w15 << 15)) ^ ((w15 >>> 19) | (w15 << 13)) ^ (w15 >>> 10))) | 0;
    s = ((w3 >>> 7) | (w3 << 25)) ^ ((w3 >>> 18) | (w3 << 14)) ^ (w3 >>> 3);
    w2 = (w2 + s + w11 + (((w0 >>> 17) | (w0 << 15)) ^ ((w0 >>> 19) | (w0 << 13)) ^ (w0 >>> 10))) | 0;
    s = ((w4 >>> 7) | (w4 << 25)) ^ ((w4 >>> 18) | (w4 << 14)) ^ (w4 >>> 3);
    w3 = (w3 + s + w12 + (((w1 >>> 17) | (w1 << 15)) ^ ((w1 >>> 19) | (w1 << 13)) ^ (w1 >>> 10))) | 0;
    s = ((w5 >>> 7) | (w5 << 25)) ^ ((w5 >>> 18) | (w5 << 14)) ^ (w5 >>> 3);
    w4 = (w4 + s + w13 + (((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10))) | 0;
    s = ((w6 >>> 7) | (w6 << 25)) ^ ((w6 >>> 18) | (w6 << 14)) ^ (w6 >>> 3);
    w5 = (w5 + s + w14 + (((w3 >>> 17) | (w3 << 15)) ^ ((w3 >>> 19) | (w3 << 13)) ^ (w3 >>> 10))) | 0;
    s = ((w7 >>> 7) | (w7 << 25)) ^ ((w7 >>> 18) | (w7 << 14)) ^ (w7 >>> 3);
    w6 = (w6 + s + w15 + (((w4 >>> 17) | (w4 << 15)) ^ ((w4 >>> 19) | (w4 << 13)) ^ (w4 >>> 10))) | 0;
    s = ((w8 >>> 7) | (w8 << 25)) ^ ((w8 >>> 18) | (w8 << 14)) ^ (w8 >>> 3);
    w7 = (w7 + s + w0 + (((w5 >>> 17) | (w5 << 15)) ^ ((w5 >>> 19) | (w5 << 13)) ^ (w5 >>> 10))) | 0;
    s = ((w9 >>> 7) | (w9 << 25)) ^ ((w9 >>> 18) | (w9 << 14)) ^ (w9 >>> 3);
    w8 = (w8 + s + w1 + (((w6 >>> 17) | (w6 << 15)) ^ ((w6 >>> 19) | (w6 << 13)) ^ (w6 >>> 10))) | 0;
    s = ((w10 >>> 7) | (w10 << 25)) ^ ((w10 >>> 18) | (w10 << 14)) ^ (w10 >>> 3);
    w9 = (w9 + s + w2 + (((w7 >>> 17) | (w7 << 15)) ^ ((w7 >>> 19) | (w7 << 13)) ^ (w7 >>> 10))) | 0;
    s = ((w11 >>> 7) | (w11 << 25)) ^ ((w11 >>> 18) | (w11 << 14)) ^ (w11 >>> 3);
    w10 = (w10 + s + w3 + (((w8 >>> 17) | (w8 << 15)) ^ ((w8 >>> 19) | (w8 << 13)) ^ (w8 >>> 10))) | 0;
    s = ((w12 >>> 7) | (w12 << 25)) ^ ((w12 >>> 18) | (w12 << 14)) ^ (w12 >>> 3);
    w11 = (w11 + s + w4 + (((w9 >>> 17) | (w9 << 15)) ^ ((w9 >>> 19) | (w9 << 13)) ^ (w9 >>> 10))) | 0;
    s = ((w13 >>> 7) | (w13 << 25)) ^ ((w13 >>> 18) | (w13 << 14)) ^ (w13 >>> 3);
    w12 = (w12 + s + w5 + (((w10 >>> 17) | (w10 << 15)) ^ ((w10 >>> 19) | (w10 << 13)) ^ (w10 >>> 10))) | 0;
    s = ((w14 >>> 7) | (w14 << 25)) ^ ((w14 >>> 18) | (w14 << 14)) ^ (w14 >>> 3);
    w13 = (w13 + s + w6 + (((w11 >>> 17) | (w11 << 15)) ^ ((w11 >>> 19) | (w11 << 13)) ^ (w11 >>> 10))) | 0;
    s = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    w14 = (w14 + s + w7 + (((w12 >>> 17) | (w12 << 15)) ^ ((w12 >>> 19) | (w12 << 13)) ^ (w12 >>> 10))) | 0;
    s = ((w0 >>> 7) | (w0 << 25)) ^ ((w0 >>> 18) | (w0 << 14)) ^ (w0 >>> 3);
    w15 = (w15 + s + w8 + (((w13 >>> 17) | (w13 << 15)) ^ ((w13 >>> 19) | (w13 << 13)) ^ (w13 >>> 10))) | 0;
  }
  to[0] = (from[0]! + a) | 0;
  to[1] = (from[1]! + b) | 0;
  to[2] = (from[2]! + c) | 0;
  to[3] = (from[3]! + d) | 0;
  to[4] = (from[4]! + e) | 0;
  to[5] = (from[5]! + f) | 0;
  to[6] = (from[6]! + g) | 0;
  to[7] = (from[7]! + h) | 0;
}

/**
 * Hashes the first `length` bytes of `data` after the state `from`, which has already absorbed
 * `prefixBlocks` whole blocks, and writes the padded length (FIPS 180-4 5.1.1). `to` is left
 * holding the digest words. The last block is built as words in M, without a padded copy of it.
 */
function finish(
  from: Int32Array,
  to: Int32Array,
  data: Uint8Array,
  length: number,
  prefixBlocks: number,
): void {
  let state = from;
  let off = 0;
  for (; off + BLOCK <= length; off += BLOCK) {
    load(data, off);
    compress(state, to);
    state = to;
  }
  const rest = length - off;
  const words = rest >> 2;
  for (let i = 0; i < words; i++) {
    const j = off + i * 4;
    M[i] = (data[j]! << 24) | (data[j + 1]! << 16) | (data[j + 2]! << 8) | data[j + 3]!;
  }
  // The word holding the 0x80 marker, after the message's last (up to three) bytes.
  const end = off + words * 4;
  let marker = 0x80 << (24 - 8 * (rest & 3));
  for (let k = 0; k < (rest & 3); k++) marker |= data[end + k]! << (24 - 8 * k);
  M[words] = marker;
  for (let i = words + 1; i < 16; i++) M[i] = 0;
  if (rest + 9 > BLOCK) {
    // No room left for the length: it goes in a block of its own.
    compress(state, to);
    state = to;
    for (let i = 0; i < 14; i++) M[i] = 0;
  }
  // Bit length as a 64-bit big-endian integer; exact up to 2^53 bits, far beyond these inputs.
  const bits = (prefixBlocks * BLOCK + length) * 8;
  M[14] = Math.floor(bits / 2 ** 32);
  M[15] = bits >>> 0;
  compress(state, to);
}

/** Writes the eight words of a digest (at `at` of `words`) as its 32 bytes (big-endian) into `out`. */
export function digestBytes(words: Int32Array, out: Uint8Array, at = 0): Uint8Array {
  for (let i = 0; i < 8; i++) {
    const w = words[at + i]!;
    out[i * 4] = w >>> 24;
    out[i * 4 + 1] = w >>> 16;
    out[i * 4 + 2] = w >>> 8;
    out[i * 4 + 3] = w;
  }
  return out;
}

/** SHA-256 of `data`, computed in JavaScript (for tests and short inputs). */
export function sha256(data: Uint8Array): Buffer {
  const state = new Int32Array(8);
  finish(INITIAL, state, data, data.length, 0);
  return digestBytes(state, Buffer.alloc(32)) as Buffer;
}

/** Scratch for sha256Joined's message. */
const JOINED = new Uint8Array(2 * BLOCK);

/**
 * SHA-256(byte || a || b) for inputs of at most 127 bytes in all, such as an RFC 9162 interior
 * node (65 bytes: two compressions, cheaper here than one node:crypto call).
 */
export function sha256Joined(byte: number, a: Uint8Array, b: Uint8Array): Buffer {
  const length = 1 + a.length + b.length;
  if (length > JOINED.length) throw new RangeError(`sha256Joined takes at most ${JOINED.length} bytes`);
  JOINED[0] = byte;
  JOINED.set(a, 1);
  JOINED.set(b, 1 + a.length);
  finish(INITIAL, STATE, JOINED, length, 0);
  return digestBytes(STATE, Buffer.allocUnsafe(32)) as Buffer;
}

// RFC 2104: the key block XOR these, word by word.
const IPAD = 0x36363636;
const OPAD = 0x5c5c5c5c;
/** The key block as words: the key (hashed first if longer than a block), then zeros. */
const KEY_BLOCK = new Int32Array(16);
const KEY_BYTES = new Uint8Array(BLOCK);
/** Scratch for one MAC's words (JavaScript runs one at a time per thread). */
const MAC = new Int32Array(8);
/** Scratch for a message given as text: its UTF-8 bytes. */
const TEXT = Buffer.alloc(3 * NATIVE_FROM_BYTES);

/**
 * RFC 2104 steps 1-3 for both pads: the states after the first block of each hash, for the key
 * block of `key`'s words (eight or sixteen) followed by zeros.
 */
function absorbKey(key: Int32Array, inner: Int32Array, outer: Int32Array): void {
  const n = key.length;
  for (let i = 0; i < 16; i++) M[i] = (i < n ? key[i]! : 0) ^ IPAD;
  compress(INITIAL, inner);
  for (let i = 0; i < 16; i++) M[i] = (i < n ? key[i]! : 0) ^ OPAD;
  compress(INITIAL, outer);
}

/**
 * Writes `text` into TEXT if it is ASCII, returning its length, or -1. For the short texts hashed
 * here a loop costs less than the call into Buffer.write.
 */
function writeAscii(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return -1;
    TEXT[i] = c;
  }
  return text.length;
}

/** Texts up to this long are tried as ASCII first (longer ones go to Buffer.write at once). */
const ASCII_LOOP_CHARS = 256;

/**
 * An HMAC-SHA256 key with its padded blocks already compressed (RFC 2104): each MAC under it
 * costs only the blocks of the message plus one. `rekey` reuses the object for another key.
 */
export class HmacSha256Key {
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  /** The key's bytes, for node:crypto (long messages); undefined until needed after `rekey`. */
  private key: Uint8Array | undefined;
  /** The key given to `rekey`, as words. */
  private readonly keyWords = new Int32Array(8);
  /** Holds the bytes of a key given as digest words. */
  private ownKey: Uint8Array | undefined;

  constructor(key: Uint8Array) {
    this.rekeyBytes(key);
  }

  /** Uses `key` from now on. */
  rekeyBytes(key: Uint8Array): this {
    this.key = key;
    if (key.length === 32) {
      // A salt or a seed: its words straight from its bytes.
      for (let i = 0; i < 8; i++) {
        const j = i * 4;
        this.keyWords[i] = (key[j]! << 24) | (key[j + 1]! << 16) | (key[j + 2]! << 8) | key[j + 3]!;
      }
      absorbKey(this.keyWords, this.inner, this.outer);
      return this;
    }
    KEY_BYTES.fill(0);
    KEY_BYTES.set(key.length > BLOCK ? sha256(key) : key);
    load(KEY_BYTES, 0);
    for (let i = 0; i < 16; i++) KEY_BLOCK[i] = M[i]!;
    absorbKey(KEY_BLOCK, this.inner, this.outer);
    return this;
  }

  /** Uses the 32-byte key whose big-endian words are `words` (a MAC from macInto) from now on. */
  rekey(words: Int32Array): this {
    // Its bytes are only written out if a long message needs node:crypto.
    this.key = undefined;
    for (let i = 0; i < 8; i++) this.keyWords[i] = words[i]!;
    absorbKey(this.keyWords, this.inner, this.outer);
    return this;
  }

  private keyBytes(): Uint8Array {
    return (this.key ??= digestBytes(this.keyWords, (this.ownKey ??= new Uint8Array(32))));
  }

  /** HMAC-SHA256(key, data) as 32 bytes. */
  mac(data: Uint8Array): Buffer {
    if (data.length >= NATIVE_FROM_BYTES) return createHmac('sha256', this.keyBytes()).update(data).digest();
    return digestBytes(this.macInto(data, data.length, MAC), Buffer.alloc(32)) as Buffer;
  }

  /** HMAC-SHA256(key, UTF-8 of text) as eight big-endian words in `out`. */
  macText(text: string, out: Int32Array): Int32Array {
    const ascii = text.length <= ASCII_LOOP_CHARS ? writeAscii(text) : -1;
    if (ascii >= 0) return this.macInto(TEXT, ascii, out);
    // At most three UTF-8 bytes per UTF-16 unit: a text that may not fit is encoded apart.
    if (text.length * 3 > TEXT.length) return this.macInto(Buffer.from(text, 'utf8'), -1, out);
    return this.macInto(TEXT, TEXT.write(text), out);
  }

  /** HMAC-SHA256(key, first `length` bytes of data; -1: all) as eight big-endian words in `out`. */
  macInto(data: Uint8Array, length: number, out: Int32Array): Int32Array {
    const n = length < 0 ? data.length : length;
    if (n >= NATIVE_FROM_BYTES) {
      const digest = createHmac('sha256', this.keyBytes()).update(data.subarray(0, n)).digest();
      load(digest, 0);
      for (let i = 0; i < 8; i++) out[i] = M[i]!;
      return out;
    }
    finish(this.inner, out, data, n, 1);
    // The outer hash's only block: the inner digest, then padding for 64 + 32 bytes.
    for (let i = 0; i < 8; i++) M[i] = out[i]!;
    M[8] = 0x80000000 | 0;
    for (let i = 9; i < 15; i++) M[i] = 0;
    M[15] = (BLOCK + 32) * 8;
    compress(this.outer, out);
    return out;
  }
}
