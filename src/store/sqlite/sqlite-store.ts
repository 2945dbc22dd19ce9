// The embedded store: one SQLite database file in WAL mode, written by one process at a time.
// Commits are fsync'd (synchronous=FULL) before append() resolves: an acknowledged event is on disk.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../../core/errors.js';
import type {
  AggregateGroup,
  AggregateRequest,
  ApiKeyRecord,
  AppendBatch,
  CheckpointRecord,
  ErasureUpdate,
  EventContent,
  EventRow,
  ExpiredRange,
  HistogramBucket,
  HistogramRequest,
  LedgerState,
  ProducerState,
  SearchRequest,
  RetentionStore,
  SqlFilter,
  Store,
} from '../store.js';
import type { Predicate } from '../../query/plan.js';
import {
  aggregateSql,
  bucketCountSql,
  COUNT_HOUR_MS,
  COUNT_TABLES,
  countedAggregate,
  countedExtent,
  countedHistogram,
  countExtremeSql,
  countsByHourSql,
  countsAggregateSql,
  countsBucketByBucket,
  extentSql,
  histogramPart,
  histogramSql,
  mergeHourCounts,
  overLiveEvents,
  totalsOfGroups,
  totalsSql,
  type CountedPlan,
  type CountedTime,
} from '../aggregate-sql.js';
import { registerIpFunction, registerSqliteFunctions } from './sqlite-functions.js';
import { COMPACT_IP_MIGRATION, SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import { MAX_PAGE_VALUES, NODE_LEVELS_MIGRATION } from '../store.js';
import type { ColumnValues } from '../row-codec.js';
import type {
  AlertDelivery,
  AlertFilter,
  AlertRecord,
  AlertSuppression,
  DeliveryOutcome,
  DetectionCommit,
} from '../store.js';
import { SqliteCompiler, topLevelMatch } from './sqlite-compiler.js';
import { configureConnection, INDEX_TEXT_SQL, SqliteBatchWriter } from './sqlite-writer.js';
import { WalGuard } from './wal-guard.js';
import { SqliteDetectionWriter, type DetectionResult } from './sqlite-detections.js';
import { packBatch } from './sqlite-batch-transfer.js';
import { builtScript, createWorkerClient } from '../../core/worker-rpc.js';
import { toKey, toAlert, type RawKeyRow, type RawAlertRow } from '../rows.js';

export const SQLITE_FILE = 'stele.db';

/**
 * Parameters of one lookup statement (first-seen keys, producer seqs): the request thread asks for
 * hundreds or thousands at a time, and a call into SQLite per key cost several times the lookup.
 */
const LOOKUP_CHUNK = 100;

export interface SqliteStoreOptions {
  /** Open without write access (verification, offline reads). */
  readonly?: boolean;
  /** Write batches from a worker thread with its own connection, so fsync never blocks the caller. */
  writerThread?: boolean;
  /** The writer thread writes batches queued together in one transaction up to this many events. */
  maxTransactionEvents?: number | undefined;
}

interface Writer {
  append(batch: AppendBatch): Promise<void>;
  recordDetections(commit: DetectionCommit): Promise<DetectionResult>;
  close(): Promise<void>;
}

function createWriter(
  db: Database.Database,
  file: string,
  thread: boolean,
  maxTransactionEvents: number,
): Writer {
  const script = thread ? builtScript(import.meta.url, 'sqlite-writer-worker.js') : undefined;
  if (!script) {
    const batches = new SqliteBatchWriter(db);
    const wal = new WalGuard(db);
    let detections: SqliteDetectionWriter | undefined;
    return {
      append: async (batch) => {
        batches.append(batch);
        wal.afterCommit();
      },
      recordDetections: async (commit) => {
        const result = (detections ??= new SqliteDetectionWriter(db)).record(commit);
        wal.afterCommit();
        return result;
      },
      close: async () => {},
    };
  }
  // A writer that stopped on an error is started again for the next write: the admitter and live
  // detection start over from what is durable, so one failed write does not stop ingest for good.
  const client = createWorkerClient(script, { file, maxTransactionEvents }, { restart: true });
  const call = async <T>(message: object): Promise<T> => {
    try {
      return await client.call<T>(message);
    } catch (err) {
      throw new StoreError((err as Error).message, { cause: err });
    }
  };
  return {
    async append(batch) {
      await call({ batch: packBatch(batch) });
    },
    async recordDetections(commit) {
      const { result } = await call<{ result: DetectionResult }>({ detections: commit });
      return result;
    },
    async close() {
      await client.call({ close: true }).catch(() => undefined);
      await client.close();
    },
  };
}

// Order of the column-stored fields follows row-codec.ts COLUMN_FIELDS.
const EVENT_COLUMNS =
  'seq, ts, received, source, leaf, seed, body, erased, action, outcome, dataset, user_name, host_name, session_id';

/** What an export reads: no ledger material. Raw rows, in this order. */
const CONTENT_COLUMNS =
  'seq, ts, received, source, body, action, outcome, dataset, user_name, host_name, session_id';
type RawContentRow = [number, number, number, string, string | null, ...ColumnValues];

/** readNodes: ids at most this far apart share one range query. */
const RUN_GAP = 16;
/** Walking the time index and testing one row, against reading one index entry of a block (walkBlock). */
const ENTRY_TO_ROW_COST = 10;
/** The number of seqs assigned: the size of the ledger. */
const EVENTS_SIZE_SQL = 'SELECT COALESCE(MAX(seq) + 1, 0) FROM events';
/** Fewest newest full-text candidates newestPage reads for a first page. */
const NEWEST_SAMPLE = 512;
/**
 * A term in more than this share of the newest events is read by a walk in time order, which meets
 * a page of 100 within about 500 rows, fewer than newestPage reads from candidates.
 */
const DENSE_SHARE = 0.2;
/**
 * Most time-index entries newestPage walks to prove a page: about 5 ms at 10M events, counting and
 * listing (a term in 0.09 % of events, 8,600 candidates, needed 110,000).
 */
const NEWEST_WALK = 200_000;

export class SqliteStore implements Store, RetentionStore {
  readonly dialect = 'sqlite';
  readonly file: string;
  private readonly db: Database.Database;
  private readonly putMeta: Database.Statement;
  private readonly findProducers: Database.Statement;
  /** The full-text index exists (a data dir created before it, opened read-only, has none). */
  private readonly fullText: boolean = false;
  /** The hourly count tables that exist (the same holds for them). */
  private readonly countTables = new Set<string>();
  /** source_ip holds the compact form (sqlite-ip.ts); false only read-only before migration 0204. */
  private readonly compactIps: boolean = true;
  /** Statements the compiler's full-text plan choice runs (sqlite-compiler.ts fullTextCandidates). */
  private fullTextReads:
    | {
        size: Database.Statement;
        newest: Database.Statement;
        candidates: Database.Statement;
        newer: Database.Statement;
        late: Database.Statement;
      }
    | undefined;
  /** Fixed statements of the page plans, prepared on first use (prepared()). */
  private readonly statements = new Map<string, Database.Statement>();
  private expiredKnown = false;
  private retentionTable: boolean | undefined;
  private readonly writer: Writer | undefined;
  private scan: Database.Statement | undefined;
  private seenIn: Database.Statement | undefined;
  /** Prepared once: every inclusion proof runs them. */
  private nodeReads: { leaves: Database.Statement; nodes: Database.Statement } | undefined;

  constructor(dataDir: string, options: SqliteStoreOptions = {}) {
    this.file = path.join(dataDir, SQLITE_FILE);
    try {
      if (!options.readonly) fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      this.db = new Database(this.file, {
        readonly: options.readonly ?? false,
        fileMustExist: options.readonly ?? false,
      });
      configureConnection(this.db);
      registerSqliteFunctions(this.db);
      if (!options.readonly) this.migrateSync();
      this.compactIps = this.hasMigration(COMPACT_IP_MIGRATION);
      if (!this.compactIps) registerIpFunction(this.db, false);
      const hasTable = (name: string) =>
        this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !==
        undefined;
      this.fullText = hasTable('events_fts');
      for (const t of COUNT_TABLES) if (hasTable(t.table)) this.countTables.add(t.table);
    } catch (err) {
      throw translate(err, `cannot open the data directory ${dataDir}`);
    }
    this.putMeta = this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    const pairs = Array<string>(LOOKUP_CHUNK / 2).fill('(?, ?)');
    this.findProducers = this.db
      .prepare(
        `SELECT producer_id, producer_seq, seq FROM events WHERE producer_id IS NOT NULL
         AND (producer_id, producer_seq) IN (VALUES ${pairs.join(', ')})`,
      )
      .raw(true);
    this.writer = options.readonly
      ? undefined
      : createWriter(
          this.db,
          this.file,
          options.writerThread ?? false,
          options.maxTransactionEvents ?? 10_000,
        );
  }

  // Every multi-statement transaction here reads before it writes, so it starts as BEGIN IMMEDIATE:
  // upgrading a read transaction to a write one after the writer thread committed would fail at
  // once with SQLITE_BUSY (WAL mode does not wait in that case), while IMMEDIATE waits its turn.
  private migrateSync(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied INTEGER NOT NULL)');
    const applied = new Set(
      (this.db.prepare('SELECT name FROM migrations').all() as Array<{ name: string }>).map((r) => r.name),
    );
    const record = this.db.prepare('INSERT INTO migrations (name, applied) VALUES (?, ?)');
    for (const m of SQLITE_MIGRATIONS) {
      if (applied.has(m.name)) continue;
      this.db
        .transaction(() => {
          this.db.exec(m.sql);
          record.run(m.name, Date.now());
        })
        .immediate();
    }
  }

  private hasMigration(name: string): boolean {
    try {
      return this.db.prepare('SELECT 1 FROM migrations WHERE name = ?').get(name) !== undefined;
    } catch {
      return false; // no migrations table: a read-only file that no Stele ever migrated
    }
  }

  async migrate(): Promise<void> {
    this.migrateSync();
  }

  async close(): Promise<void> {
    await this.writer?.close();
    if (this.db.open) {
      if (!this.db.readonly) this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
  }

  async loadLedgerState(): Promise<LedgerState> {
    const size = (this.db.prepare('SELECT COALESCE(MAX(seq) + 1, 0) AS n FROM events').get() as { n: number })
      .n;
    const frontier = this.db.prepare("SELECT value FROM meta WHERE key = 'frontier'").get() as
      { value: string } | undefined;
    const producers = this.db
      .prepare('SELECT id, last_seq AS lastSeq, gaps, events FROM producers')
      .all() as ProducerState[];
    return { size, frontier: frontier?.value ?? null, producers };
  }

  async findProducerDuplicates(keys: Array<{ id: string; seq: number }>): Promise<Map<string, number>> {
    // LOOKUP_CHUNK keys a statement, as seenKeys; a pair of NULLs pads the last chunk.
    const found = new Map<string, number>();
    for (let i = 0; i < keys.length; i += LOOKUP_CHUNK / 2) {
      const params: Array<string | number | null> = [];
      for (const key of keys.slice(i, i + LOOKUP_CHUNK / 2)) params.push(key.id, key.seq);
      while (params.length < LOOKUP_CHUNK) params.push(null);
      for (const [id, seq, stored] of this.findProducers.all(params) as Array<[string, number, number]>) {
        found.set(`${id}\u0000${seq}`, stored);
      }
    }
    return found;
  }

  async append(batch: AppendBatch): Promise<void> {
    if (!this.writer) throw new StoreError('the store is open read-only');
    await this.writer.append(batch);
  }

  async getEvent(seq: number): Promise<EventRow | undefined> {
    const row = this.db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq = ?`).raw().get(seq) as
      RawEventTuple | undefined;
    return row && tupleToEventRow(row);
  }

  async scanEvents(fromSeq: number, limit: number): Promise<EventRow[]> {
    // Event rows are read as arrays (raw mode) everywhere: better-sqlite3 builds an array about
    // twice as fast as an object with fourteen properties, and verification and detection read
    // every event through here.
    this.scan ??= this.db
      .prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq >= ? ORDER BY seq LIMIT ?`)
      .raw(true);
    return (this.scan.all(fromSeq, limit) as RawEventTuple[]).map(tupleToEventRow);
  }

  compileFilter(predicate: Predicate): SqlFilter | undefined {
    const match = this.fullText ? topLevelMatch(predicate) : undefined;
    const exact =
      match === undefined
        ? undefined
        : new SqliteCompiler({ compactIps: this.compactIps }).compile(predicate);
    if (match === undefined || !exact) return this.compiler().compile(predicate);
    // A term among the top-level ANDs: a first page usually comes from its newest candidates
    // (newestPage), which needs no plan. The plan choice counts up to 100,000 candidates at 10M
    // events (20-40 ms), so it runs only when something reads the planned condition.
    let planned: SqlFilter | undefined;
    const plan = (): SqlFilter => (planned ??= this.compiler().compile(predicate)!);
    return {
      get sql() {
        return plan().sql;
      },
      get params() {
        return plan().params;
      },
      get orderedSql() {
        return plan().orderedSql;
      },
      get byValue() {
        return plan().byValue;
      },
      newest: { match, exact },
    };
  }

  /** Statements of the full-text plans (compiler(), newestPage), prepared once. */
  private fullTextPlans(): NonNullable<SqliteStore['fullTextReads']> {
    this.fullTextReads ??= {
      size: this.prepared(EVENTS_SIZE_SQL).pluck(),
      newest: this.db
        .prepare('SELECT rowid FROM events_fts WHERE events_fts MATCH ? ORDER BY rowid DESC LIMIT ?')
        .pluck(),
      candidates: this.db
        .prepare('SELECT COUNT(*) FROM (SELECT rowid FROM events_fts WHERE events_fts MATCH ? LIMIT ?)')
        .pluck(),
      newer: this.db.prepare('SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE ts >= ? LIMIT ?)').pluck(),
      // `+seq`: the time index is walked, never the table by rowid.
      late: this.db.prepare('SELECT seq FROM events INDEXED BY events_ts WHERE ts >= ? AND +seq < ?').pluck(),
    };
    return this.fullTextReads;
  }

  private compiler(): SqliteCompiler {
    const compactIps = this.compactIps;
    if (!this.fullText) return new SqliteCompiler({ compactIps });
    const { size, candidates } = this.fullTextPlans();
    // One compile may ask twice for the same term (the whole condition, then the rest of a CIDR
    // block's, SqlFilter.byValue): a count reads up to 100,000 candidates.
    const counted = new Map<string, number>();
    return new SqliteCompiler({
      compactIps,
      fullText: true,
      events: size.get() as number,
      candidates: (match, most) => {
        const key = `${most}\u0000${match}`;
        let n = counted.get(key);
        if (n === undefined) counted.set(key, (n = candidates.get(match, most + 1) as number));
        return n;
      },
    });
  }

  async aggregate(
    request: AggregateRequest,
  ): Promise<{ groups: AggregateGroup[]; total: number; failures: number }> {
    const counted = this.counted(countedAggregate(request));
    if (counted) {
      // One read transaction: the counts and the times looked up after them see the same events.
      return this.run(() => this.db.transaction(() => this.aggregateCounted(request, counted))());
    }
    const q = aggregateSql(this.compiler(), request);
    const rows = this.run(() => this.db.prepare(this.live(q.sql)).all(...q.params)) as Array<
      Record<string, unknown>
    >;
    const groups = rows.map((row) => {
      const group: AggregateGroup = {
        keys: request.by.map((_, i) => keyText(row[`k${i}`])),
        count: Number(row.n),
        failures: Number(row.failures),
        first: Number(row.first_ts),
        last: Number(row.last_ts),
      };
      if (request.distinct !== undefined) group.distinct = Number(row.distinct_n);
      return group;
    });
    const totals = totalsOfGroups(q, rows) ?? this.totals(request);
    return { groups, total: totals.n, failures: totals.failures };
  }

  /**
   * An aggregation summed from hourly counts (aggregate-sql.ts countsAggregateSql). A group's first
   * and last times are exact: from the partial hours at the ends when it has events there, else
   * looked up inside its first or last whole hour.
   */
  private aggregateCounted(
    request: AggregateRequest,
    { plan, span }: CountedPlan,
  ): { groups: AggregateGroup[]; total: number; failures: number } {
    const c = this.compiler();
    const q = countsAggregateSql(c, request, plan, span);
    const rows = this.db.prepare(this.live(q.sql)).all(...q.params) as Array<Record<string, unknown>>;
    const groups = rows.map((row): AggregateGroup => {
      const keys = request.by.map((_, i) => keyText(row[`k${i}`]));
      const time = (t: CountedTime, kind: 'MIN' | 'MAX'): number => {
        if (typeof t === 'number') return t;
        const from = t.hour * COUNT_HOUR_MS;
        const e = countExtremeSql(c, request, kind, from, from + COUNT_HOUR_MS, keys);
        return (this.db.prepare(this.live(e.sql)).get(...e.params) as { t: number }).t;
      };
      const { first, last } = countedExtent(row, span);
      return {
        keys,
        count: Number(row.n),
        failures: Number(row.failures),
        first: time(first, 'MIN'),
        last: time(last, 'MAX'),
      };
    });
    const totals = totalsOfGroups(q, rows)!;
    return { groups, total: totals.n, failures: totals.failures };
  }

  /** A counted plan, if its count table is in this database (an older one opened read-only may lack it). */
  private counted(counted: CountedPlan | undefined): CountedPlan | undefined {
    return counted && this.countTables.has(counted.plan.counts.table) ? counted : undefined;
  }

  private totals(request: AggregateRequest): { n: number; failures: number } {
    const t = totalsSql(this.compiler(), request.predicate, request.from, request.to);
    return this.run(() => this.db.prepare(this.live(t.sql)).get(...t.params)) as {
      n: number;
      failures: number;
    };
  }

  async histogram(request: HistogramRequest): Promise<HistogramBucket[]> {
    const counted = this.counted(countedHistogram(request));
    if (counted) {
      const { plan, span } = counted;
      const q = countsByHourSql(this.compiler(), plan, span);
      // One read transaction: the hours and the edges see the same events.
      return this.run(() =>
        this.db.transaction(() => {
          const hours = this.db.prepare(q.sql).all(...q.params) as Array<{
            hour: number;
            n: number;
            failures: number;
          }>;
          const edges = span.edges.flatMap(([from, to]) =>
            this.histogramByBucket(histogramPart(request, from, to)),
          );
          return mergeHourCounts(request, hours, edges);
        })(),
      );
    }
    if (countsBucketByBucket(request.predicate)) return this.histogramByBucket(request);
    const q = histogramSql(this.compiler(), request);
    const rows = this.run(() => this.db.prepare(this.live(q.sql)).all(...q.params)) as Array<{
      bucket: number;
      n: number;
      failures?: number;
    }>;
    return rows.map((r) => {
      const b: HistogramBucket = { start: request.start + r.bucket * request.interval, count: r.n };
      if (request.failures) b.failures = r.failures ?? 0;
      return b;
    });
  }

  /** The same buckets, each counted over its own range of the time index (empty ones left out). */
  private histogramByBucket(request: HistogramRequest): HistogramBucket[] {
    const counter = (failed: boolean) => {
      const q = bucketCountSql(this.compiler(), request, failed);
      const statement = this.run(() => this.db.prepare(this.live(q.sql)).pluck());
      const params = q.params;
      return (from: number, to: number): number => {
        params[params.length - 2] = from;
        params[params.length - 1] = to;
        return this.run(() => statement.get(...params)) as number;
      };
    };
    const count = counter(false);
    const failures = request.failures ? counter(true) : undefined;
    const buckets: HistogramBucket[] = [];
    for (let start = request.start; start < request.to; start += request.interval) {
      const from = Math.max(start, request.from);
      const to = Math.min(start + request.interval, request.to);
      const n = count(from, to);
      if (n === 0) continue;
      buckets.push(failures ? { start, count: n, failures: failures(from, to) } : { start, count: n });
    }
    return buckets;
  }

  async timeExtent(
    predicate: Predicate,
    from?: number,
    to?: number,
  ): Promise<{ min: number; max: number } | undefined> {
    const q = extentSql(this.compiler(), predicate, from, to);
    const row = this.run(() => this.db.prepare(this.live(q.sql)).get(...q.params)) as {
      min_ts: number | null;
      max_ts: number | null;
    };
    return row.min_ts === null || row.max_ts === null ? undefined : { min: row.min_ts, max: row.max_ts };
  }

  async search(request: SearchRequest): Promise<EventRow[]> {
    return this.searchRows<RawEventTuple>(request, EVENT_COLUMNS).map(tupleToEventRow);
  }

  async searchContent(request: SearchRequest): Promise<EventContent[]> {
    const rows = this.searchRows<RawContentRow>(request, CONTENT_COLUMNS);
    const out: EventContent[] = [];
    for (const r of rows) {
      if (r[4] === null) continue;
      out.push({
        seq: r[0],
        ts: r[1],
        received: r[2],
        source: r[3],
        body: r[4],
        columns: r.slice(5) as ColumnValues,
      });
    }
    return out;
  }

  /**
   * Each end is the page's last key, found by an OFFSET: SQLite steps over the page's other keys
   * without making values of them (handing every key to JavaScript cost about 1.1 µs an event of
   * an export). When fewer than a page are left, the last of them closes the final page.
   */
  async pageEnds(request: SearchRequest, pages: number): Promise<Array<{ ts: number; seq: number }>> {
    const filter = request.where?.orderedSql
      ? { ...request.where, sql: request.where.orderedSql }
      : request.where;
    const order = request.order === 'asc' ? 'ts ASC, seq ASC' : 'ts DESC, seq DESC';
    const statements = new Map<string, Database.Statement>();
    const keys = (after: SearchRequest['after'], tail: string, extra: unknown[]) => {
      const params: unknown[] = [];
      const sql = `SELECT ts, seq FROM events ${this.pageWhere({ ...request, after }, filter, params)} ORDER BY ${order} ${tail}`;
      let statement = statements.get(sql);
      if (!statement) statements.set(sql, (statement = this.db.prepare(sql).raw()));
      return statement.all(...params, ...extra) as Array<[number, number]>;
    };
    return this.run(() => {
      const ends: Array<{ ts: number; seq: number }> = [];
      let after = request.after;
      while (ends.length < pages) {
        const [end] = keys(after, 'LIMIT 1 OFFSET ?', [request.limit - 1]);
        const last = end ?? keys(after, 'LIMIT ?', [request.limit]).at(-1);
        if (!last) break;
        after = { ts: last[0], seq: last[1] };
        ends.push(after);
        if (!end) break;
      }
      return ends;
    });
  }

  private searchRows<T>(request: SearchRequest, columns: string): T[] {
    const read = (): T[] => {
      const seqs = this.newestPage(request);
      const { sql, params } = seqs
        ? {
            sql: `SELECT ${qualify(columns)} FROM events AS e WHERE e.seq IN (SELECT value FROM json_each(?)) ORDER BY e.ts DESC, e.seq DESC`,
            params: [JSON.stringify(seqs)],
          }
        : this.searchSql(request, columns);
      return this.db
        .prepare(sql)
        .raw()
        .all(...params) as T[];
    };
    // A plan that reads before the page (a block's values, a term's newest candidates) reads in
    // one transaction, so both see the same events.
    const where = request.where;
    return this.run(where?.newest || where?.byValue ? this.db.transaction(read) : read);
  }

  /**
   * A first page of a full-text term from its newest candidates (SqlFilter.newest): the seqs of
   * the page, or undefined when they do not prove it. FTS5 reads a term's newest candidates
   * cheaply (its doclists backwards), and events mostly arrive in time order, so a common term's
   * page is usually among them. It is exactly the page when no other event that could match is at
   * least as new as its last event: the candidates not read are all older in seq, so the events
   * from that time on with a smaller seq are listed from the time index (a bounded walk) and
   * tested too. At 10M events the plans of fullTextCandidates read ~5,000-9,000 rows (20-35 ms)
   * for a term in 1-2 % of events; this reads about 512.
   */
  private newestPage(request: SearchRequest): number[] | undefined {
    const newest = request.where?.newest;
    if (!newest || request.after || request.through || request.order === 'asc') return undefined;
    const reads = this.fullTextPlans();
    const want = Math.max(NEWEST_SAMPLE, 4 * request.limit);
    const candidates = reads.newest.all(newest.match, want) as number[];
    if (candidates.length === want && request.to === undefined) {
      const events = reads.size.get() as number;
      if (want / Math.max(1, events - candidates.at(-1)!) > DENSE_SHARE) {
        // A walk in time order meets a page sooner: the exact condition, as the planner reads it.
        // Not with an end time: the walk would start where the term's density was not measured.
        return this.pageAmong(request, newest.exact).map((r) => r[0]);
      }
    }
    const page = this.pageAmong(request, newest.exact, candidates);
    if (candidates.length < want) return page.map((r) => r[0]); // every candidate was read
    const last = page[request.limit - 1];
    if (!last) return undefined;
    if ((reads.newer.get(last[1], NEWEST_WALK + 1) as number) > NEWEST_WALK) return undefined;
    const late = reads.late.all(last[1], candidates.at(-1)!) as number[];
    const extra = late.length > 0 ? this.pageAmong(request, newest.exact, late) : [];
    return [...page, ...extra]
      .sort((a, b) => b[1] - a[1] || b[0] - a[0])
      .slice(0, request.limit)
      .map((r) => r[0]);
  }

  /** The first page's [seq, ts], among the given seqs or of all events. */
  private pageAmong(request: SearchRequest, exact: SqlFilter, seqs?: number[]): Array<[number, number]> {
    const params: unknown[] = [];
    const filter = seqs
      ? {
          sql: `seq IN (SELECT value FROM json_each(?)) AND (${exact.sql})`,
          params: [JSON.stringify(seqs), ...exact.params],
        }
      : exact;
    const where = this.pageWhere(request, filter, params);
    params.push(request.limit);
    return this.db
      .prepare(`SELECT seq, ts FROM events ${where} ORDER BY ts DESC, seq DESC LIMIT ?`)
      .raw()
      .all(...params) as Array<[number, number]>;
  }

  /**
   * One page in time order. The page's seqs are found first (an index-only scan when the filter
   * reads only indexed columns) and only those rows are read: sorting every match with its body
   * made a common filter on a range index (a busy /24) cost seconds.
   */
  private searchSql(request: SearchRequest, columns: string): { sql: string; params: unknown[] } {
    const asc = request.order === 'asc';
    const order = asc ? 'ts ASC, seq ASC' : 'ts DESC, seq DESC';
    const byValue = request.where?.byValue;
    const values = byValue && this.valuesIn(byValue.column, byValue.low, byValue.high, MAX_PAGE_VALUES);
    let page: string;
    const params: unknown[] = [];
    if (byValue && values && values.length > 0) {
      // A busy block on an IP index (a /24 with 12 % of all events, say) held hundreds of thousands
      // of entries to sort for a first page. A few distinct addresses each give an index-ordered
      // page of their own (source_ip, ts) entries: at most `limit` entries read per address.
      const { column, rest } = byValue;
      const parts = values.map((value) => {
        const filter: SqlFilter = rest
          ? { sql: `${column} = ? AND (${rest.sql})`, params: [value, ...rest.params] }
          : { sql: `${column} = ?`, params: [value] };
        const where = this.pageWhere(request, filter, params);
        params.push(request.limit);
        return `SELECT * FROM (SELECT seq, ts FROM events ${where} ORDER BY ${order} LIMIT ?)`;
      });
      page = `${parts.join(' UNION ALL ')} ORDER BY ${order} LIMIT ?`;
    } else {
      let filter = request.where?.orderedSql
        ? { ...request.where, sql: request.where.orderedSql }
        : request.where;
      if (byValue && this.walkBlock(byValue, request.limit)) {
        // More addresses than that, and most events in the block: walking the time index and
        // testing each row finds a page sooner than sorting the block's entries.
        const { column, low, high, rest } = byValue;
        const block = `+${column} BETWEEN ? AND ?`;
        filter = rest
          ? { sql: `${block} AND (${rest.orderedSql ?? rest.sql})`, params: [low, high, ...rest.params] }
          : { sql: block, params: [low, high] };
      }
      page = `SELECT seq, ts FROM events ${this.pageWhere(request, filter, params)} ORDER BY ${order} LIMIT ?`;
    }
    params.push(request.limit);
    // CROSS JOIN keeps the page as the outer loop, whose order satisfies the ORDER BY: no sort.
    const qualified = qualify(columns);
    const pageOrder = asc ? 'p.ts ASC, p.seq ASC' : 'p.ts DESC, p.seq DESC';
    return {
      sql: `SELECT ${qualified} FROM (${page}) AS p CROSS JOIN events AS e ON e.seq = p.seq ORDER BY ${pageOrder}`,
      params,
    };
  }

  /** The WHERE of a page's scan: filter, time range, snapshot and cursor; its parameters go to `out`. */
  private pageWhere(request: SearchRequest, filter: SqlFilter | undefined, out: unknown[]): string {
    const { clauses, params } = whereClauses(filter, request.from, request.to, this.hasExpired());
    if (request.maxSeq !== undefined) {
      clauses.push('seq <= ?');
      params.push(request.maxSeq);
    }
    if (request.after) {
      // The leading `ts <=` (or `>=`) lets the ts index seek to the position; an OR alone would make
      // every page scan from the newest event (quadratic exports and deep cursors).
      clauses.push(
        request.order === 'asc' ? 'ts >= ? AND (ts > ? OR seq > ?)' : 'ts <= ? AND (ts < ? OR seq < ?)',
      );
      params.push(request.after.ts, request.after.ts, request.after.seq);
    }
    if (request.through) {
      clauses.push(
        request.order === 'asc' ? 'ts <= ? AND (ts < ? OR seq <= ?)' : 'ts >= ? AND (ts > ? OR seq >= ?)',
      );
      params.push(request.through.ts, request.through.ts, request.through.seq);
    }
    out.push(...params);
    return clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
  }

  /** A statement of fixed text, prepared once per connection. */
  private prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  /**
   * Whether a page of a block with many values is found sooner by walking the time index than by
   * sorting the block's index entries. A block of m of N events costs about m entry reads sorted
   * (~0.1 us each at 10M events), or about limit * N / m rows walked (~1 us each); they cross near
   * m = sqrt(10 * limit * N). m is counted only up to there, so the count costs no more than the
   * plan it picks (about 100,000 entries, 8 ms at 10M events). Same reasoning as the full-text
   * plans (sqlite-compiler.ts).
   */
  private walkBlock(byValue: NonNullable<SqlFilter['byValue']>, limit: number): boolean {
    const { column, low, high } = byValue;
    // `column` is a name from the compiler's COLUMNS table, never text from a query.
    const count = this.prepared(
      `SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE ${column} BETWEEN ? AND ? LIMIT ?)`,
    ).pluck();
    const events = this.prepared(EVENTS_SIZE_SQL).pluck().get() as number;
    const most = Math.ceil(Math.sqrt(ENTRY_TO_ROW_COST * limit * events));
    return (count.get(low, high, most + 1) as number) > most;
  }

  /**
   * The distinct values of an indexed column in [low, high], one index seek each; undefined when
   * there are more than `most`.
   */
  private valuesIn(column: string, low: unknown, high: unknown, most: number): unknown[] | undefined {
    // `column` is a name from the compiler's COLUMNS table, never text from a query.
    const min = `SELECT MIN(${column}) FROM events WHERE ${column}`;
    const first = this.prepared(`${min} >= ? AND ${column} <= ?`).pluck();
    const next = this.prepared(`${min} > ? AND ${column} <= ?`).pluck();
    const values: unknown[] = [];
    for (let v = first.get(low, high); v !== null && v !== undefined; v = next.get(v, high)) {
      if (values.length === most) return undefined;
      values.push(v);
    }
    return values;
  }

  async count(where: SqlFilter | undefined, from?: number, to?: number): Promise<number> {
    const { clauses, params } = whereClauses(where, from, to, this.hasExpired());
    const sql = `SELECT COUNT(*) AS n FROM events ${clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''}`;
    return (this.run(() => this.db.prepare(sql).get(...params)) as { n: number }).n;
  }

  async eraseDerived(
    values: readonly string[],
    replacement: string,
  ): Promise<{ seen: number; alerts: number }> {
    const targets = new Set(values);
    const scrub = (v: unknown): unknown =>
      typeof v === 'string' ? (targets.has(v) ? replacement : v) : Array.isArray(v) ? v.map(scrub) : v;
    const scrubGroup = (json: string | null): string | null => {
      if (json === null || json === '') return json;
      const group = JSON.parse(json) as Record<string, unknown>;
      for (const k of Object.keys(group)) group[k] = scrub(group[k]);
      return JSON.stringify(group);
    };
    // group_key is the canonical form of the group: [[field, value], ...] sorted by field.
    const scrubKey = (key: string | null): string | null =>
      key === null || key === ''
        ? key
        : JSON.stringify((JSON.parse(key) as Array<[string, unknown]>).map(([k, v]) => [k, scrub(v)]));
    let seen = 0;
    let alerts = 0;
    this.run(() =>
      this.db
        .transaction(() => {
          for (const value of targets) {
            // First-seen keys are NUL-separated parts (detect/derived.ts): delete those naming the value.
            const keys = this.db
              .prepare('SELECT key FROM detect_seen WHERE instr(key, ?) > 0')
              .all(value) as Array<{ key: string }>;
            for (const { key } of keys) {
              if (!key.split('\u0000').includes(value)) continue;
              seen += this.db.prepare('DELETE FROM detect_seen WHERE key = ?').run(key).changes;
            }
            const rows = this.db
              .prepare(
                'SELECT id, grp, group_key FROM alerts WHERE instr(grp, ?) > 0 OR instr(group_key, ?) > 0',
              )
              .all(value, value) as Array<{ id: number; grp: string | null; group_key: string }>;
            for (const row of rows) {
              this.db
                .prepare('UPDATE alerts SET grp = ?, group_key = ? WHERE id = ?')
                .run(scrubGroup(row.grp), scrubKey(row.group_key), row.id);
              alerts++;
            }
            const sup = this.db
              .prepare('SELECT rowid, group_key FROM alert_suppressions WHERE instr(group_key, ?) > 0')
              .all(value) as Array<{ rowid: number; group_key: string }>;
            for (const row of sup) {
              this.db
                .prepare('UPDATE alert_suppressions SET group_key = ? WHERE rowid = ?')
                .run(scrubKey(row.group_key), row.rowid);
            }
          }
        })
        .immediate(),
    );
    return { seen, alerts };
  }

  async eraseEvents(updates: ErasureUpdate[]): Promise<void> {
    const update = this.db.prepare(
      `UPDATE events SET body = ?, erased = ?, seed = NULL, source_ip = NULL, action = ?, outcome = ?, dataset = ?,
         user_name = ?, host_name = ?, session_id = ? WHERE seq = ?`,
    );
    const fullText = this.fullText;
    if (fullText) {
      // FTS5 secure-delete: a deleted row's terms leave the index now, not at the next merge.
      this.db.prepare("INSERT INTO events_fts (events_fts, rank) VALUES ('secure-delete', 1)").run();
    }
    const unindex = fullText ? this.db.prepare('DELETE FROM events_fts WHERE rowid = ?') : undefined;
    const reindex = fullText ? this.db.prepare(INDEX_TEXT_SQL) : undefined;
    this.run(() =>
      this.db
        .transaction(() => {
          for (const u of updates) {
            unindex?.run(u.seq);
            const [action, outcome, dataset, userName, hostName, sessionId] = u.columns;
            update.run(
              u.body,
              JSON.stringify(u.erased),
              action,
              outcome,
              dataset,
              userName,
              hostName,
              sessionId,
              u.seq,
            );
            reindex?.run(u.seq, u.seq);
          }
          // Rewrite the full-text segments so no token of an erased value stays on a page.
          if (this.fullText) this.db.exec("INSERT INTO events_fts (events_fts) VALUES ('optimize')");
        })
        .immediate(),
    );
    // Fold the WAL into the file and truncate it, so no old page version survives in either.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  readonly supportsRetention = true as const;

  async expireEvents(ranges: readonly ExpiredRange[]): Promise<number> {
    if (ranges.length === 0) return 0;
    const expire = this.db.prepare(
      `UPDATE events SET body = NULL, seed = NULL, erased = NULL, source_ip = NULL, action = NULL, outcome = NULL,
         dataset = NULL, user_name = NULL, host_name = NULL, session_id = NULL
       WHERE seq BETWEEN ? AND ? AND body IS NOT NULL`,
    );
    const record = this.db.prepare(
      'INSERT OR REPLACE INTO retention_expired (first, last, record, expired) VALUES (?, ?, ?, ?)',
    );
    const unindex = this.fullText
      ? this.db.prepare('DELETE FROM events_fts WHERE rowid BETWEEN ? AND ?')
      : undefined;
    let expired = 0;
    this.run(() =>
      this.db.transaction(() => {
        // FTS5 secure-delete: the removed rows' terms leave the index now, not at the next merge.
        if (unindex)
          this.db.prepare("INSERT INTO events_fts (events_fts, rank) VALUES ('secure-delete', 1)").run();
        for (const r of ranges) {
          unindex?.run(r.first, r.last);
          expired += expire.run(r.first, r.last).changes;
          record.run(r.first, r.last, r.record, r.expired);
        }
      })(),
    );
    this.expiredKnown = true;
    // secure_delete zeroes freed cells; folding the WAL leaves no old page version behind.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return expired;
  }

  async listExpiredRanges(): Promise<ExpiredRange[]> {
    if (!this.hasRetentionTable()) return [];
    return this.db
      .prepare('SELECT first, last, record, expired FROM retention_expired ORDER BY first')
      .all() as ExpiredRange[];
  }

  /** Whether some event has expired: only then do reads add `body IS NOT NULL` (it costs index-only scans). */
  private hasExpired(): boolean {
    if (this.expiredKnown) return true;
    if (!this.hasRetentionTable()) return false;
    // Another process (stele retention run) may expire events while this one serves: asked each time
    // until the first range appears, then remembered.
    this.expiredKnown = this.db.prepare('SELECT 1 FROM retention_expired LIMIT 1').get() !== undefined;
    return this.expiredKnown;
  }

  private hasRetentionTable(): boolean {
    this.retentionTable ??=
      this.db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'retention_expired'")
        .get() !== undefined;
    return this.retentionTable;
  }

  /** An aggregation statement over the events that have not expired. */
  private live(sql: string): string {
    return this.hasExpired() ? overLiveEvents(sql) : sql;
  }

  async readNodes(ids: ReadonlyArray<{ level: number; index: number }>): Promise<Array<Buffer | undefined>> {
    // A proof reads whole tiles (up to 16 neighbours per level, around the node on its path): one
    // range query per run of nearby indexes (gaps of up to RUN_GAP - 1 rows are read and dropped).
    this.nodeReads ??= {
      leaves: this.db.prepare('SELECT seq AS i, leaf AS h FROM events WHERE seq BETWEEN ? AND ?'),
      nodes: this.db.prepare(
        'SELECT idx AS i, hash AS h FROM ledger_nodes WHERE level = ? AND idx BETWEEN ? AND ?',
      ),
    };
    const { leaves, nodes } = this.nodeReads;
    const out = new Array<Buffer | undefined>(ids.length);
    const byLevel = new Map<number, Array<{ index: number; at: number }>>();
    ids.forEach((id, at) => {
      const list = byLevel.get(id.level) ?? [];
      list.push({ index: id.index, at });
      byLevel.set(id.level, list);
    });
    for (const [level, wanted] of byLevel) {
      wanted.sort((a, b) => a.index - b.index);
      for (let start = 0; start < wanted.length;) {
        let end = start;
        while (end + 1 < wanted.length && wanted[end + 1]!.index <= wanted[end]!.index + RUN_GAP) end++;
        const lo = wanted[start]!.index;
        const hi = wanted[end]!.index;
        const rows = (level === 0 ? leaves.all(lo, hi) : nodes.all(level, lo, hi)) as Array<{
          i: number;
          h: Buffer;
        }>;
        const found = new Map(rows.map((r) => [r.i, r.h]));
        for (let k = start; k <= end; k++) out[wanted[k]!.at] = found.get(wanted[k]!.index);
        start = end + 1;
      }
    }
    return out;
  }

  async storedLevelStride(): Promise<number> {
    const applied = this.db.prepare('SELECT 1 FROM migrations WHERE name = ?').get(NODE_LEVELS_MIGRATION);
    return applied ? 4 : 8;
  }

  async latestCheckpoint(): Promise<CheckpointRecord | undefined> {
    const row = this.db
      .prepare('SELECT size, root AS rootHash, note, created FROM checkpoints ORDER BY size DESC LIMIT 1')
      .get() as CheckpointRecord | undefined;
    return row;
  }

  async listCheckpoints(): Promise<CheckpointRecord[]> {
    return this.db
      .prepare('SELECT size, root AS rootHash, note, created FROM checkpoints ORDER BY size')
      .all() as CheckpointRecord[];
  }

  async getMeta(key: string): Promise<string | undefined> {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.putMeta.run(key, value);
  }

  async putApiKey(key: ApiKeyRecord): Promise<void> {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO api_keys (id, name, scopes, hash, created, revoked) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(key.id, key.name, key.scopes.join(','), key.hash, key.created, key.revoked);
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as RawKeyRow | undefined;
    return row && toKey(row);
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return (this.db.prepare('SELECT * FROM api_keys ORDER BY created').all() as RawKeyRow[]).map(toKey);
  }

  readonly supportsAlerts = true as const;

  async recordDetections(commit: DetectionCommit): Promise<DetectionResult> {
    if (!this.writer) throw new StoreError('the data directory is open read-only');
    try {
      return await this.writer.recordDetections(commit);
    } catch (err) {
      throw translate(err, 'cannot record detections');
    }
  }

  async seenKeys(keys: readonly string[]): Promise<Set<string>> {
    // LOOKUP_CHUNK keys a statement: live detection asks for a few thousand per batch, and one call
    // into SQLite per key cost more than the lookups. The last chunk is padded with NULL, which
    // matches no key.
    this.seenIn ??= this.db
      .prepare(`SELECT key FROM detect_seen WHERE key IN (${Array(LOOKUP_CHUNK).fill('?').join(', ')})`)
      .pluck();
    const seen = new Set<string>();
    for (let i = 0; i < keys.length; i += LOOKUP_CHUNK) {
      const chunk: Array<string | null> = keys.slice(i, i + LOOKUP_CHUNK);
      while (chunk.length < LOOKUP_CHUNK) chunk.push(null);
      for (const key of this.seenIn.all(chunk) as string[]) seen.add(key);
    }
    return seen;
  }

  async listAlerts(filter: AlertFilter): Promise<AlertRecord[]> {
    const clauses: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      clauses.push(sql);
      params.push(value);
    };
    if (filter.status !== undefined) add('status = ?', filter.status);
    if (filter.rule !== undefined) {
      clauses.push('(rule_key = ? OR title = ?)');
      params.push(filter.rule, filter.rule);
    }
    if (filter.level !== undefined) add('level = ?', filter.level);
    if (filter.since !== undefined) add('updated >= ?', filter.since);
    if (filter.beforeId !== undefined) add('id < ?', filter.beforeId);
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    const rows = this.run(() =>
      this.db.prepare(`SELECT * FROM alerts ${where} ORDER BY id DESC LIMIT ?`).all(...params, filter.limit),
    ) as RawAlertRow[];
    return rows.map(toAlert);
  }

  async getAlert(id: number): Promise<(AlertRecord & { seqs: number[] }) | undefined> {
    const row = this.db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as RawAlertRow | undefined;
    if (!row) return undefined;
    const seqs = this.db
      .prepare('SELECT seq FROM alert_events WHERE alert_id = ? ORDER BY seq LIMIT 10000')
      .all(id) as Array<{ seq: number }>;
    return { ...toAlert(row), seqs: seqs.map((r) => r.seq) };
  }

  async updateAlertStatus(
    id: number,
    status: AlertRecord['status'],
    now: number,
  ): Promise<AlertRecord | undefined> {
    this.db.prepare('UPDATE alerts SET status = ?, updated = ? WHERE id = ?').run(status, now, id);
    const row = this.db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as RawAlertRow | undefined;
    return row && toAlert(row);
  }

  async putSuppression(s: AlertSuppression): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO alert_suppressions (rule_key, group_key, until, reason, created) VALUES (?, ?, ?, ?, ?)',
      )
      .run(s.ruleKey, s.groupKey, s.until, s.reason, s.created);
  }

  async listSuppressions(now: number): Promise<AlertSuppression[]> {
    return this.db
      .prepare(
        'SELECT rule_key AS ruleKey, group_key AS groupKey, until, reason, created FROM alert_suppressions WHERE until > ? ORDER BY created',
      )
      .all(now) as AlertSuppression[];
  }

  async dueDeliveries(now: number, limit: number): Promise<AlertDelivery[]> {
    return this.db
      .prepare(
        `SELECT id, alert_id AS alertId, sink, attempts, next_attempt AS nextAttempt FROM alert_outbox
         WHERE delivered IS NULL AND next_attempt <= ? ORDER BY next_attempt, id LIMIT ?`,
      )
      .all(now, limit) as AlertDelivery[];
  }

  async recordDelivery(o: DeliveryOutcome): Promise<void> {
    this.run(() =>
      this.db
        .transaction(() => {
          if (o.delivered) {
            this.db
              .prepare('UPDATE alert_outbox SET delivered = ?, attempts = ?, last_error = NULL WHERE id = ?')
              .run(o.now, o.attempts, o.id);
          } else if (o.dead) {
            this.db
              .prepare(
                `INSERT OR REPLACE INTO alert_dead_letters (id, alert_id, sink, attempts, last_error, created)
               SELECT id, alert_id, sink, ?, ?, ? FROM alert_outbox WHERE id = ?`,
              )
              .run(o.attempts, o.error, o.now, o.id);
            this.db.prepare('DELETE FROM alert_outbox WHERE id = ?').run(o.id);
          } else {
            this.db
              .prepare('UPDATE alert_outbox SET attempts = ?, next_attempt = ?, last_error = ? WHERE id = ?')
              .run(o.attempts, o.nextAttempt, o.error, o.id);
          }
        })
        .immediate(),
    );
  }

  async listDeadLetters(): Promise<Array<AlertDelivery & { error: string | null; created: number }>> {
    return this.db
      .prepare(
        `SELECT id, alert_id AS alertId, sink, attempts, 0 AS nextAttempt, last_error AS error, created
         FROM alert_dead_letters ORDER BY id`,
      )
      .all() as Array<AlertDelivery & { error: string | null; created: number }>;
  }

  async sizeBytes(): Promise<number> {
    let total = 0;
    for (const suffix of ['', '-wal', '-shm']) {
      try {
        total += fs.statSync(this.file + suffix).size;
      } catch {
        // the WAL and shared-memory files exist only while the database is open for writing
      }
    }
    return total;
  }

  /** Folds the WAL into the main file (used before measuring size or copying the file). */
  checkpointWal(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Direct access for maintenance commands and tests that tamper with the data on purpose. */
  get raw(): Database.Database {
    return this.db;
  }

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw translate(err, 'query failed');
    }
  }
}

