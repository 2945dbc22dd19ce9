// The CPU budget of one event: each step that ingest and verification cannot skip, measured alone
// on the rows Stele really stores, and what their sum allows on this machine's cores. Measured on
// two sources side by side: the small events of bench/events.ts that the ingest benchmarks send,
// and the first lines of the file `npm run gen -- --events 10000000 --days 30` writes
// (bench/gen.ts, seed 1: the events the search bench loads and the bulk ingest target is about),
// which are larger and carry more personal values.
//
// The ingest, ledger and search benchmarks measure whole paths; when one misses its target, this
// says whether the steps themselves leave room for it. Every step here is required by an issue
// (the indexes that serve the query targets, the trigram full-text index, the ledger entry with
// its personal-data commitments, validation), and each is timed in isolation, without the
// hand-offs between threads, so the sums are lower bounds on what the full paths can cost.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { StoredEvent } from '../src/core/event.js';
import { validateEvent } from '../src/core/validate.js';
import { DEFAULT_PERSONAL_FIELDS, seededCommitter } from '../src/ledger/commitment.js';
import { ledgerLeaf } from '../src/ledger/entry.js';
import { getPath } from '../src/ledger/field-path.js';
import { checkRange } from '../src/ledger/verify-recompute.js';
import { configureConnection, INDEX_TEXT_SQL } from '../src/store/sqlite/sqlite-writer.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { rowToEvent } from '../src/store/store.js';
import { benchEvent } from './events.js';
import { EventGenerator, parseGenArgs } from './gen.js';
import { tmpDir } from './harness.js';
import { inProcessAppend } from './ingest.bench.js';
import { fmt } from './stats.js';

/** Rows per transaction: a request of 1,000 events written alone, as inProcessAppend admits them. */
const TX_ROWS = 1000;
/** The most the writer puts in one transaction (limits.max_batch_events), cheapest per row. */
const MOST_TX_ROWS = 10_000;

/** CPU time (user + system) of this thread's process per item, in µs, of the fastest of `runs`. */
function cpuPerItem(items: number, runs: number, work: () => void): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const before = process.cpuUsage();
    work();
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / items);
  }
  return best;
}

interface Schema {
  table: string;
  indexes: string[];
  fullText: string;
  columns: string[];
  rows: unknown[][];
}

function readSchema(dataDir: string): Schema {
  const db = new Database(path.join(dataDir, 'stele.db'), { readonly: true });
  try {
    const sqlOf = (name: string) =>
      db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').pluck().get(name) as string;
    const indexes = db
      .prepare(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'events' AND type = 'index' AND sql IS NOT NULL",
      )
      .pluck()
      .all() as string[];
    const select = db.prepare('SELECT * FROM events ORDER BY seq');
    return {
      table: sqlOf('events'),
      indexes,
      fullText: sqlOf('events_fts'),
      columns: select.columns().map((c) => c.name),
      rows: select.raw().all() as unknown[][],
    };
  } finally {
    db.close();
  }
}

/**
 * CPU per row of inserting the stored rows again into a fresh database with the same connection
 * settings as the writer, in transactions of TX_ROWS: the table alone, with its secondary indexes,
 * and with the full-text index filled by the writer's own statement; that last one also in
 * transactions of MOST_TX_ROWS.
 */
