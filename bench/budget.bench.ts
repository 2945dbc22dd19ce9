// The CPU budget of one event: each step that ingest and verification cannot skip, measured alone
// on the rows Stele really stores, and what their sum allows on this machine's cores.
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

/** CPU per line of JSON.parse and validation of the bench events as NDJSON lines. */
function validationCost(n: number, runs: number): number {
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify(benchEvent(i)));
  return cpuPerItem(n, runs, () => {
    for (const line of lines) {
      if (!validateEvent(JSON.parse(line)).ok) throw new Error('a bench event did not validate');
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

export async function runBudgetBench(options: { quick: boolean; log: (s: string) => void }): Promise<string> {
  const n = options.quick ? 20_000 : 100_000;
  const runs = options.quick ? 2 : 3;
  const cores = os.availableParallelism();
  options.log(`budget: admitting ${fmt(n)} events...`);
  const { dataDir } = await inProcessAppend(n);
  const store = new SqliteStore(dataDir, { readonly: true });
  try {
    const schema = readSchema(dataDir);
    options.log('budget: inserts...');
    const insert = insertCost(schema, runs);
    options.log('budget: validation and ledger entries...');
    const validate = validationCost(n, runs);
    const events = await storedEvents(store, n);
    const entry = entryCost(events, runs);
    const commitments = commitmentCost(events, runs);
    const recompute = await recomputeCost(store, n, runs);
    // The bounds below take the cheaper of the two transaction sizes: the most favourable case.
    const writer = Math.min(insert.full, insert.fullLarge);
    const ingest = validate + entry + writer;
    const us = (v: number) => `${v.toFixed(1)} µs`;
    const perSecond = (v: number) => fmt(1e6 / v);
    return [
      `${fmt(n)} events of bench/events.ts admitted into a fresh data dir, then each step alone on`,
      `those rows, CPU time (user + system) of one thread, fastest of ${runs} runs; inserts in`,
      `transactions of ${fmt(TX_ROWS)} rows unless said. ${cores} cores. The bounds take the cheaper`,
      'transaction size and assume perfect parallelism with nothing else running: no real run reaches them.',
      '',
      '| step | CPU per event | at most, per core |',
      '|---|---|---|',
      `| insert the stored row, table alone (the raw baseline's work) | ${us(insert.table)} | ${perSecond(insert.table)} /s |`,
      `| insert with the ${schema.indexes.length} secondary indexes | ${us(insert.indexed)} (indexes ${us(insert.indexed - insert.table)}) | ${perSecond(insert.indexed)} /s |`,
      `| insert with the indexes and the trigram full-text index: the writer's SQL | ${us(insert.full)} (full text ${us(insert.full - insert.indexed)}) | ${perSecond(insert.full)} /s |`,
      `| the same in transactions of ${fmt(MOST_TX_ROWS)} rows (the most the writer groups) | ${us(insert.fullLarge)} | ${perSecond(insert.fullLarge)} /s |`,
      `| JSON.parse and validation of an NDJSON line | ${us(validate)} | ${perSecond(validate)} /s |`,
      `| build the ledger entry of an event and its leaf hash (the hasher's work) | ${us(entry)} | ${perSecond(entry)} /s |`,
      `| of which the personal-data commitments alone (${commitments.values.toFixed(1)} values an event, two HMAC-SHA256 each) | ${us(commitments.cpu)} | ${perSecond(commitments.cpu)} /s |`,
      `| read a stored row, rebuild its event and ledger entry, hash it (stele verify's work per entry) | ${us(recompute)} | ${perSecond(recompute)} /s |`,
      '',
      `- **One SQLite writer** (SQLite has one at a time) can insert at most **${perSecond(writer)} events/s** with the`,
      `  required indexes. The table alone, already more columns than the raw baseline's three, takes`,
      `  ${perSecond(insert.table)} rows/s: in-process append can reach at most **${((insert.table / writer) * 100).toFixed(0)} %** of raw insert (target ≥ 50 %).`,
      `- **Ingest** needs at least ${us(ingest)} of CPU an event (validation + the entry + the writer's SQL): on`,
      `  ${cores} cores, perfectly parallel and with nothing else running, at most **${fmt((cores * 1e6) / ingest)} events/s** (HTTP ingest and bulk ingest target ≥ 50,000).`,
      `- **Verification** recomputes every entry: at most **${fmt((cores * 1e6) / recompute)} entries/s** on ${cores} cores`,
      `  (target ≥ 300,000).`,
    ].join('\n');
  } finally {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
