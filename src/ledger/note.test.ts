// Tests of C2SP signed notes against the Go x/mod/sumdb/note, C2SP, sum.golang.org and Tessera
// vectors.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IntegrityError, ValidationError } from '../core/errors.js';
import {
  createSignerKey,
  keyIdOf,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  MAX_SIGNATURES,
  signNote,
  type SignerKey,
  type VerifierKey,
} from './note.js';

interface SignedNoteVector {
  signerKey?: string;
  verifierKey: string;
  seedHex?: string;
  publicKeyHex: string;
  keyIdHex: string;
  text: string;
  signedNote: string;
}
interface NoteVectors {
  signedNotes: SignedNoteVector[];
  negativeNotes: { verifierKey: string; vectors: Array<{ desc: string; note: string; expect: string }> };
  tesseraTiledLog: {
    signerKey: string;
    verifierKey: string;
    checkpoints: Array<{ size: number; checkpoint: string }>;
  };
  derivedCosignatureV1: { cosignatureVkey: string; noteVkeyFromUpstream_type01: string; seedHex: string };
}

const FIXTURES = new URL('../../test/fixtures/merkle/', import.meta.url);
const vectors = JSON.parse(
  readFileSync(new URL('note_checkpoint_vectors.json', FIXTURES), 'utf8'),
) as NoteVectors;
const [peter, enoch, c2sp, sumdb] = vectors.signedNotes as [
  SignedNoteVector,
  SignedNoteVector,
  SignedNoteVector,
  SignedNoteVector,
];

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('keys', () => {
  it('derives the Go test keys from their seeds and reads their encodings', () => {
    for (const v of [peter, enoch]) {
      const created = createSignerKey(
        v.verifierKey.split('+')[0] as string,
        Buffer.from(v.seedHex as string, 'hex'),
      );
      expect(created.keyId).toBe(v.keyIdHex);
      expect(created.publicKey.toString('hex')).toBe(v.publicKeyHex);
      expect(created.privateKey).toBe(v.signerKey);
      expect(created.verifierKey).toBe(v.verifierKey);
      const parsed = parseSignerKey(v.signerKey as string);
      expect({ ...parsed }).toEqual({ ...created });
    }
  });

  it('reads every vector verifier key, checking the key id', () => {
    for (const v of vectors.signedNotes) {
      const key = parseVerifierKey(v.verifierKey);
      expect(key.keyId).toBe(v.keyIdHex);
      expect(key.publicKey.toString('hex')).toBe(v.publicKeyHex);
      expect(key.text).toBe(v.verifierKey);
    }
    const tessera = parseSignerKey(vectors.tesseraTiledLog.signerKey);
    expect(tessera.verifierKey).toBe(vectors.tesseraTiledLog.verifierKey);
    // A vkey whose base64 contains '+' (split on the first two only).
    expect(parseVerifierKey(vectors.derivedCosignatureV1.noteVkeyFromUpstream_type01).keyId).toBe('55ee4561');
  });

  it('computes key ids as SHA-256(name || LF || type || key)[:4]', () => {
    const pub = Buffer.from(peter.publicKeyHex, 'hex');
    expect(keyIdOf('PeterNeumann', 0x01, pub)).toBe('c74f20a3');
    expect(keyIdOf('PeterNeumann', 0x04, pub)).not.toBe('c74f20a3');
  });

  it('rejects bad names, seeds, ids, types and base64', () => {
    expect(() => createSignerKey('')).toThrow(/empty/);
    expect(() => createSignerKey('a b')).toThrow(/space/);
    expect(() => createSignerKey('a+b')).toThrow(/plus/);
    expect(() => createSignerKey('a\u00a0b')).toThrow(/space/);
    expect(() => createSignerKey('ok', Buffer.alloc(31))).toThrow(/32 bytes/);
    const [name, , key] = peter.verifierKey.split('+') as [string, string, string];
    expect(() => parseVerifierKey(`${name}+c74f20a4+${key}`)).toThrow(/does not match/);
    expect(() => parseVerifierKey(`${name}+C74F20A3+${key}`)).toThrow(/8 hex digits/);
    expect(() => parseVerifierKey(`${name}+c74f20a3+${key}=`)).toThrow(/base64/);
    expect(() => parseVerifierKey(`${name}+c74f20a3`)).toThrow(ValidationError);
    expect(() => parseVerifierKey(vectors.derivedCosignatureV1.cosignatureVkey)).toThrow(
      /type 0x4, only Ed25519/,
    );
    expect(() => parseSignerKey(peter.verifierKey)).toThrow(/PRIVATE\+KEY/);
    expect(() => parseSignerKey((peter.signerKey as string).replace('c74f20a3', '00000000'))).toThrow(
      /does not match/,
    );
  });
});