function insertCost(
  schema: Schema,
  runs: number,
): { table: number; indexed: number; full: number; fullLarge: number } {
  const dir = tmpDir('budget-insert');
  const variant = (indexes: boolean, fullText: boolean, txRows = TX_ROWS): number =>
    cpuPerItem(schema.rows.length, runs, () => {
      const file = path.join(dir, `v${Math.random().toString(36).slice(2)}.db`);
      const db = new Database(file);
      configureConnection(db);
      db.exec(schema.table);
      if (indexes) for (const sql of schema.indexes) db.exec(sql);
      if (fullText) db.exec(schema.fullText);
      const insert = db.prepare(
        `INSERT INTO events (${schema.columns.join(', ')}) VALUES (${schema.columns.map(() => '?').join(', ')})`,
      );
      const index = fullText ? db.prepare(INDEX_TEXT_SQL) : undefined;
      const tx = db.transaction((from: number, to: number) => {
        for (let i = from; i < to; i++) insert.run(schema.rows[i]!);
        index?.run(from, to - 1);
      });
      for (let from = 0; from < schema.rows.length; from += txRows)
        tx(from, Math.min(schema.rows.length, from + txRows));
      db.close();
      fs.rmSync(file, { force: true });
      fs.rmSync(`${file}-wal`, { force: true });
      fs.rmSync(`${file}-shm`, { force: true });
    });
  try {
    return {
      table: variant(false, false),
      indexed: variant(true, false),
      full: variant(true, true),
      fullLarge: variant(true, true, MOST_TX_ROWS),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU per line of JSON.parse and validation of NDJSON lines. */
function validationCost(lines: readonly string[], runs: number): number {
  return cpuPerItem(lines.length, runs, () => {
    for (const line of lines) {
      if (!validateEvent(JSON.parse(line)).ok) throw new Error('an event did not validate');
    }
  });
}

/** A stored event as the hasher gets it: the event and its commitment seed. */
interface SeededEvent {
  event: StoredEvent;
  seed: Buffer;
}

async function storedEvents(store: SqliteStore, n: number): Promise<SeededEvent[]> {
  const rows = await store.scanEvents(0, n);
  return rows.map((row) => ({ event: rowToEvent(row)!, seed: Buffer.from(row.seed!) }));
}

/** CPU per event of building its ledger entry and leaf hash from the event (the hasher's work on ingest). */
function entryCost(events: readonly SeededEvent[], runs: number): number {
  return cpuPerItem(events.length, runs, () => {
    for (const { event, seed } of events) ledgerLeaf(event, seed, DEFAULT_PERSONAL_FIELDS);
  });
}

/**
 * CPU per event of its personal-data commitments alone (an HMAC for each field's salt from the
 * event's seed, and one for the value): the cryptographic part of the entry, which any
 * implementation of the ledger format must compute. Also the count of values committed.
 */
function commitmentCost(events: readonly SeededEvent[], runs: number): { cpu: number; values: number } {
  const jobs = events.map(({ event, seed }) => ({
    seed,
    values: DEFAULT_PERSONAL_FIELDS.map((field) => [field, getPath(event, field)] as const).filter(
      ([, value]) => value !== undefined,
    ),
  }));
  const cpu = cpuPerItem(jobs.length, runs, () => {
    for (const { seed, values } of jobs) {
      const commit = seededCommitter(seed);
      for (const [field, value] of values) commit(field, value);
    }
  });
  return { cpu, values: jobs.reduce((sum, j) => sum + j.values.length, 0) / jobs.length };
}

/** CPU per entry of reading every stored row and recomputing its leaf hash (stele verify's work). */
async function recomputeCost(store: SqliteStore, n: number, runs: number): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const before = process.cpuUsage();
    const checked = await checkRange(store, DEFAULT_PERSONAL_FIELDS, 0, n);
    const used = process.cpuUsage(before);
    if (checked.some((c) => c.recomputed.kind !== 'leaf' || !c.recomputed.leaf.equals(c.leafHash)))
      throw new Error('a recomputed leaf differs from the stored one');
    best = Math.min(best, (used.user + used.system) / checked.length);
  }
  return best;
}

/** Events to measure: their NDJSON lines, and the same events as inProcessAppend admits them. */
interface EventSource {
  label: string;
  lines: string[];
  eventAt: (i: number) => Record<string, unknown>;
}

function benchSource(n: number): EventSource {
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify(benchEvent(i)));
  return { label: 'bench/events.ts', lines, eventAt: benchEvent };
}

/** The first `n` lines of the file `npm run gen -- --events 10000000 --days 30` writes. */
function generatedSource(n: number): EventSource {
  const lines: string[] = [];
  const gen = new EventGenerator(parseGenArgs(['--events', '10000000', '--days', '30']));
  for (const chunk of gen.chunks()) {
    for (const line of chunk.split('\n')) if (line && lines.length < n) lines.push(line);
    if (lines.length === n) break;
  }
  const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { label: "bench/gen.ts (the search bench's 10M file)", lines, eventAt: (i) => events[i]! };
}