/** An event row as better-sqlite3 returns it in raw mode, in EVENT_COLUMNS order. */
type RawEventTuple = [
  number,
  number,
  number,
  string,
  Buffer,
  Buffer | null,
  string | null,
  string | null,
  ...ColumnValues,
];

function tupleToEventRow(row: RawEventTuple): EventRow {
  const [seq, ts, received, source, leaf, seed, body, erased, ...columns] = row;
  return {
    seq,
    ts,
    received,
    source,
    body,
    columns,
    leafHash: leaf,
    seed,
    erased: erased === null ? null : (JSON.parse(erased) as EventRow['erased']),
  };
}

function keyText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : String(v);
}

/** `seq, ts` as `e.seq, e.ts`. */
function qualify(columns: string): string {
  return columns
    .split(', ')
    .map((c) => `e.${c}`)
    .join(', ');
}

function whereClauses(where: SqlFilter | undefined, from?: number, to?: number, liveOnly = false) {
  const clauses: string[] = liveOnly ? ['body IS NOT NULL'] : [];
  const params: unknown[] = [];
  if (where) {
    clauses.push(`(${where.sql})`);
    params.push(...where.params);
  }
  if (from !== undefined) {
    clauses.push('ts >= ?');
    params.push(from);
  }
  if (to !== undefined) {
    clauses.push('ts < ?');
    params.push(to);
  }
  return { clauses, params };
}

function translate(err: unknown, context: string): StoreError {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StoreError(`${context}: ${message}`, { cause: err });
}
