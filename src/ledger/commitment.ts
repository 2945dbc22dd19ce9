// Personal-data commitments (DESIGN.md "The ledger"): a ledger entry is the canonical JSON of an
// event in which each personal value is replaced by HMAC-SHA256(salt, canonical(value)). Deleting
// the values and their salts later erases the person without changing any entry, hash or proof.

import { ValidationError } from '../core/errors.js';
import { canonicalize } from './canonical.js';
import { CanonicalWriter } from './canonical-writer.js';
import { HmacSha256Key, digestBytes } from './sha256.js';

/** Fields committed instead of stored in the entry, unless configured otherwise. */
export const DEFAULT_PERSONAL_FIELDS: readonly string[] = Object.freeze([
  'user.name',
  'user.id',
  'user.email',
  'user.effective.name',
  'user.effective.id',
  'user.effective.email',
  'user.target.name',
  'user.target.id',
  'user.target.email',
  'source.ip',
  'source.address',
  'related.user',
  'related.ip',
  'related.hosts',
  'event.original',
  'message',
  'process.command_line',
]);

export const COMMITMENT_PREFIX = 'hmac-sha256:';
const SALT_LABEL = 'stele/salt/v1\n';
const SEED_BYTES = 32;

/**
 * The salt of one personal field of one event: HMAC-SHA256(seed, "stele/salt/v1\n" || field).
 *
 * Stele keeps one random 32-byte seed per event rather than one random salt per field; each
 * field's 32-byte salt is derived from it, so the salts are as unguessable as the seed. Erasing
 * the event's personal data means deleting the values and the seed: nobody can then test a guessed
 * value against a commitment. To erase only some fields of an event, keep the salts of the
 * remaining fields (derive them before the seed is deleted) so those stay checkable.
 */
export function deriveSalt(seed: Uint8Array, field: string): Buffer {
  return seedKey(seed).mac(saltInput(field));
}

function seedKey(seed: Uint8Array): HmacSha256Key {
  checkSeed(seed);
  return new HmacSha256Key(seed);
}

function checkSeed(seed: Uint8Array): void {
  if (seed.length !== SEED_BYTES)
    throw new ValidationError(`a commitment seed is ${SEED_BYTES} bytes, got ${seed.length}`);
}

const saltInputs = new Map<string, Buffer>();

/** The bytes "stele/salt/v1\n" || field, cached: the same few fields recur in every event. */
function saltInput(field: string): Buffer {
  let input = saltInputs.get(field);
  if (input) return input;
  input = Buffer.from(SALT_LABEL + field, 'utf8');
  if (saltInputs.size >= 1024) saltInputs.clear();
  saltInputs.set(field, input);
  return input;
}

/** The commitment to a value: "hmac-sha256:" + base64(HMAC-SHA256(salt, canonical JSON of value)). */
export function commitValue(salt: Uint8Array, value: unknown): string {
  return commitmentText(macValue(COMMIT_KEY.rekeyBytes(salt), value), 0);
}

/**
 * The commitments of one event's personal fields, each under its salt from `seed`: the same as
 * commitValue(deriveSalt(seed, field), value), with the salt kept as words instead of bytes.
 */
export function seededCommitter(seed: Uint8Array): (field: string, value: unknown) => string {
  const committer = new SeedCommitter().useSeed(seed);
  const mac = new Int32Array(8);
  return (field, value) => {
    committer.commitInto(field, value, mac, 0);
    return commitmentText(mac, 0);
  };
}

/**
 * Commits one event's personal values at a time under its seed, as the eight words of each
 * commitment's HMAC (written as text by writeCommitment): an entry's commitments are never
 * strings. The seed's padded key blocks are compressed once per event, in a key reused for every
 * event.
 */
export class SeedCommitter {
  private readonly key = new HmacSha256Key(new Uint8Array(SEED_BYTES));

  useSeed(seed: Uint8Array): this {
    checkSeed(seed);
    this.key.rekeyBytes(seed);
    return this;
  }

