// An append batch on its way to the writer thread, as flat arrays: structured clone copies a few
// arrays of strings and byte buffers much faster than a thousand small objects with nested arrays
// and Buffers (about 1 µs per event instead of 4 on the request thread).

import type { AppendBatch, EventRecord } from '../store.js';

export interface PackedBatch extends Omit<AppendBatch, 'events'> {
  seqs: number[];
  ts: number[];
  received: number[];
  sources: string[];
  bodies: string[];
  /** The column values of every event, `columnsPerEvent` each. */
  columns: Array<string | null>;
  columnsPerEvent: number;
  /** Leaf hashes and seeds, 32 bytes each, one after the other. */
  leaves: Uint8Array;
  seeds: Uint8Array;
  /** Indexed fields: the source IP's comparable form in hex. */
  sourceIps: Array<string | null>;
  producerIds: Array<string | null>;
  producerSeqs: Array<number | null>;
}

export function packBatch(batch: AppendBatch): PackedBatch {
  const { events, ...rest } = batch;
  const columnsPerEvent = events[0]?.columns.length ?? 0;
  const packed: PackedBatch = {
    ...rest,
    seqs: [],
    ts: [],
    received: [],
    sources: [],
    bodies: [],
    columns: [],
    columnsPerEvent,
    leaves: new Uint8Array(events.length * 32),
    seeds: new Uint8Array(events.length * 32),
    sourceIps: [],
    producerIds: [],
    producerSeqs: [],
  };
  events.forEach((e, i) => {
    if (e.columns.length !== columnsPerEvent) throw new Error('batch events differ in their columns');
    packed.seqs.push(e.seq);
    packed.ts.push(e.ts);
    packed.received.push(e.received);
    packed.sources.push(e.source);
    packed.bodies.push(e.body);
    for (const value of e.columns) packed.columns.push(value);
    packed.leaves.set(e.leafHash, i * 32);
    packed.seeds.set(e.seed, i * 32);
    packed.sourceIps.push(e.fields.sourceIp?.toString('hex') ?? null);
    packed.producerIds.push(e.fields.producerId);
    packed.producerSeqs.push(e.fields.producerSeq);
  });
  return packed;
}

export function unpackBatch(packed: PackedBatch): AppendBatch {
  const {
    seqs,
    ts,
    received,
    sources,
    bodies,
    columns,
    columnsPerEvent: width,
    leaves,
    seeds,
    sourceIps,
    producerIds,
    producerSeqs,
    ...rest
  } = packed;
  const leafBytes = Buffer.from(leaves.buffer, leaves.byteOffset, leaves.byteLength);
  const seedBytes = Buffer.from(seeds.buffer, seeds.byteOffset, seeds.byteLength);
  const events = seqs.map((seq, i): EventRecord => ({
    seq,
    ts: ts[i]!,
    received: received[i]!,
    source: sources[i]!,
    body: bodies[i]!,
    columns: columns.slice(i * width, i * width + width),
    leafHash: leafBytes.subarray(i * 32, i * 32 + 32),
    seed: seedBytes.subarray(i * 32, i * 32 + 32),
    fields: {
      sourceIp: sourceIps[i] == null ? null : Buffer.from(sourceIps[i]!, 'hex'),
      producerId: producerIds[i]!,
      producerSeq: producerSeqs[i]!,
    },
  }));
  return { ...rest, events };
}