describe('signNote', () => {
  const peterKey = parseSignerKey(peter.signerKey as string);
  const enochKey = parseSignerKey(enoch.signerKey as string);

  it('reproduces the Go signatures byte for byte (Ed25519 is deterministic)', () => {
    expect(signNote(peter.text, peterKey)).toBe(peter.signedNote);
    expect(signNote(enoch.text, [peterKey, enochKey])).toBe(enoch.signedNote);
  });

  it('reproduces all 16 Tessera checkpoint signatures', () => {
    const signer = parseSignerKey(vectors.tesseraTiledLog.signerKey);
    for (const { checkpoint } of vectors.tesseraTiledLog.checkpoints) {
      const text = checkpoint.slice(0, checkpoint.lastIndexOf('\n\n') + 1);
      expect(signNote(text, signer)).toBe(checkpoint);
    }
  });

  it('signs with a key object that was copied (e.g. read from config)', () => {
    const copy: SignerKey = { ...peterKey };
    expect(signNote(peter.text, copy)).toBe(peter.signedNote);
    const forged: SignerKey = { ...peterKey, name: 'EnochRoot' };
    expect(() => signNote(peter.text, forged)).toThrow(/does not match its private key/);
  });

  it('refuses text that is not a note text', () => {
    expect(() => signNote('no newline', peterKey)).toThrow(/end with a newline/);
    expect(() => signNote('tab\there\n', peterKey)).toThrow(/control character/);
    expect(() => signNote('lone \ud800\n', peterKey)).toThrow(/lone surrogate/);
    expect(() => signNote('x\n', [])).toThrow(/at least one signer/);
  });
});

