// Tests of the C2SP tlog-checkpoint text against the Tessera, sum.golang.org and C2SP examples.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IntegrityError, ValidationError } from '../core/errors.js';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from './checkpoint.js';
import { EMPTY_ROOT } from './merkle.js';
import { createSignerKey, parseVerifierKey, signNote } from './note.js';

interface Vectors {
  signedNotes: Array<{ verifierKey: string; text: string; signedNote: string }>;
  tesseraTiledLog: {
    origin: string;
    verifierKey: string;
    checkpoints: Array<{ size: number; origin: string; rootHashB64: string; checkpoint: string }>;
  };
}

const FIXTURES = new URL('../../test/fixtures/merkle/', import.meta.url);
const vectors = JSON.parse(
  readFileSync(new URL('note_checkpoint_vectors.json', FIXTURES), 'utf8'),
) as Vectors;
const sumdbTree = (
  JSON.parse(readFileSync(new URL('vectors.json', FIXTURES), 'utf8')) as {
    sumdbRecordHash: { treeNote: string };
  }
).sumdbRecordHash.treeNote;
const ROOT = Buffer.from('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'base64');

describe('checkpoints (C2SP tlog-checkpoint)', () => {
  it('opens, parses and re-formats all 16 Tessera checkpoints', () => {
    const log = vectors.tesseraTiledLog;
    const vkey = parseVerifierKey(log.verifierKey);
    for (const cp of log.checkpoints) {
      const opened = openCheckpoint(cp.checkpoint, [vkey]);
      expect(opened.checkpoint).toEqual({
        origin: log.origin,
        size: cp.size,
        rootHash: Buffer.from(cp.rootHashB64, 'base64'),
        extensions: [],
      });
      expect(opened.signatures.map((s) => s.name)).toEqual([log.origin]);
      expect(formatCheckpoint(opened.checkpoint)).toBe(opened.text);
    }
    expect(parseCheckpoint(`${log.origin}\n0\n${EMPTY_ROOT.toString('base64')}\n`).size).toBe(0);
  });

  it('reads the production sum.golang.org checkpoint and the sumdb tree note', () => {
    const sumdb = vectors.signedNotes[3];
    const opened = openCheckpoint(sumdb?.signedNote ?? '', [parseVerifierKey(sumdb?.verifierKey ?? '')]);
    expect(opened.checkpoint.origin).toBe('go.sum database tree');
    expect(opened.checkpoint.size).toBe(6476701);
    expect(opened.checkpoint.rootHash.toString('base64')).toBe(
      'mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=',
    );
    // The key name (sum.golang.org) differs from the origin: allowed, the spec only says SHOULD.
    expect(opened.signatures[0]?.name).toBe('sum.golang.org');
    const tree = parseCheckpoint(sumdbTree);
    expect([tree.origin, tree.size]).toEqual(['go.sum database tree', 123456789012]);
  });

  it('formats the spec example and keeps extension lines', () => {
    const text = formatCheckpoint({ origin: 'example.com/behind-the-sofa', size: 20852163, rootHash: ROOT });
    expect(text).toBe(
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    );
    const extended = formatCheckpoint({
      origin: 'o',
      size: 1,
      rootHash: ROOT,
      extensions: ['ext one', '— two'],
    });
    expect(extended.endsWith('\next one\n— two\n')).toBe(true);
    expect(parseCheckpoint(extended).extensions).toEqual(['ext one', '— two']);
  });

  it('rejects every malformed checkpoint text with a reason', () => {
    const root = ROOT.toString('base64');
    const cases: Array<[string, RegExp]> = [
      [`o\n1\n${root}`, /end with a newline/],
      [`o\n1\n`, /2 lines, at least 3/],
      [`\n1\n${root}\n`, /origin is empty/],
      [`o\n01\n${root}\n`, /leading zeros/],
      [`o\n-1\n${root}\n`, /not a decimal/],
      [`o\n1.0\n${root}\n`, /not a decimal/],
      [`o\n+1\n${root}\n`, /not a decimal/],
      [`o\n\n${root}\n`, /not a decimal/],
      [`o\n9007199254740992\n${root}\n`, /beyond 2\^53/],
      [`o\n1\n${root.slice(0, -1)}\n`, /not standard base64 of 32 bytes/],
      [`o\n1\n${ROOT.subarray(1).toString('base64')}\n`, /32 bytes/],
      [`o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n`, /standard base64/],
      [`o\n1\n${root}\n\n`, /extension line 1 is empty/],
      [`o\r\n1\n${root}\n`, /origin contains a newline or control/],
    ];
    for (const [text, reason] of cases) {
      expect(() => parseCheckpoint(text), JSON.stringify(text)).toThrow(reason);
    }
  });

  it('refuses to format what it could not parse back', () => {
    expect(() => formatCheckpoint({ origin: '', size: 1, rootHash: ROOT })).toThrow(/origin is empty/);
    expect(() => formatCheckpoint({ origin: 'a\nb', size: 1, rootHash: ROOT })).toThrow(/newline/);
    expect(() => formatCheckpoint({ origin: 'o', size: -1, rootHash: ROOT })).toThrow(/non-negative/);
    expect(() => formatCheckpoint({ origin: 'o', size: 1.5, rootHash: ROOT })).toThrow(/non-negative/);
    expect(() => formatCheckpoint({ origin: 'o', size: 1, rootHash: ROOT.subarray(1) })).toThrow(/32 bytes/);
    expect(() => formatCheckpoint({ origin: 'o', size: 1, rootHash: ROOT, extensions: [''] })).toThrow(
      /extension line 1 is empty/,
    );
  });

  it('signs and opens a checkpoint; a re-signed or edited one fails', () => {
    const log = createSignerKey('stele.example/log', Buffer.alloc(32, 1));
    const other = createSignerKey('stele.example/log', Buffer.alloc(32, 2));
    const note = signCheckpoint({ origin: 'stele.example/log', size: 42, rootHash: ROOT }, log);
    const vkey = parseVerifierKey(log.verifierKey);
    expect(openCheckpoint(note, [vkey]).checkpoint.size).toBe(42);
    const resigned = signCheckpoint({ origin: 'stele.example/log', size: 41, rootHash: ROOT }, other);
    expect(() => openCheckpoint(resigned, [vkey])).toThrow(IntegrityError);
    expect(() => openCheckpoint(note.replace('\n42\n', '\n43\n'), [vkey])).toThrow(/invalid signature/);
    // A genuine signature over a text that is not a checkpoint.
    expect(() => openCheckpoint(signNote('just one line\n', log), [vkey])).toThrow(ValidationError);
    expect(() => openCheckpoint(signNote('just one line\n', log), [vkey])).toThrow(/1 lines, at least 3/);
  });
});