/** What the steps cost on the events of one source, in µs of CPU an event. */
interface Figures {
  lineBytes: number;
  bodyBytes: number;
  indexes: number;
  insert: ReturnType<typeof insertCost>;
  validate: number;
  entry: number;
  commitments: ReturnType<typeof commitmentCost>;
  recompute: number;
  /** The writer's SQL in the cheaper of the two transaction sizes: the most favourable case. */
  writer: number;
  /** Validation + the entry + the writer's SQL. */
  ingest: number;
}

/** Admits the source's events into a fresh data dir and measures each step on them. */
async function measureSource(source: EventSource, runs: number, log: (s: string) => void): Promise<Figures> {
  const n = source.lines.length;
  const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  log(`budget: ${source.label}: admitting ${fmt(n)} events...`);
  const { dataDir } = await inProcessAppend(n, { eventAt: source.eventAt });
  const store = new SqliteStore(dataDir, { readonly: true });
  try {
    const schema = readSchema(dataDir);
    const body = schema.columns.indexOf('body');
    log(`budget: ${source.label}: inserts...`);
    const insert = insertCost(schema, runs);
    log(`budget: ${source.label}: validation and ledger entries...`);
    const validate = validationCost(source.lines, runs);
    const events = await storedEvents(store, n);
    const entry = entryCost(events, runs);
    const writer = Math.min(insert.full, insert.fullLarge);
    return {
      lineBytes: mean(source.lines.map((line) => Buffer.byteLength(line))),
      bodyBytes: mean(
        schema.rows.map((row) => Buffer.byteLength((row[body] as string | Buffer | null) ?? '')),
      ),
      indexes: schema.indexes.length,
      insert,
      validate,
      entry,
      commitments: commitmentCost(events, runs),
      recompute: await recomputeCost(store, n, runs),
      writer,
      ingest: validate + entry + writer,
    };
  } finally {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** HTTP ingest's and bulk ingest's target, events/s. */
const INGEST_TARGET = 50_000;

const us = (v: number) => `${v.toFixed(1)} µs`;
const perSecond = (v: number) => fmt(1e6 / v);

/** The bounds the figures of one source set on this machine's cores, as markdown bullets. */
function bounds(f: Figures, cores: number): string[] {
  return [
    `- **One SQLite writer** (SQLite has one at a time) can insert at most **${perSecond(f.writer)} events/s** with the`,
    `  required indexes, if it has a core to itself and all the rest runs perfectly in parallel beside it.`,
    `  The table alone, already more columns than the raw baseline's three, takes`,
    `  ${perSecond(f.insert.table)} rows/s: in-process append can reach at most **${((f.insert.table / f.writer) * 100).toFixed(0)} %** of raw insert (target ≥ 50 %).`,
    `- **Ingest** needs at least ${us(f.ingest)} of CPU an event (validation + the entry + the writer's SQL): on`,
    `  ${cores} cores, perfectly parallel and with nothing else running, at most **${fmt((cores * 1e6) / f.ingest)} events/s** (HTTP ingest and bulk ingest target ≥ ${fmt(INGEST_TARGET)}).`,
    `- **Verification** recomputes every entry: at most **${fmt((cores * 1e6) / f.recompute)} entries/s** on ${cores} cores,`,
    `  perfectly parallel (target ≥ 300,000).`,
  ];
}

/** Whether bulk ingest of the generated file can reach its target, from the two bounds above. */
function bulkVerdict(f: Figures, cores: number): string {
  const onCores = (cores * 1e6) / f.ingest;
  const oneWriter = 1e6 / f.writer;
  const short = [
    onCores < INGEST_TARGET
      ? `the steps' CPU on its ${cores} cores allows at most ${fmt(onCores)} events/s`
      : undefined,
    oneWriter < INGEST_TARGET ? `one SQLite writer at most ${fmt(oneWriter)} events/s` : undefined,
  ].filter((s) => s !== undefined);
  return short.length > 0
    ? `- **Bulk \`stele ingest\` of the 10M file cannot reach ${fmt(INGEST_TARGET)} events/s on this machine**: ${short.join(', and ')}, even perfectly parallel with nothing else running.`
    : `- **Bulk \`stele ingest\` of the 10M file at ${fmt(INGEST_TARGET)} events/s is not ruled out by these steps**: the cores allow at most ${fmt(onCores)} events/s and one SQLite writer at most ${fmt(oneWriter)} events/s, but both assume perfect parallelism; only a measured bulk ingest says whether it gets there.`;
}

export async function runBudgetBench(options: { quick: boolean; log: (s: string) => void }): Promise<string> {
  const n = options.quick ? 20_000 : 100_000;
  const runs = options.quick ? 2 : 3;
  const cores = os.availableParallelism();
  const sources = [benchSource(n), generatedSource(n)];
  const figures: Figures[] = [];
  for (const source of sources) figures.push(await measureSource(source, runs, options.log));
  const [bench, generated] = figures as [Figures, Figures];
  const lists = [bounds(bench, cores), [...bounds(generated, cores), bulkVerdict(generated, cores)]];
  const cost = (v: (f: Figures) => number, part?: (f: Figures) => string) => (f: Figures) =>
    `${us(v(f))}${part ? ` (${part(f)})` : ''}, at most ${perSecond(v(f))} /s a core`;
  const rows: Array<[string, (f: Figures) => string]> = [
    [
      "size of an event: NDJSON line, stored body (the JSON without the columns' fields)",
      (f) => `${fmt(f.lineBytes)} B, ${fmt(f.bodyBytes)} B`,
    ],
    ["insert the stored row, table alone (the raw baseline's work)", cost((f) => f.insert.table)],
    [
      `insert with the ${bench.indexes} secondary indexes`,
      cost(
        (f) => f.insert.indexed,
        (f) => `indexes ${us(f.insert.indexed - f.insert.table)}`,
      ),
    ],
    [
      "insert with the indexes and the trigram full-text index: the writer's SQL",
      cost(
        (f) => f.insert.full,
        (f) => `full text ${us(f.insert.full - f.insert.indexed)}`,
      ),
    ],
    [
      `the same in transactions of ${fmt(MOST_TX_ROWS)} rows (the most the writer groups)`,
      cost((f) => f.insert.fullLarge),
    ],
    ['JSON.parse and validation of an NDJSON line', cost((f) => f.validate)],
    ["build the ledger entry of an event and its leaf hash (the hasher's work)", cost((f) => f.entry)],
    [
      'of which the personal-data commitments alone (two HMAC-SHA256 a value)',
      cost(
        (f) => f.commitments.cpu,
        (f) => `${f.commitments.values.toFixed(1)} values an event`,
      ),
    ],
    [
      "read a stored row, rebuild its event and ledger entry, hash it (stele verify's work per entry)",
      cost((f) => f.recompute),
    ],
  ];
  return [
    `${fmt(n)} events of each source admitted into a fresh data dir (bench/events.ts; the first ${fmt(n)} lines of`,
    '`npm run gen -- --events 10000000 --days 30`), then each step alone on those rows, CPU time (user + system)',
    `of one thread, fastest of ${runs} runs; inserts in transactions of ${fmt(TX_ROWS)} rows unless said. ${cores} cores.`,
    'The bounds take the cheaper transaction size and assume perfect parallelism with nothing else running: no real run reaches them.',
    '',
    `| step | ${sources.map((s) => s.label).join(' | ')} |`,
    `|---|${sources.map(() => '---|').join('')}`,
    ...rows.map(([step, cell]) => `| ${step} | ${figures.map(cell).join(' | ')} |`),
    '',
    ...sources.flatMap((source, i) => [`**${source.label}**`, '', ...lists[i]!, '']),
  ]
    .join('\n')
    .trimEnd();
}
