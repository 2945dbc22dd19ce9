// Tests of ledger entry construction: commitments put in place in the canonical JSON of an event.

import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seededRandom, trickyEvent } from '../../test/helpers/tricky-json.js';
import type { StoredEvent } from '../core/event.js';
import { canonicalize } from './canonical.js';
import { COMMITMENT_PREFIX, DEFAULT_PERSONAL_FIELDS, commitValue, deriveSalt } from './commitment.js';
import { ledgerEntry, ledgerLeaf, type ErasureMaterial } from './entry.js';
import { buildEntry, buildEntryCopied, copiedEntryCount } from './entry-builder.js';
import { getPath } from './field-path.js';

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

// ---------------------------------------------------------------------------------------------
// Differential: the entry as docs/ledger.md section 1 specifies it, with node:crypto's HMAC

const salt = (seed: Buffer, field: string) =>
  createHmac('sha256', seed).update(`stele/salt/v1\n${field}`, 'utf8').digest();
const commitment = (key: Buffer, value: unknown) =>
  COMMITMENT_PREFIX + createHmac('sha256', key).update(canonicalize(value), 'utf8').digest('base64');

/** A copy of a JSON value, "__proto__" keys included. */
function copyJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyJson);
  if (typeof value !== 'object' || value === null) return value;
  const copy = {};
  for (const [key, member] of Object.entries(value)) {
    Object.defineProperty(copy, key, { value: copyJson(member), enumerable: true, writable: true });
  }
  return copy;
}

function valueAt(event: unknown, parts: readonly string[]): unknown {
  let node = event;
  for (const key of parts) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, key))
      return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Section 1 step by step: deepest fields first, so that an ancestor's commitment replaces theirs. */
function referenceEntry(
  event: Record<string, unknown>,
  fields: readonly string[],
  commit: (field: string, value: unknown) => string,
): Buffer {
  const entry = copyJson(event) as Record<string, unknown>;
  const deepestFirst = [...fields].sort((a, b) => b.split('.').length - a.split('.').length);
  for (const field of deepestFirst) {
    const parts = field.split('.');
    const value = valueAt(event, parts);
    if (value === undefined || value === null) continue;
    const parent = valueAt(entry, parts.slice(0, -1)) as Record<string, unknown>;
    parent[parts[parts.length - 1]!] = commit(field, value);
  }
  for (const field of fields) {
    const flat = event[field];
    if (field.includes('.') && Object.hasOwn(event, field) && flat !== undefined && flat !== null)
      entry[field] = commit(field, flat);
  }
  return Buffer.from(canonicalize(entry), 'utf8');
}

/** What `run` gives or the message it throws. */
function outcome<T>(run: () => T): T | string {
  try {
    return run();
  } catch (err) {
    return `throws: ${(err as Error).message}`;
  }
}

const FIELD_LISTS: ReadonlyArray<readonly string[]> = [
  DEFAULT_PERSONAL_FIELDS,
  [...DEFAULT_PERSONAL_FIELDS, 'user', 'related'],
  ['user.name', 'user', 'source.ip', 'source.ip', 'event.original', '10', 'a', 'é', 'user.effective.name.x'],
  [],
];

describe('ledger entries: the fast way against the specification', () => {
  it('gives the same bytes and leaf hash for 2,000 random events, with a seed or with erasure material', () => {
    const random = seededRandom(2104);
    const copied = copiedEntryCount();
    let compared = 0;
    for (let i = 0; i < 2000; i++) {
      const event = trickyEvent(random);
      const fields = FIELD_LISTS[i % FIELD_LISTS.length]!;
      const seed = randomBytes(32);
      const want = outcome(() => referenceEntry(event, fields, (f, v) => commitment(salt(seed, f), v)));
      const stored = event as unknown as StoredEvent;
      expect(
        outcome(() => ledgerEntry(stored, seed, fields)),
        JSON.stringify(event),
      ).toEqual(want);
      if (typeof want === 'string') continue;
      const leaf = createHash('sha256')
        .update(Buffer.from([0]))
        .update(want)
        .digest();
      expect(ledgerLeaf(stored, seed, fields)).toEqual(leaf);
      // Erased: some values by their kept commitment, the others by their kept salt, no seed.
      const erased: ErasureMaterial = { commitments: {}, salts: {} };
      for (const field of fields) {
        if (random() < 0.4) (erased.commitments as Record<string, string>)[field] = `erased ${field}`;
        else (erased.salts as Record<string, string>)[field] = salt(seed, field).toString('base64');
      }
      const kept = (f: string, v: unknown) => erased.commitments[f] ?? commitment(salt(seed, f), v);
      const wantErased = referenceEntry(event, fields, kept);
      expect(ledgerEntry(stored, null, fields, erased).toString('utf8')).toBe(wantErased.toString('utf8'));
      compared++;
    }
    expect(compared).toBeGreaterThan(1500); // most random events are valid ones
    expect(copiedEntryCount() - copied).toBe(0); // and none of them needed the straightforward way
  });

  it('rejects what the specification cannot build, with the same message', () => {
    const seed = randomBytes(32);
    const events: Array<Record<string, unknown>> = [
      { user: { name: 'a\ud800' } },
      { message: 'ok', host: { name: '\udc00' } },
      { source: { ip: ['192.0.2.1', NaN] } },
      { n: Infinity, user: { name: 'alice' } },
      { '\ud800': 1 },
    ];
    for (const event of events) {
      const want = outcome(() =>
        referenceEntry(event, DEFAULT_PERSONAL_FIELDS, (f, v) => commitment(salt(seed, f), v)),
      );
      expect(want).toMatch(/^throws: cannot canonicalize/);
      const got = outcome(() => ledgerEntry(event as unknown as StoredEvent, seed, DEFAULT_PERSONAL_FIELDS));
      expect(got).toBe(want);
    }
    // No seed, and no salt for a present value that was not erased.
    expect(() =>
      ledgerEntry({ user: { name: 'a' } } as unknown as StoredEvent, null, DEFAULT_PERSONAL_FIELDS, {
        commitments: {},
        salts: {},
      }),
    ).toThrow(/no salt for personal field user\.name/);
  });

  it('writes what the copying way writes when a personal value is not enumerable', () => {
    const user = { id: '1000' };
    Object.defineProperty(user, 'name', { value: 'alice', enumerable: false });
    const event = { user, host: { name: 'web-1' } };
    const commit = (f: string) => `C(${f})`;
    const want = canonicalize(buildEntryCopied(event, DEFAULT_PERSONAL_FIELDS, commit));
    expect(want).toBe('{"host":{"name":"web-1"},"user":{"id":"C(user.id)","name":"C(user.name)"}}');
    const copied = copiedEntryCount();
    expect(buildEntry(event, DEFAULT_PERSONAL_FIELDS, commit).toString('utf8')).toBe(want);
    expect(copiedEntryCount()).toBe(copied + 1);
  });
});
