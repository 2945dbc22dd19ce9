// Ledger entry benchmarks, single thread: the CPU time to rebuild a generated event's ledger entry
// and leaf hash from its stored row (what the hasher does for ingest and `stele verify` for every
// entry), against the straightforward way measured in the same run (a copy of the event with its
// commitments in place, canonicalize, node:crypto HMACs); and one SHA-256 compression in
// JavaScript against the fixed cost of a node:crypto call, which is why short inputs stay in JS.

import { createHash, createHmac, hash as digestOnce, randomBytes } from 'node:crypto';
import { validateEvent } from '../src/core/validate.js';
import { canonicalize } from '../src/ledger/canonical.js';
import { COMMITMENT_PREFIX, DEFAULT_PERSONAL_FIELDS } from '../src/ledger/commitment.js';
import { ledgerLeaf } from '../src/ledger/entry.js';
import { buildEntryCopied } from '../src/ledger/entry-builder.js';
import { HmacSha256Key } from '../src/ledger/sha256.js';
import { encodeBody } from '../src/store/row-codec.js';
import { rowToEvent, type EventRow } from '../src/store/store.js';
import { EventGenerator } from './gen.js';
import { fmt } from './stats.js';

export interface EntryBenchOptions {
  quick: boolean;
  log: (s: string) => void;
}

type StoredRow = Omit<EventRow, 'leafHash' | 'erased'> & { seed: Buffer; body: string };

/** Stored rows of `count` generated events (bench/gen.ts), as the writer lays them out. */
function generatedRows(count: number): StoredRow[] {
  const generator = new EventGenerator({ events: count, days: 1, seed: 7, start: Date.UTC(2026, 9, 1) });
  const rows: StoredRow[] = [];
  for (const chunk of generator.chunks()) {
    for (const line of chunk.split('\n')) {
      if (!line) continue;
      const validated = validateEvent(JSON.parse(line));
      if (!validated.ok) throw new Error(validated.message);
      const { body, columns } = encodeBody(validated.event, validated.ts);
      const seq = rows.length;
      rows.push({
        seq,
        ts: validated.ts,
        received: validated.ts + 250,
        source: 'cli',
        body,
        columns,
        seed: randomBytes(32),
      });
    }
  }
  return rows;
}

/** The leaf hash the straightforward way: copies, canonicalize, and node:crypto for every HMAC. */
function straightforwardLeaf(row: StoredRow): Buffer {
  const event = rowToEvent(row)!;
  const commit = (field: string, value: unknown) => {
    const salt = createHmac('sha256', row.seed).update(`stele/salt/v1\n${field}`).digest();
    return COMMITMENT_PREFIX + createHmac('sha256', salt).update(canonicalize(value)).digest('base64');
  };
  const entry = canonicalize(buildEntryCopied(event, DEFAULT_PERSONAL_FIELDS, commit));
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(entry)
    .digest();
}

function leaf(row: StoredRow): Buffer {
  return ledgerLeaf(rowToEvent(row)!, row.seed, DEFAULT_PERSONAL_FIELDS);
}

/** Median CPU microseconds per row of each of `runs`, in rounds that take them in turn. */
function cpuPerRow(rows: StoredRow[], rounds: number, runs: Array<(row: StoredRow) => unknown>): number[] {
  const times = runs.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    runs.forEach((run, k) => {
      const start = process.cpuUsage();
      for (const row of rows) run(row);
      const used = process.cpuUsage(start);
      if (round > 0) times[k]!.push((used.user + used.system) / rows.length);
    });
  }
  return times.map((t) => t.sort((a, b) => a - b)[t.length >> 1]!);
}

/** Median nanoseconds of `run` over `count` calls, in `rounds` rounds. */
function nsPerCall(count: number, rounds: number, run: () => unknown): number {
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) run();
    if (round > 0) times.push(Number(process.hrtime.bigint() - start) / count);
  }
  return times.sort((a, b) => a - b)[times.length >> 1]!;
}

export async function runEntryBench(options: EntryBenchOptions): Promise<string> {
  const count = options.quick ? 5_000 : 30_000;
  const rows = generatedRows(count);
  const personal = rows.reduce((n, row) => {
    const event = rowToEvent(row)!;
    let found = 0;
    buildEntryCopied(event, DEFAULT_PERSONAL_FIELDS, () => `${found++}`);
    return n + found;
  }, 0);
  for (const row of rows.slice(0, 200)) {
    if (!leaf(row).equals(straightforwardLeaf(row))) throw new Error(`entry ${row.seq}: the two ways differ`);
  }
  options.log(
    `entries: ${fmt(rows.length)} rows, ${(personal / rows.length).toFixed(1)} personal values each`,
  );
  const [fast, straightforward] = cpuPerRow(rows, options.quick ? 4 : 9, [leaf, straightforwardLeaf]);

  const key = new HmacSha256Key(randomBytes(32));
  const out = new Int32Array(8);
  const data = new Uint8Array(440);
  const calls = options.quick ? 20_000 : 100_000;
  // A MAC of 440 bytes compresses nine blocks, of 0 bytes two: the difference is seven blocks.
  const perBlock =
    (nsPerCall(calls / 5, 9, () => key.macInto(data, 440, out)) -
      nsPerCall(calls, 9, () => key.macInto(data, 0, out))) /
    7;
  const block = Buffer.alloc(64);
  const native = nsPerCall(calls, 9, () => digestOnce('sha256', block, 'buffer'));

  const bodyBytes = Math.round(rows.reduce((n, row) => n + Buffer.byteLength(row.body), 0) / rows.length);
  return [
    `${fmt(rows.length)} generated events (bench/gen.ts; stored bodies of ${bodyBytes} bytes on average, ${(personal / rows.length).toFixed(1)} personal values each under the default list), one thread, CPU time per entry (median of rounds taken in turn):`,
    '',
    '| measurement | result |',
    '|---|---|',
    `| Ledger entry and leaf hash from a stored row (rowToEvent, ledgerLeaf): what the hasher does on ingest and \`stele verify\` for every entry | **${fast!.toFixed(1)} µs** per entry |`,
    `| Baseline: the same leaf the straightforward way (copies of the objects on the paths, canonicalize, node:crypto for each HMAC) | ${straightforward!.toFixed(1)} µs per entry (${(straightforward! / fast!).toFixed(2)}x the time) |`,
    `| One SHA-256 compression (64-byte block) in JavaScript (sha256.ts, inside HMAC-SHA256) | **${fmt(perBlock)} ns** |`,
    `| Baseline: one node:crypto \`hash\` of 64 bytes | ${fmt(native)} ns (${(native / perBlock).toFixed(1)}x one compression) |`,
  ].join('\n');
}
