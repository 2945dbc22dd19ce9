import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AppendBatch } from '../store.js';
import { packBatch, unpackBatch } from './sqlite-batch-transfer.js';

describe('append batches packed for the writer thread', () => {
  it('arrive as the same batch after a structured clone', () => {
    const batch: AppendBatch = {
      events: [0, 1, 2].map((i) => ({
        seq: 2 ** 33 + i,
        ts: 1_764_547_200_000 + i,
        received: 1_764_547_200_500,
        source: i === 1 ? 'syslog' : 'api:ingest',
        body: JSON.stringify({ message: `line ${i}`, '@timestamp': '2026-12-01T00:00:00.000Z' }),
        columns: ['ssh.login', i === 2 ? null : 'success', null, `user${i}`, 'web-1', null],
        leafHash: randomBytes(32),
        seed: randomBytes(32),
        fields: {
          sourceIp: i === 0 ? null : randomBytes(16),
          producerId: i === 2 ? 'agent-7' : null,
          producerSeq: i === 2 ? 41 : null,
        },
      })),
      nodes: [{ level: 8, index: 3, hash: randomBytes(32) }],
      frontier: '{"size":3}',
      producers: [{ id: 'agent-7', lastSeq: 41, gaps: 0, events: 1 }],
      checkpoint: { size: 3, rootHash: randomBytes(32), note: 'note', created: 1 },
    };
    const arrived = unpackBatch(structuredClone(packBatch(batch)));
    // Bytes compared as hex: a clone delivers Buffers as Uint8Arrays, which the writer binds alike.
    const hex = (_key: string, v: unknown): unknown => {
      if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
      const json = v as { type?: string; data?: number[] } | null;
      return json?.type === 'Buffer' && json.data ? Buffer.from(json.data).toString('hex') : v;
    };
    const plain = (b: AppendBatch): unknown => JSON.parse(JSON.stringify(b, hex));
    expect(plain(arrived)).toEqual(plain(batch));
  });
});
