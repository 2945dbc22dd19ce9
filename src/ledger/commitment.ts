// Personal-data commitments (DESIGN.md "The ledger"): a ledger entry is the canonical JSON of an
// event in which each personal value is replaced by HMAC-SHA256(salt, canonical(value)). Deleting
// the values and their salts later erases the person without changing any entry, hash or proof.

import { ValidationError } from '../core/errors.js';
import { canonicalize } from './canonical.js';
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
  if (seed.length !== SEED_BYTES)
    throw new ValidationError(`a commitment seed is ${SEED_BYTES} bytes, got ${seed.length}`);
  return new HmacSha256Key(seed);
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
  return commitUnder(COMMIT_KEY.rekeyBytes(salt), value);
}

/**
 * The commitments of one event's personal fields, each under its salt from `seed`: the same as
 * commitValue(deriveSalt(seed, field), value), with the salt kept as words instead of bytes.
 */
export function seededCommitter(seed: Uint8Array): (field: string, value: unknown) => string {
  const key = seedKey(seed);
  return (field, value) => {
    key.macInto(saltInput(field), -1, SALT);
    return commitUnder(COMMIT_KEY.rekey(SALT), value);
  };
}

// Scratch for one commitment at a time (JavaScript runs one at a time per thread).
const COMMIT_KEY = new HmacSha256Key(new Uint8Array(SEED_BYTES));
const SALT = new Int32Array(8);
const MAC = new Int32Array(8);
const DIGEST = Buffer.alloc(32);

function commitUnder(salt: HmacSha256Key, value: unknown): string {
  const length = writePlainCanonical(value);
  const mac = length >= 0 ? salt.macInto(PLAIN, length, MAC) : salt.macText(canonicalize(value), MAC);
  digestBytes(mac, DIGEST);
  return COMMITMENT_PREFIX + DIGEST.toString('base64');
}

/** Scratch for the canonical JSON bytes of a plain value (writePlainCanonical). */
const PLAIN = new Uint8Array(1024);

/**
 * Writes the canonical JSON of `value` into PLAIN when it is a string, or an array of strings, of
 * printable ASCII other than `"` and `\`: most personal values (names, addresses, messages). Such a
 * string is its characters between quotes (RFC 8785 3.2.2.2 escapes none of them), so its bytes
 * are written without building its JSON text first. Returns the length, or -1 for any other value,
 * which canonicalize decides.
 */
function writePlainCanonical(value: unknown): number {
  if (typeof value === 'string') return writePlainString(value, 0);
  if (!Array.isArray(value)) return -1;
  PLAIN[0] = 0x5b; // [
  let at = 1;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item !== 'string') return -1;
    if (i > 0) PLAIN[at++] = 0x2c; // ,
    at = writePlainString(item, at);
    if (at < 0 || at >= PLAIN.length) return -1;
  }
  PLAIN[at] = 0x5d; // ]
  return at + 1;
}

/** Writes `"text"` into PLAIN at `at` and returns where it ends, or -1 if it is not plain. */
function writePlainString(text: string, at: number): number {
  if (at + text.length + 2 > PLAIN.length) return -1;
  PLAIN[at++] = 0x22;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return -1;
    PLAIN[at++] = c;
  }
  PLAIN[at++] = 0x22;
  return at;
}

/**
 * The ledger entry of an event: its RFC 8785 canonical JSON bytes, with every present personal
 * field (a dotted path into nested objects; present = neither undefined nor null) replaced by
 * `commitmentFor(field, value)`. The value may be a string, number, array or object. A top-level
 * key spelled like a dotted field ("user.name": ...) is committed too, so a flattened event cannot
 * leak personal data into the ledger. The event itself is not changed: only the objects on the
 * path to a committed field are copied. When a field and one of its ancestors are both listed, the
 * ancestor's commitment (computed over the original value) wins.
 */
export function buildEntry(
  event: object,
  personalFields: readonly string[],
  commitmentFor: (field: string, value: unknown) => string,
): Buffer {
  return Buffer.from(buildEntryText(event, personalFields, commitmentFor), 'utf8');
}

/** buildEntry as the canonical JSON text (what its bytes are the UTF-8 of). */
export function buildEntryText(
  event: object,
  personalFields: readonly string[],
  commitmentFor: (field: string, value: unknown) => string,
): string {
  if (!isPlainObject(event)) throw new ValidationError('an event must be a plain JSON object');
  let entry: Record<string, unknown> | undefined;
  for (const field of personalFields) {
    const parts = splitPath(field);
    const value = walk(event, parts);
    if (value !== undefined && value !== null) {
      entry ??= { ...event };
      replaceCopied(entry, event, parts, commit(commitmentFor, field, value));
    }
    if (parts.length > 1 && Object.hasOwn(event, field)) {
      const flat = (event as Record<string, unknown>)[field];
      if (flat === undefined || flat === null) continue;
      entry ??= { ...event };
      entry[field] = commit(commitmentFor, field, flat);
    }
  }
  return canonicalize(entry ?? event);
}

function commit(
  commitmentFor: (field: string, value: unknown) => string,
  field: string,
  value: unknown,
): string {
  const commitment = commitmentFor(field, value);
  if (typeof commitment !== 'string')
    throw new ValidationError(`the commitment for ${field} is not a string`);
  return commitment;
}

/**
 * Sets `parts` in `entry`, a copy-in-progress of `original`: each object on the path that is still
 * shared with the original is replaced by a shallow copy first, so the original never changes.
 */
function replaceCopied(
  entry: Record<string, unknown>,
  original: object,
  parts: readonly string[],
  value: string,
): void {
  let target = entry;
  let source: unknown = original;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i] as string;
    source = (source as Record<string, unknown>)[key];
    const child = target[key];
    if (child === source) {
      const copy = { ...(child as Record<string, unknown>) };
      target[key] = copy;
      target = copy;
    } else if (isPlainObject(child)) {
      target = child; // copied already, for an earlier field
    } else {
      return; // an ancestor was committed already
    }
  }
  target[parts[parts.length - 1] as string] = value;
}

// ---------------------------------------------------------------------------------------------
// Dotted paths

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const pathCache = new Map<string, readonly string[]>();

/** Splits "user.effective.name" into keys; keys cannot contain dots. Cached: fields repeat. */
function splitPath(path: string): readonly string[] {
  let parts = pathCache.get(path);
  if (parts) return parts;
  parts = path.split('.');
  if (parts.some((part) => part.length === 0 || FORBIDDEN_KEYS.has(part))) {
    throw new ValidationError(`${JSON.stringify(path)} is not a field path`);
  }
  if (pathCache.size >= 1024) pathCache.clear();
  pathCache.set(path, parts);
  return parts;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function walk(root: unknown, parts: readonly string[]): unknown {
  let node = root;
  for (const key of parts) {
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** The value at a dotted path through nested plain objects (own properties only), or undefined. */
export function getPath(obj: object, path: string): unknown {
  return walk(obj, splitPath(path));
}

/** Sets the value at a dotted path, creating missing objects; mutates `obj`. */
export function setPath(obj: object, path: string, value: unknown): void {
  const parts = splitPath(path);
  let node = obj as Record<string, unknown>;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i] as string;
    const child = Object.hasOwn(node, key) ? node[key] : undefined;
    if (child === undefined) {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    } else if (isPlainObject(child)) {
      node = child;
    } else {
      throw new ValidationError(`cannot set ${path}: ${parts.slice(0, i + 1).join('.')} is not an object`);
    }
  }
  node[parts[parts.length - 1] as string] = value;
}
