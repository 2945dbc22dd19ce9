import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeBody } from '../store/row-codec.js';
import { DEFAULT_PERSONAL_FIELDS } from './commitment.js';
import { createInlineHasher, packJobs, unpackJobs, type HashJob } from './hasher.js';

function jobs(n: number): HashJob[] {
  return Array.from({ length: n }, (_, i) => {
    const { body, columns } = encodeBody({
      '@timestamp': '2026-12-01T00:00:00.000Z',
      event: { action: 'ssh.login', outcome: i % 2 ? 'success' : 'failure' },
      user: { name: `user${i}` },
      source: { ip: `10.0.0.${i}` },
      message: `Accepted password for user${i}`,
    });
    return {
      seq: 2 ** 32 + i,
      ts: Date.parse('2026-12-01T00:00:00.000Z'),
      received: 1_764_547_200_000 + i,
      source: `key-${i % 3}`,
      body,
      columns,
      seed: randomBytes(32),
    };
  });
}

describe('packed hash jobs', () => {
  it('unpack to the same jobs, so both sides hash the same entries', async () => {
    const original = jobs(5);
    original[3]!.erased = { commitments: { 'user.name': 'hmac-sha256:AAAA' }, salts: {} };
    const unpacked = unpackJobs(structuredClone(packJobs(original)));
    expect(unpacked.map((j) => ({ ...j, seed: Buffer.from(j.seed) }))).toEqual(
      original.map((j) => ({ ...j, erased: j.erased ?? null })),
    );
    const hasher = createInlineHasher(DEFAULT_PERSONAL_FIELDS);
    expect(await hasher.hash(unpacked)).toEqual(await hasher.hash(original));
  });
});