describe('openNote', () => {
  const peterVkey = parseVerifierKey(peter.verifierKey);
  const enochVkey = parseVerifierKey(enoch.verifierKey);

  it('opens every vector note with its verifier key', () => {
    for (const v of vectors.signedNotes) {
      const opened = openNote(v.signedNote, [parseVerifierKey(v.verifierKey)]);
      expect(opened.text).toBe(v.text);
      expect(opened.signatures.map((s) => [s.name, s.keyId])).toEqual([
        [v.verifierKey.split('+')[0], v.keyIdHex],
      ]);
      expect(opened.signatures[0]?.signature).toHaveLength(64);
    }
    expect(openNote(Buffer.from(c2sp.signedNote, 'utf8'), [parseVerifierKey(c2sp.verifierKey)]).text).toBe(
      'This is an example message.\n',
    );
    expect(openNote(sumdb.signedNote, [parseVerifierKey(sumdb.verifierKey)]).text).toBe(sumdb.text);
  });

  it('verifies every known signature and ignores signatures from unknown keys', () => {
    const both = openNote(enoch.signedNote, [peterVkey, enochVkey]);
    expect(both.signatures.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    const one = openNote(enoch.signedNote, [peterVkey]);
    expect(one.signatures.map((s) => s.name)).toEqual(['PeterNeumann']);
    expect(one.unverified.map((s) => `${s.name}+${s.keyId}`)).toEqual(['EnochRoot+af0cfe78']);
  });

  it('opens all 16 Tessera checkpoints, from the JSON and from the raw files', () => {
    const vkey = parseVerifierKey(vectors.tesseraTiledLog.verifierKey);
    for (const { size, checkpoint } of vectors.tesseraTiledLog.checkpoints) {
      const raw = readFileSync(new URL(`tessera-testdata-log/checkpoint.${size}`, FIXTURES));
      expect(raw.toString('utf8')).toBe(checkpoint);
      expect(openNote(raw, [vkey]).text.split('\n')[1]).toBe(String(size));
    }
    expect(vectors.tesseraTiledLog.checkpoints).toHaveLength(16);
  });

  it('rejects each of the 8 Go negative notes for the reason it gives', () => {
    const vkey = parseVerifierKey(vectors.negativeNotes.verifierKey);
    const results = vectors.negativeNotes.vectors.map((v) => {
      const err = thrown(() => openNote(v.note, [vkey]));
      return { desc: v.desc, expect: v.expect, error: err.constructor.name, message: err.message };
    });
    expect(results).toHaveLength(8);
    for (const r of results) {
      if (r.expect.startsWith('malformed')) {
        expect(r.error, r.desc).toBe('ValidationError');
        expect(r.message, r.desc).toMatch(/^malformed signed note: /);
      } else {
        expect(r.error, r.desc).toBe('IntegrityError');
        expect(r.message).toBe('signed note: invalid signature for key PeterNeumann+c74f20a3');
      }
    }
    expect(results.find((r) => r.desc.startsWith('101'))?.message).toMatch(/more than 100 signatures/);
    // Upstream's "key name contains space" note also lacks its final newline; with it, still malformed.
    const spaced = vectors.negativeNotes.vectors.find((v) => v.desc === 'key name contains space');
    expect(() => openNote(`${spaced?.note}\n`, [vkey])).toThrow(/malformed signed note: signature of Bad/);
  });

  it('rejects a note no trusted key signed, and one whose text was altered', () => {
    const err = thrown(() => openNote(peter.signedNote, [enochVkey]));
    expect(err).toBeInstanceOf(IntegrityError);
    expect(err.message).toMatch(/from a trusted key/);
    const altered = peter.signedNote.replace('cryptography', 'Cryptography');
    expect(() => openNote(altered, [peterVkey])).toThrow(/invalid signature for key PeterNeumann\+c74f20a3/);
  });

  it('ignores a signature whose name or key id alone matches a known key', () => {
    const impostor = createSignerKey('PeterNeumann', Buffer.alloc(32, 7));
    const note = signNote(peter.text, impostor);
    expect(() => openNote(note, [peterVkey])).toThrow(IntegrityError);
    expect(openNote(note, [peterVkey, parseVerifierKey(impostor.verifierKey)]).signatures).toHaveLength(1);
    // The same key id under another name is an unknown key: ignored rather than failed.
    const line = peter.signedNote.slice(peter.text.length + 1);
    const twice = `${peter.signedNote}${line.replace('— PeterNeumann', '— PeterNeumannX')}`;
    const opened = openNote(twice, [peterVkey]);
    expect(opened.signatures.map((s) => s.name)).toEqual(['PeterNeumann']);
    expect(opened.unverified.map((s) => `${s.name}+${s.keyId}`)).toEqual(['PeterNeumannX+c74f20a3']);
  });

  it('accepts at least 16 signatures, text with blank lines, and checks UTF-8', () => {
    const keys = Array.from({ length: 16 }, (_, i) => createSignerKey(`witness${i}.example`));
    const text = 'line one\n\nafter a blank line\n';
    const opened = openNote(
      signNote(text, keys),
      keys.map((k) => parseVerifierKey(k.verifierKey)),
    );
    expect(opened.text).toBe(text);
    expect(opened.signatures).toHaveLength(16);
    expect(() => openNote(Buffer.from([0x61, 0x0a, 0x0a, 0xff, 0x0a]), [peterVkey])).toThrow(
      /not valid UTF-8/,
    );
    expect(() => openNote(peter.signedNote.replace('— ', '- '), [peterVkey])).toThrow(/is not a signature/);
    expect(() => openNote(peter.signedNote.replace('=\n', '\n'), [peterVkey])).toThrow(/not base64/);
  });

  it('rejects a lone signature whose key id is wrong, saying it is not from a trusted key', () => {
    const line = peter.signedNote.slice(peter.text.length + 1);
    const payload = Buffer.from(line.split(' ')[2] as string, 'base64');
    payload[0] = (payload[0] as number) ^ 0x01;
    const note = `${peter.text}\n— PeterNeumann ${payload.toString('base64')}\n`;
    const err = thrown(() => openNote(note, [peterVkey]));
    expect(err).toBeInstanceOf(IntegrityError);
    expect(err.message).toBe('signed note: the one signature is not from a trusted key');
  });

  it('follows the signed-note format rules on hand-made notes', () => {
    const a = createSignerKey('example.com/a', Buffer.alloc(32, 1));
    const b = createSignerKey('example.com/b', Buffer.alloc(32, 2));
    const [va, vb] = [a, b].map((k) => parseVerifierKey(k.verifierKey)) as [VerifierKey, VerifierKey];
    const text = 'example.com/a\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
    const both = signNote(text, [a, b]);
    expect(openNote(both, [va, vb]).signatures.map((s) => s.name)).toEqual([
      'example.com/a',
      'example.com/b',
    ]);
    // An unknown key's signature beside a good one is ignored, not an error.
    const opened = openNote(both, [va]);
    expect(opened.signatures.map((s) => s.name)).toEqual(['example.com/a']);
    expect(opened.unverified.map((s) => s.name)).toEqual(['example.com/b']);
    expect(() => openNote(both, [])).toThrow(/none of the 2 signatures is from a trusted key/);
    const one = signNote(text, a);
    expect(() => openNote(one.replace(/\n/g, '\r\n'), [va])).toThrow(/control character/);
    expect(() => openNote(one.slice(0, -1), [va])).toThrow(/does not end with a newline/);
    expect(() => openNote(one.replace('\u2014', '-'), [va])).toThrow(/is not a signature/);
    expect(() => openNote(one.replace('\n\n', '\n'), [va])).toThrow(/no blank line/);
    expect(() => signNote(text.slice(0, -1), a)).toThrow(/end with a newline/);
    expect(() => signNote('', a)).toThrow(/end with a newline/);
    // Text that itself ends in a blank line: the last blank line separates the signatures.
    expect(openNote(signNote('a\n\n', a), [va]).text).toBe('a\n\n');
    const many = Array.from({ length: MAX_SIGNATURES + 1 }, () => one.slice(text.length + 1)).join('');
    expect(() => openNote(`${text}\n${many}`, [va])).toThrow(/more than 100 signatures/);
  });

  it('refuses key names holding any Unicode space, U+0085 and U+3000 included', () => {
    expect(() => createSignerKey('a+b')).toThrow(/space, a plus/);
    for (const name of ['a\u0085b', 'a\u3000b', 'a\u00a0b', 'a b']) {
      expect(() => createSignerKey(name), JSON.stringify(name)).toThrow(/space, a plus/);
      const key = `${name}+00000000+${Buffer.concat([Buffer.from([1]), Buffer.alloc(32)]).toString('base64')}`;
      expect(() => parseVerifierKey(key), JSON.stringify(name)).toThrow(/space, a plus/);
    }
    const line = peter.signedNote.slice(peter.text.length + 1);
    const nel = `${peter.text}\n${line.replace('PeterNeumann', 'Peter\u0085Neumann')}`;
    expect(() => openNote(nel, [peterVkey])).toThrow(/no valid key name/);
  });
});
