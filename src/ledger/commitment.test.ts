// Tests of personal-data commitments and ledger entry construction.

import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalize } from './canonical.js';
import {
  COMMITMENT_PREFIX,
  DEFAULT_PERSONAL_FIELDS,
  buildEntry,
  commitValue,
  deriveSalt,
  getPath,
  seededCommitter,
  setPath,
} from './commitment.js';

// Seed 00 01 .. 1f. Expected values computed independently with Python's hmac module.
const SEED = Buffer.from(Array.from({ length: 32 }, (_, i) => i));

const sampleEvent = () => ({
  '@timestamp': '2024-05-01T12:00:00.000Z',
  message: 'Accepted publickey for alice from 192.0.2.1 port 52344 ssh2',
  event: { action: 'ssh.login', outcome: 'success', category: ['authentication'], dataset: 'linux.auth' },
  user: { name: 'alice', id: '1000', effective: { name: 'root' }, roles: ['admin'] },
  source: { ip: '192.0.2.1', port: 52344 },
  host: { name: 'bastion-1' },
  related: { user: ['alice', 'root'], ip: ['192.0.2.1'] },
  process: { name: 'sshd', pid: 4242, command_line: null },
  stele: { seq: 7 },
});

const commitWith = (seed: Buffer) => (field: string, value: unknown) =>
  commitValue(deriveSalt(seed, field), value);

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

