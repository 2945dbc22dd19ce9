// C2SP signed notes (c2sp.org/signed-note@v1.0.0) with Ed25519: key generation and encoding,
// signing, and opening a note against a set of trusted verifier keys.

import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { IntegrityError, ValidationError } from '../core/errors.js';

/** Signature type byte of Ed25519 note signatures (signed-note "Signature types"). */
export const ED25519_TYPE = 0x01;
/** Most signature lines read from one note (the spec asks for at least 16; Go allows 100). */
export const MAX_SIGNATURES = 100;

/** An Ed25519 note signing key and its encodings. `privateKey` is secret. */
export interface SignerKey {
  readonly name: string;
  /** Key id: 8 lowercase hex digits, SHA-256(name || 0x0A || 0x01 || public key)[:4]. */
  readonly keyId: string;
  /** `PRIVATE+KEY+<name>+<hex id>+base64(0x01 || 32-byte seed)`, as Go's x/mod/sumdb/note. */
  readonly privateKey: string;
  /** `<name>+<hex id>+base64(0x01 || 32-byte public key)`. */
  readonly verifierKey: string;
  readonly publicKey: Buffer;
}

/** A trusted Ed25519 verifier key (vkey). */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: string;
  readonly publicKey: Buffer;
  /** The vkey text it was read from. */
  readonly text: string;
}

export interface NoteSignature {
  readonly name: string;
  readonly keyId: string;
  /** The signature bytes after the 4-byte key id. */
  readonly signature: Buffer;
}

export interface OpenedNote {
  /** The signed text, final newline included. */
  readonly text: string;
  /** Signatures that verified, one per known key. */
  readonly signatures: NoteSignature[];
  /** Signatures from keys not in the trusted set: ignored, as the spec requires. */
  readonly unverified: NoteSignature[];
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const EM_DASH_PREFIX = '\u2014 ';
// Control characters other than newline are not allowed anywhere in a note.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Why `name` cannot be a key name: empty, a Unicode space, a plus or a control character. */
function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'key name is empty';
  // "Unicode spaces" are White_Space (as Go's unicode.IsSpace): \s alone misses U+0085.
  if (/[\s\p{White_Space}+]/u.test(name) || CONTROL.test(name) || LONE_SURROGATE.test(name)) {
    return `key name ${JSON.stringify(name)} contains a space, a plus or a control character`;
  }
  return undefined;
}

/** signed-note "Signatures": SHA-256(name || 0x0A || type || public key)[:4] as hex. */
export function keyIdOf(name: string, type: number, publicKey: Uint8Array): string {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, type]))
    .update(publicKey)
    .digest()
    .subarray(0, 4)
    .toString('hex');
}

/** Strict standard base64 (RFC 4648 section 4, padded): the decoding must re-encode to exactly the input. */
export function decodeBase64(text: unknown): Buffer | undefined {
  if (typeof text !== 'string') return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

function keyPairFromSeed(seed: Uint8Array): { privateKey: KeyObject; publicKey: Buffer } {
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey: spki.subarray(SPKI_ED25519_PREFIX.length) };
}

// Signing keys made here keep their KeyObject, so signing does not re-parse the key text.
const keyObjects = new WeakMap<SignerKey, KeyObject>();

/** A new Ed25519 signer key for `name`; pass `seed` (32 bytes) for a deterministic key. */
export function createSignerKey(name: string, seed: Buffer = randomBytes(32)): SignerKey {
  const problem = nameProblem(name);
  if (problem) throw new ValidationError(problem);
  if (seed.length !== 32) throw new ValidationError(`an Ed25519 seed is 32 bytes, got ${seed.length}`);
  const { privateKey, publicKey } = keyPairFromSeed(seed);
  const keyId = keyIdOf(name, ED25519_TYPE, publicKey);
  const typed = (key: Uint8Array) => Buffer.concat([Buffer.from([ED25519_TYPE]), key]).toString('base64');
  const signer: SignerKey = {
    name,
    keyId,
    privateKey: `PRIVATE+KEY+${name}+${keyId}+${typed(seed)}`,
    verifierKey: `${name}+${keyId}+${typed(publicKey)}`,
    publicKey,
  };
  keyObjects.set(signer, privateKey);
  return signer;
}

/** Reads a `PRIVATE+KEY+<name>+<hex id>+<base64>` signer key, checking its id. */
export function parseSignerKey(text: string): SignerKey {
  const parts = text.split('+');
  // The base64 may itself contain '+': everything after the fourth '+' belongs to it.
  if (parts.length < 5 || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') {
    throw new ValidationError('signer key must look like PRIVATE+KEY+<name>+<key id>+<base64 key>');
  }
  const [, , name = '', id = ''] = parts;
  const seed = decodeKeyMaterial(parts.slice(4).join('+'), 'signer key');
  const signer = createSignerKey(name, seed);
  if (signer.keyId !== id)
    throw new ValidationError(`signer key id ${id} does not match its key (${signer.keyId})`);
  return signer;
}

/** Reads a `<name>+<hex id>+<base64>` Ed25519 verifier key, checking its id. */
export function parseVerifierKey(text: string): VerifierKey {
  const first = text.indexOf('+');
  const second = text.indexOf('+', first + 1);
  if (first < 0 || second < 0)
    throw new ValidationError('verifier key must look like <name>+<key id>+<base64 key>');
  const name = text.slice(0, first);
  const id = text.slice(first + 1, second);
  const problem = nameProblem(name);
  if (problem) throw new ValidationError(`verifier key: ${problem}`);
  if (!/^[0-9a-f]{8}$/.test(id))
    throw new ValidationError(`verifier key id ${JSON.stringify(id)} is not 8 hex digits`);
  const publicKey = decodeKeyMaterial(text.slice(second + 1), 'verifier key');
  const keyId = keyIdOf(name, ED25519_TYPE, publicKey);
  if (keyId !== id) throw new ValidationError(`verifier key id ${id} does not match its key (${keyId})`);
  return { name, keyId, publicKey, text };
}