  /** The HMAC of commitValue(deriveSalt(seed, field), value), as words at `at` of `out`. */
  commitInto(field: string, value: unknown, out: Int32Array, at: number): void {
    this.key.macInto(saltInput(field), -1, SALT);
    copyMac(macValue(COMMIT_KEY.rekey(SALT), value), out, at);
  }
}

/** The HMAC of commitValue(salt, value), as words at `at` of `out`. */
export function commitInto(salt: Uint8Array, value: unknown, out: Int32Array, at: number): void {
  copyMac(macValue(COMMIT_KEY.rekeyBytes(salt), value), out, at);
}

function copyMac(mac: Int32Array, out: Int32Array, at: number): void {
  for (let i = 0; i < 8; i++) out[at + i] = mac[i]!;
}

// Scratch for one commitment at a time (JavaScript runs one at a time per thread).
const COMMIT_KEY = new HmacSha256Key(new Uint8Array(SEED_BYTES));
const SALT = new Int32Array(8);
const MAC = new Int32Array(8);
const DIGEST = Buffer.alloc(32);
/** The canonical JSON bytes of a committed value. */
const VALUE = new CanonicalWriter(1024);

/** HMAC-SHA256 under `salt` of the canonical JSON of `value`, in the MAC scratch. */
function macValue(salt: HmacSha256Key, value: unknown): Int32Array {
  VALUE.length = 0;
  if (VALUE.writeValue(value, 0)) return salt.macInto(VALUE.bytes, VALUE.length, MAC);
  return salt.macText(canonicalize(value), MAC); // canonicalize names what the writer declined
}

/** The commitment whose HMAC is the eight words at `at` of `mac`, as text. */
export function commitmentText(mac: Int32Array, at: number): string {
  digestBytes(mac, DIGEST, at);
  return COMMITMENT_PREFIX + DIGEST.toString('base64');
}

const BASE64 = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const QUOTED_PREFIX = Buffer.from(`"${COMMITMENT_PREFIX}`);
/** The length of a commitment as a JSON string: quotes, prefix and 44 base64 characters. */
const QUOTED_LENGTH = QUOTED_PREFIX.length + 44 + 1;

/**
 * commitmentText(mac, at) written as a JSON string (it needs no escapes): base64 (RFC 4648 4)
 * straight from the words, instead of a Buffer, a string and its bytes again.
 */
export function writeCommitment(out: CanonicalWriter, mac: Int32Array, at: number): void {
  out.reserve(QUOTED_LENGTH);
  const bytes = out.bytes;
  let o = out.length;
  for (let i = 0; i < QUOTED_PREFIX.length; i++) bytes[o++] = QUOTED_PREFIX[i]!;
  // Three words are four groups of 24 bits, twice; the last two words are two groups and 16 bits.
  for (let k = at; k < at + 6; k += 3) {
    const a = mac[k]!;
    const b = mac[k + 1]!;
    const c = mac[k + 2]!;
    o = writeGroup(bytes, o, a >>> 8);
    o = writeGroup(bytes, o, ((a & 0xff) << 16) | (b >>> 16));
    o = writeGroup(bytes, o, ((b & 0xffff) << 8) | (c >>> 24));
    o = writeGroup(bytes, o, c & 0xffffff);
  }
  const a = mac[at + 6]!;
  const b = mac[at + 7]!;
  o = writeGroup(bytes, o, a >>> 8);
  o = writeGroup(bytes, o, ((a & 0xff) << 16) | (b >>> 16));
  o = writeGroup(bytes, o, (b & 0xffff) << 8);
  bytes[o - 1] = 0x3d; // = (the group's last character stands for no bits)
  bytes[o++] = 0x22; // "
  out.length = o;
}

/** The four base64 characters of 24 bits. */
function writeGroup(bytes: Uint8Array, o: number, group: number): number {
  bytes[o] = BASE64[group >>> 18]!;
  bytes[o + 1] = BASE64[(group >>> 12) & 63]!;
  bytes[o + 2] = BASE64[(group >>> 6) & 63]!;
  bytes[o + 3] = BASE64[group & 63]!;
  return o + 4;
}
