// C2SP signed notes and tlog-checkpoints, checked in the browser: the verifier key
// (`name+hexid+base64(0x01 || key)`), the checkpoint text, and its Ed25519 signature via
// crypto.subtle.verify('Ed25519', ...). Mirrors src/ledger/note.ts and checkpoint.ts.

import { concat, fromBase64, sha256, toHex } from './bytes';

export interface VerifierKey {
  name: string;
  keyId: string;
  publicKey: Uint8Array<ArrayBuffer>;
  text: string;
}

export interface CheckpointText {
  origin: string;
  size: number;
  rootHash: Uint8Array;
}

const EM_DASH = '\u2014 ';

/** signed-note: key id = SHA-256(name || 0x0A || 0x01 || public key)[:4], hex. */
async function keyIdOf(name: string, publicKey: Uint8Array): Promise<string> {
  const digest = await sha256(new TextEncoder().encode(name), new Uint8Array([0x0a, 0x01]), publicKey);
  return toHex(digest.subarray(0, 4));
}

export async function parseVerifierKey(text: string): Promise<VerifierKey> {
  const first = text.indexOf('+');
  const second = text.indexOf('+', first + 1);
  if (first <= 0 || second < 0) throw new Error('verifier key must look like <name>+<key id>+<base64 key>');
  const name = text.slice(0, first);
  const keyId = text.slice(first + 1, second);
  const material = fromBase64(text.slice(second + 1));
  if (material[0] !== 0x01 || material.length !== 33) throw new Error('verifier key is not an Ed25519 key');
  const publicKey = new Uint8Array(material.subarray(1));
  if ((await keyIdOf(name, publicKey)) !== keyId)
    throw new Error(`verifier key id ${keyId} does not match its key`);
  return { name, keyId, publicKey, text };
}

/** Splits a signed note into its text (final newline included) and signature lines. */
function splitNote(note: string): { text: string; lines: string[] } {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('malformed note: no blank line before the signatures');
  const block = note.slice(split + 2);
  if (!block.endsWith('\n')) throw new Error('malformed note: the last signature line has no newline');
  return { text: note.slice(0, split + 1), lines: block.slice(0, -1).split('\n') };
}

/**
 * Verifies the note's signature by `key` (signature lines of other keys are ignored, as the spec
 * says) and returns the signed text; throws with the reason when it does not verify.
 */
export async function openNote(note: string, key: VerifierKey): Promise<string> {
  const { text, lines } = splitNote(note);
  const message = new TextEncoder().encode(text);
  const cryptoKey = await crypto.subtle.importKey('raw', key.publicKey, { name: 'Ed25519' }, false, [
    'verify',
  ]);
  for (const line of lines) {
    if (!line.startsWith(EM_DASH)) throw new Error('malformed note: a signature line does not start with —');
    const [name, b64 = ''] = line.slice(EM_DASH.length).split(' ');
    if (name !== key.name) continue;
    const bytes = fromBase64(b64);
    if (toHex(bytes.subarray(0, 4)) !== key.keyId) continue;
    const signature = concat(bytes.subarray(4));
    if (signature.length === 64 && (await crypto.subtle.verify('Ed25519', cryptoKey, signature, message)))
      return text;
    throw new Error(`the signature by ${key.name}+${key.keyId} does not verify`);
  }
  throw new Error(`the checkpoint is not signed by ${key.name}+${key.keyId}`);
}

/** c2sp.org/tlog-checkpoint: origin, decimal size, base64 root hash, each line ending in LF. */
export function parseCheckpoint(text: string): CheckpointText {
  const [origin = '', sizeLine = '', rootLine = ''] = text.split('\n');
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeLine))
    throw new Error(`checkpoint size ${JSON.stringify(sizeLine)} is not a decimal`);
  const rootHash = fromBase64(rootLine);
  if (rootHash.length !== 32) throw new Error('checkpoint root hash is not 32 bytes');
  return { origin, size: Number(sizeLine), rootHash };
}
