// An append batch on its way to the writer thread: its rows packed as flat arrays
// (row-transfer.ts), plus what only the writer needs: leaf hashes and indexed fields.

import { bytes, packRows, unpackRows, type PackedRows } from '../row-transfer.js';
import type { AppendBatch } from '../store.js';

export interface PackedBatch extends Omit<AppendBatch, 'events'> {
  rows: PackedRows;
  /** Leaf hashes, 32 bytes each, one after the other. */
  leaves: Uint8Array;
  /** Indexed fields: the source IP's comparable form in hex. */
  sourceIps: Array<string | null>;
  producerIds: Array<string | null>;
  producerSeqs: Array<number | null>;
}

export function packBatch(batch: AppendBatch): PackedBatch {
  const { events, ...rest } = batch;
  const leaves = new Uint8Array(events.length * 32);
  const sourceIps: Array<string | null> = [];
  const producerIds: Array<string | null> = [];
  const producerSeqs: Array<number | null> = [];
  const rows = packRows(events, (e, i) => {
    leaves.set(e.leafHash, i * 32);
    sourceIps.push(e.fields.sourceIp?.toString('hex') ?? null);
    producerIds.push(e.fields.producerId);
    producerSeqs.push(e.fields.producerSeq);
  });
  return { ...rest, rows, leaves, sourceIps, producerIds, producerSeqs };
}

export function unpackBatch(packed: PackedBatch): AppendBatch {
  const { rows, leaves, sourceIps, producerIds, producerSeqs, ...rest } = packed;
  const leafBytes = bytes(leaves);
  const events = unpackRows(rows, (i) => ({
    leafHash: leafBytes.subarray(i * 32, i * 32 + 32),
    fields: {
      sourceIp: sourceIps[i] == null ? null : Buffer.from(sourceIps[i]!, 'hex'),
      producerId: producerIds[i]!,
      producerSeq: producerSeqs[i]!,
    },
  }));
  return { ...rest, events };
}