function decodeKeyMaterial(base64: string, what: string): Buffer {
  const bytes = decodeBase64(base64);
  if (!bytes) throw new ValidationError(`${what} is not standard base64`);
  if (bytes[0] !== ED25519_TYPE) {
    throw new ValidationError(
      `${what} has signature type 0x${(bytes[0] ?? 0).toString(16)}, only Ed25519 (0x01) is supported`,
    );
  }
  if (bytes.length !== 33) throw new ValidationError(`${what} holds ${bytes.length - 1} key bytes, want 32`);
  return bytes.subarray(1);
}

/** Why `text` cannot be a note text, if it cannot. */
function textProblem(text: string): string | undefined {
  if (!text.endsWith('\n')) return 'note text must end with a newline';
  if (CONTROL.test(text)) return 'note text contains a control character other than newline';
  if (LONE_SURROGATE.test(text)) return 'note text is not valid Unicode (lone surrogate)';
  return undefined;
}

/** Signs `text` (ending in a newline) with one or more keys: text, blank line, signature lines. */
export function signNote(text: string, signers: SignerKey | readonly SignerKey[]): string {
  const problem = textProblem(text);
  if (problem) throw new ValidationError(problem);
  const list = Array.isArray(signers) ? (signers as readonly SignerKey[]) : [signers as SignerKey];
  if (list.length === 0) throw new ValidationError('a note needs at least one signer');
  const message = Buffer.from(text, 'utf8');
  let note = `${text}\n`;
  for (const signer of list) {
    const signature = sign(null, message, privateKeyOf(signer));
    const payload = Buffer.concat([Buffer.from(signer.keyId, 'hex'), signature]).toString('base64');
    note += `${EM_DASH_PREFIX}${signer.name} ${payload}\n`;
  }
  return note;
}

function privateKeyOf(signer: SignerKey): KeyObject {
  let key = keyObjects.get(signer);
  if (!key) {
    // A SignerKey assembled elsewhere (say from stored config): only its key text is trusted.
    const parsed = parseSignerKey(signer.privateKey);
    if (parsed.name !== signer.name || parsed.keyId !== signer.keyId) {
      throw new ValidationError(`signer ${signer.name}+${signer.keyId} does not match its private key`);
    }
    key = keyObjects.get(parsed) as KeyObject;
    keyObjects.set(signer, key);
  }
  return key;
}

/**
 * Opens a signed note (signed-note "Format" and "Signatures"): checks its form, verifies every
 * signature from a known key, ignores the others. Throws a ValidationError for a malformed note and
 * an IntegrityError when a known key's signature fails or no known key signed.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly VerifierKey[]): OpenedNote {
  const textForm = typeof note === 'string' ? note : decodeUtf8(note);
  if (LONE_SURROGATE.test(textForm)) malformed('it is not valid UTF-8');
  if (CONTROL.test(textForm)) malformed('it contains a control character other than newline');
  const split = textForm.lastIndexOf('\n\n');
  if (split < 0) malformed('there is no blank line before the signatures');
  const text = textForm.slice(0, split + 1);
  const block = textForm.slice(split + 2);
  if (block.length === 0) malformed('it has no signature lines');
  if (!block.endsWith('\n')) malformed('the last signature line does not end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) malformed(`it has more than ${MAX_SIGNATURES} signatures`);

  const message = Buffer.from(text, 'utf8');
  const signatures: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const line of lines) {
    const sig = parseSignatureLine(line);
    const known = verifiers.find((v) => v.name === sig.name && v.keyId === sig.keyId);
    if (!known) {
      unverified.push(sig);
      continue;
    }
    const publicKey = createPublicKey({
      key: Buffer.concat([SPKI_ED25519_PREFIX, known.publicKey]),
      format: 'der',
      type: 'spki',
    });
    if (sig.signature.length !== 64 || !verify(null, message, publicKey, sig.signature)) {
      throw new IntegrityError(`signed note: invalid signature for key ${sig.name}+${sig.keyId}`);
    }
    const id = `${sig.name}+${sig.keyId}`;
    if (!seen.has(id)) signatures.push(sig);
    seen.add(id);
  }
  if (signatures.length === 0) {
    const names =
      lines.length === 1 ? 'the one signature is not' : `none of the ${lines.length} signatures is`;
    throw new IntegrityError(`signed note: ${names} from a trusted key`);
  }
  return { text, signatures, unverified };
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(EM_DASH_PREFIX))
    malformed(`line ${JSON.stringify(line.slice(0, 40))} is not a signature`);
  const rest = line.slice(EM_DASH_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? '' : rest.slice(0, space);
  if (space < 0 || nameProblem(name)) malformed(`signature line has no valid key name`);
  const bytes = decodeBase64(rest.slice(space + 1));
  if (!bytes || bytes.length < 5) malformed(`signature of ${name} is not base64 of a key id and a signature`);
  return { name, keyId: bytes.subarray(0, 4).toString('hex'), signature: bytes.subarray(4) };
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (err) {
    throw new ValidationError('malformed signed note: it is not valid UTF-8', { cause: err });
  }
}

function malformed(reason: string): never {
  throw new ValidationError(`malformed signed note: ${reason}`);
}