describe('buildEntry', () => {
  it('replaces each present personal field by its commitment and keeps the rest', () => {
    const event = sampleEvent();
    const calls: Array<[string, unknown]> = [];
    const entry = buildEntry(event, DEFAULT_PERSONAL_FIELDS, (field, value) => {
      calls.push([field, value]);
      return `C(${field})`;
    });
    expect(calls).toEqual([
      ['user.name', 'alice'],
      ['user.id', '1000'],
      ['user.effective.name', 'root'],
      ['source.ip', '192.0.2.1'],
      ['related.user', ['alice', 'root']],
      ['related.ip', ['192.0.2.1']],
      ['message', event.message],
    ]);
    const expected = {
      ...event,
      message: 'C(message)',
      user: {
        name: 'C(user.name)',
        id: 'C(user.id)',
        effective: { name: 'C(user.effective.name)' },
        roles: ['admin'],
      },
      source: { ip: 'C(source.ip)', port: 52344 },
      related: { user: 'C(related.user)', ip: 'C(related.ip)' },
    };
    expect(entry.toString('utf8')).toBe(canonicalize(expected));
  });

  it('never changes the event or shares changed objects with it', () => {
    const event = sampleEvent();
    const before = structuredClone(event);
    const user = event.user;
    buildEntry(event, DEFAULT_PERSONAL_FIELDS, commitWith(SEED));
    expect(event).toEqual(before);
    expect(event.user).toBe(user);
    expect(Object.isFrozen(event)).toBe(false);
    const frozen = Object.freeze({ user: Object.freeze({ name: 'bob' }) });
    expect(JSON.parse(buildEntry(frozen, ['user.name'], () => 'x').toString())).toEqual({
      user: { name: 'x' },
    });
  });

  it('is deterministic for a seed and changes when any personal value changes', () => {
    const a = buildEntry(sampleEvent(), DEFAULT_PERSONAL_FIELDS, commitWith(SEED));
    expect(buildEntry(sampleEvent(), DEFAULT_PERSONAL_FIELDS, commitWith(SEED))).toEqual(a);
    const edited = sampleEvent();
    edited.related.ip = ['192.0.2.2'];
    expect(buildEntry(edited, DEFAULT_PERSONAL_FIELDS, commitWith(SEED))).not.toEqual(a);
    expect(buildEntry(sampleEvent(), DEFAULT_PERSONAL_FIELDS, commitWith(randomBytes(32)))).not.toEqual(a);
    expect(a.toString()).not.toContain('alice');
    expect(a.toString()).not.toContain('192.0.2.1');
    expect(a.toString()).toContain(COMMITMENT_PREFIX);
  });

  it('commits whole objects and arrays, leaves null and absent fields, and commits flattened keys', () => {
    const event = { user: { name: 'a', roles: ['x'] }, 'user.email': 'a@example.com', source: null, n: 1 };
    const entry = JSON.parse(
      buildEntry(event, ['user', 'user.email', 'source.ip', 'n'], (f) => `C(${f})`).toString(),
    );
    expect(entry).toEqual({ user: 'C(user)', 'user.email': 'C(user.email)', source: null, n: 'C(n)' });
  });

  it('gives the same entry whichever order a field and its ancestor are listed in', () => {
    const event = sampleEvent();
    const one = buildEntry(event, ['user.name', 'user'], commitWith(SEED));
    const other = buildEntry(event, ['user', 'user.name'], commitWith(SEED));
    expect(one).toEqual(other);
    expect(JSON.parse(one.toString()).user).toBe(commitValue(deriveSalt(SEED, 'user'), event.user));
  });

  it('refuses events that are not plain objects and bad paths or commitments', () => {
    expect(() => buildEntry([] as object, [], () => '')).toThrow(/plain JSON object/);
    expect(() => buildEntry(new Date(0), [], () => '')).toThrow(/plain JSON object/);
    expect(() => buildEntry({}, ['user..name'], () => '')).toThrow(/not a field path/);
    expect(() => buildEntry({ a: 1 }, ['a'], () => 1 as unknown as string)).toThrow(/not a string/);
    expect(() => buildEntry({ a: undefined, b: 1 }, ['b'], () => 'x')).toThrow(/a: undefined/);
  });

  it('builds 20,000 typical events with 5 personal fields quickly', () => {
    const events = Array.from({ length: 20_000 }, (_, i) => ({
      '@timestamp': new Date(1_714_560_000_000 + i * 1000).toISOString(),
      message: `Accepted publickey for user${i % 97} from 198.51.100.${i % 250} port ${40000 + (i % 20000)} ssh2`,
      event: { action: 'ssh.login', outcome: 'success', category: ['authentication'], dataset: 'linux.auth' },
      user: { name: `user${i % 97}`, id: String(1000 + (i % 97)) },
      source: { ip: `198.51.100.${i % 250}`, port: 40000 + (i % 20000) },
      related: { ip: [`198.51.100.${i % 250}`] },
      host: { name: 'bastion-1' },
      process: { name: 'sshd', pid: 4000 + i },
      stele: { seq: i, source: 'syslog:udp' },
    }));
    const size = Buffer.byteLength(JSON.stringify(events[0]));
    const seeds = randomBytes(32 * events.length);
    const started = process.hrtime.bigint();
    const entries = events.map((event, i) =>
      buildEntry(event, DEFAULT_PERSONAL_FIELDS, commitWith(seeds.subarray(i * 32, i * 32 + 32))),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rate = Math.round(events.length / seconds);
    console.log(
      `buildEntry: ${rate} events/s (${events.length} events of ~${size} bytes, 5 personal fields)`,
    );
    for (const i of [0, 9_999, 19_999]) {
      const entry = JSON.parse((entries[i] as Buffer).toString()) as Record<string, Record<string, unknown>>;
      const committed = ['message', 'user.name', 'user.id', 'source.ip', 'related.ip'].map((f) =>
        getPath(entry, f),
      );
      expect(committed.every((v) => typeof v === 'string' && v.startsWith(COMMITMENT_PREFIX))).toBe(true);
      expect(entry.source?.port).toBe(events[i]?.source.port);
    }
    expect(size).toBeGreaterThan(350);
    expect(rate).toBeGreaterThan(2_000); // a floor for catastrophic regressions only
  });
});

describe('getPath and setPath', () => {
  it('reads nested own properties, top-level names like @timestamp, and nothing inherited', () => {
    const event = sampleEvent();
    expect(getPath(event, '@timestamp')).toBe('2024-05-01T12:00:00.000Z');
    expect(getPath(event, 'user.effective.name')).toBe('root');
    expect(getPath(event, 'user.target.name')).toBeUndefined();
    expect(getPath(event, 'user.roles.0')).toBeUndefined();
    expect(getPath(event, 'user.name.length')).toBeUndefined();
    expect(getPath(event, 'toString')).toBeUndefined();
    expect(() => getPath(event, '__proto__.x')).toThrow(/not a field path/);
  });

  it('creates missing objects and refuses to write through a non-object', () => {
    const target: Record<string, unknown> = { user: { name: 'a' }, tags: ['x'] };
    setPath(target, 'user.target.email', 'b@example.com');
    setPath(target, '@timestamp', 't');
    expect(target).toEqual({
      user: { name: 'a', target: { email: 'b@example.com' } },
      tags: ['x'],
      '@timestamp': 't',
    });
    expect(() => setPath(target, 'tags.first', 1)).toThrow(/tags is not an object/);
    expect(() => setPath(target, 'user.name.first', 1)).toThrow(/user\.name is not an object/);
    expect(() => setPath(target, 'constructor.prototype.x', 1)).toThrow(/not a field path/);
  });
});
