// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for the short inputs of personal-data
// commitments. Each node:crypto call costs about 2 µs of fixed overhead whatever the input length,
// while one compression of a 64-byte block costs about 0.3 µs here; a commitment of a short value
// is four compressions, and the per-event salt seed's padded key blocks are compressed once and
// reused for every field of the event. Longer inputs go to node:crypto, which is faster per byte.

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
/** The message schedule; W[0..15] is the block being compressed. */
const W = new Int32Array(64);
/** Scratch for the last one or two padded blocks of a message. */
const TAIL = new Uint8Array(2 * BLOCK);

/** Reads the 64-byte block at `offset` into W[0..15] as big-endian words. */
function load(block: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    W[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
}

/** FIPS 180-4 6.2.2: one compression of the block in W[0..15] into `state`. */
function compressLoaded(state: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]!;
    const w2 = W[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let i = 0; i < 64; i++) {
    // Ch and Maj in their forms with one operation fewer: g ^ (e & (f ^ g)), (a & b) | (c & (a | b)).
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + (g ^ (e & (f ^ g))) + K[i]! + W[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) | (c & (a | b)))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/**
 * Hashes the first `length` bytes of `data` into `state`, which has already absorbed
 * `prefixBlocks` whole blocks, and writes the padded length (FIPS 180-4 5.1.1). `state` is left
 * holding the digest words.
 */
function finish(state: Int32Array, data: Uint8Array, length: number, prefixBlocks: number): void {
  const whole = length - (length % BLOCK);
  for (let off = 0; off < whole; off += BLOCK) {
    load(data, off);
    compressLoaded(state);
  }
  const rest = length - whole;
  const tailLength = rest + 9 <= BLOCK ? BLOCK : 2 * BLOCK;
  for (let i = 0; i < rest; i++) TAIL[i] = data[whole + i]!;
  TAIL[rest] = 0x80;
  const end = tailLength - 8;
  TAIL.fill(0, rest + 1, end);
  // Bit length as a 64-bit big-endian integer; exact up to 2^53 bits, far beyond these inputs.
  const bits = (prefixBlocks * BLOCK + length) * 8;
  const high = Math.floor(bits / 2 ** 32);
  const low = bits >>> 0;
  TAIL[end] = high >>> 24;
  TAIL[end + 1] = high >>> 16;
  TAIL[end + 2] = high >>> 8;
  TAIL[end + 3] = high;
  TAIL[end + 4] = low >>> 24;
  TAIL[end + 5] = low >>> 16;
  TAIL[end + 6] = low >>> 8;
  TAIL[end + 7] = low;
  load(TAIL, 0);
  compressLoaded(state);
  if (tailLength > BLOCK) {
    load(TAIL, BLOCK);
    compressLoaded(state);
  }
}

/** Writes the eight words of a digest as its 32 bytes (big-endian) into `out`. */
export function digestBytes(words: Int32Array, out: Uint8Array): Uint8Array {
  for (let i = 0; i < 8; i++) {
    const w = words[i]!;
    out[i * 4] = w >>> 24;
    out[i * 4 + 1] = w >>> 16;
    out[i * 4 + 2] = w >>> 8;
    out[i * 4 + 3] = w;
  }
  return out;
}

/** SHA-256 of `data`, computed in JavaScript (for tests and short inputs). */
export function sha256(data: Uint8Array): Buffer {
  const state = INITIAL.slice();
  finish(state, data, data.length, 0);
  return digestBytes(state, Buffer.alloc(32)) as Buffer;
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

/** RFC 2104 steps 1-3 for both pads: the states after the first block of each hash. */
function absorbKeyBlock(inner: Int32Array, outer: Int32Array): void {
  for (let i = 0; i < 16; i++) W[i] = KEY_BLOCK[i]! ^ IPAD;
  inner.set(INITIAL);
  compressLoaded(inner);
  for (let i = 0; i < 16; i++) W[i] = KEY_BLOCK[i]! ^ OPAD;
  outer.set(INITIAL);
  compressLoaded(outer);
}

/**
 * An HMAC-SHA256 key with its padded blocks already compressed (RFC 2104): each MAC under it
 * costs only the blocks of the message plus one. `rekey` reuses the object for another key.
 */
export class HmacSha256Key {
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  /** The key's bytes, for node:crypto (long messages). */
  private key: Uint8Array;
  /** Holds the bytes of a key given as digest words. */
  private ownKey: Uint8Array | undefined;

  constructor(key: Uint8Array) {
    this.key = key;
    this.rekeyBytes(key);
  }

  /** Uses `key` from now on. */
  rekeyBytes(key: Uint8Array): this {
    this.key = key;
    KEY_BYTES.fill(0);
    KEY_BYTES.set(key.length > BLOCK ? sha256(key) : key);
    load(KEY_BYTES, 0);
    for (let i = 0; i < 16; i++) KEY_BLOCK[i] = W[i]!;
    absorbKeyBlock(this.inner, this.outer);
    return this;
  }

  /** Uses the 32-byte key whose big-endian words are `words` (a MAC from macInto) from now on. */
  rekey(words: Int32Array): this {
    this.key = digestBytes(words, (this.ownKey ??= new Uint8Array(32)));
    KEY_BLOCK.fill(0);
    for (let i = 0; i < 8; i++) KEY_BLOCK[i] = words[i]!;
    absorbKeyBlock(this.inner, this.outer);
    return this;
  }

  /** HMAC-SHA256(key, data) as 32 bytes. */
  mac(data: Uint8Array): Buffer {
    if (data.length >= NATIVE_FROM_BYTES) return createHmac('sha256', this.key).update(data).digest();
    return digestBytes(this.macInto(data, data.length, MAC), Buffer.alloc(32)) as Buffer;
  }

  /** HMAC-SHA256(key, UTF-8 of text) as eight big-endian words in `out`. */
  macText(text: string, out: Int32Array): Int32Array {
    // At most three UTF-8 bytes per UTF-16 unit: a text that may not fit is encoded apart.
    if (text.length * 3 > TEXT.length) return this.macInto(Buffer.from(text, 'utf8'), -1, out);
    return this.macInto(TEXT, TEXT.write(text), out);
  }

  /** HMAC-SHA256(key, first `length` bytes of data; -1: all) as eight big-endian words in `out`. */
  macInto(data: Uint8Array, length: number, out: Int32Array): Int32Array {
    const n = length < 0 ? data.length : length;
    if (n >= NATIVE_FROM_BYTES) {
      const digest = createHmac('sha256', this.key).update(data.subarray(0, n)).digest();
      load(digest, 0);
      for (let i = 0; i < 8; i++) out[i] = W[i]!;
      return out;
    }
    out.set(this.inner);
    finish(out, data, n, 1);
    // The outer hash's only block: the inner digest, then padding for 64 + 32 bytes.
    W.set(out);
    W[8] = 0x80000000 | 0;
    W.fill(0, 9, 15);
    W[15] = (BLOCK + 32) * 8;
    out.set(this.outer);
    compressLoaded(out);
    return out;
  }
}

let onceKey: HmacSha256Key | undefined;

/** HMAC-SHA256(key, data) for a key used once. */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Buffer {
  if (data.length >= NATIVE_FROM_BYTES) return createHmac('sha256', key).update(data).digest();
  onceKey = onceKey ? onceKey.rekeyBytes(key) : new HmacSha256Key(key);
  return onceKey.mac(data);
}
