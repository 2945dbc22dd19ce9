// Tests of personal-data commitments: salts derived from a seed, and HMACs of canonical values.

import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalize } from './canonical.js';
import {
  COMMITMENT_PREFIX,
  DEFAULT_PERSONAL_FIELDS,
  commitValue,
  deriveSalt,
  seededCommitter,
} from './commitment.js';

// Seed 00 01 .. 1f. Expected values computed independently with Python's hmac module.
const SEED = Buffer.from(Array.from({ length: 32 }, (_, i) => i));

describe('salts and commitments', () => {
  it('derives salts as HMAC-SHA256(seed, "stele/salt/v1\\n" || field)', () => {
    expect(deriveSalt(SEED, 'user.name').toString('hex')).toBe(
      '88d6754e16f59bdf5487a92b88239a19069520a46b0232ff00d56a5a91575443',
    );
    expect(deriveSalt(SEED, 'related.ip').toString('hex')).toBe(
      '96aca0e5c669ca077b435769ab27ef1262bfee2308c6f0f05456db712266d1e3',
    );
    expect(deriveSalt(randomBytes(32), 'user.name')).not.toEqual(deriveSalt(SEED, 'user.name'));
    expect(() => deriveSalt(Buffer.alloc(31), 'user.name')).toThrow(/32 bytes, got 31/);
  });

  it('commits to the canonical JSON of the value', () => {
    expect(commitValue(deriveSalt(SEED, 'user.name'), 'alice')).toBe(
      'hmac-sha256:7XaMubBSoF0DwshsAVcN948tHat+UCu52NHR9CvOZxE=',
    );
    expect(commitValue(deriveSalt(SEED, 'related.ip'), ['192.0.2.1', '2001:db8::1'])).toBe(
      'hmac-sha256:5nTP630CKDSmT1+6yFEDIrkzrpGn73a1Ry2SRvc1vZU=',
    );
    const salt = randomBytes(32);
    expect(commitValue(salt, { b: 2, a: 1 })).toBe(commitValue(salt, { a: 1, b: 2 }));
    expect(commitValue(salt, 1)).not.toBe(commitValue(salt, '1'));
    expect(() => commitValue(salt, undefined)).toThrow(/not a JSON value/);
  });

  it('commits to exactly the canonical JSON bytes, for plain ASCII strings and any other value', () => {
    const salt = randomBytes(32);
    const reference = (value: unknown) =>
      COMMITMENT_PREFIX + createHmac('sha256', salt).update(canonicalize(value), 'utf8').digest('base64');
    // Each character the plain-string path must leave to canonicalize, alone among plain ones.
    const special = ['"', '\\', '\u0000', '\u001f', '\u0080', 'é', '☃', '😀', '\u2028'];
    const printable = String.fromCharCode(...Array.from({ length: 0x60 }, (_, i) => 0x20 + i));
    const plain = printable.replace(/["\\]/g, '');
    const values: unknown[] = [
      '',
      [],
      [''],
      ['a', 1],
      ['a', null],
      [['a']],
      plain,
      [plain, plain],
      printable,
    ];
    values.push(
      'x'.repeat(1021),
      'x'.repeat(1022),
      Array.from({ length: 400 }, () => 'ab'),
    );
    for (const c of special)
      values.push(c, `a${c}`, `${c}b`, `user ${c} name`, [c], ['a', `b${c}`], [c, 'a']);
    for (const value of values)
      expect(commitValue(salt, value), JSON.stringify(value)).toBe(reference(value));
    // A lone surrogate has no canonical form, in a string or in an array.
    expect(() => commitValue(salt, 'a\ud800')).toThrow(/lone/);
    expect(() => commitValue(salt, ['a', '\udc00b'])).toThrow(/lone/);
  });

  it('commits the same under a seed as under the salt derived from it', () => {
    const seed = randomBytes(32);
    const commit = seededCommitter(seed);
    for (const [field, value] of [
      ['user.name', 'alice'],
      ['related.ip', ['192.0.2.1', '2001:db8::1']],
      ['event.original', 'Zoë '.repeat(200)],
      ['user.name', { b: 2, a: 1 }],
    ] as Array<[string, unknown]>) {
      expect(commit(field, value)).toBe(commitValue(deriveSalt(seed, field), value));
    }
    expect(seededCommitter(SEED)('user.name', 'alice')).toBe(
      'hmac-sha256:7XaMubBSoF0DwshsAVcN948tHat+UCu52NHR9CvOZxE=',
    );
    expect(() => seededCommitter(Buffer.alloc(31))).toThrow(/32 bytes, got 31/);
  });

  it('lists the default personal fields', () => {
    expect(DEFAULT_PERSONAL_FIELDS).toHaveLength(17);
    expect(DEFAULT_PERSONAL_FIELDS).toContain('user.target.email');
    expect(DEFAULT_PERSONAL_FIELDS).toContain('process.command_line');
    expect(Object.isFrozen(DEFAULT_PERSONAL_FIELDS)).toBe(true);
  });
});
