// The PostgreSQL store: one schema in a shared database, reached through a pg.Pool. Events are
// partitioned by month (postgres-partitions.ts); batches are written with UNNEST of column arrays
// in one transaction that also checks the ledger continues where the database says it ends.

import pg from 'pg';
import { ConfigError, SteleError } from '../../core/errors.js';
import type { Predicate } from '../../query/plan.js';
import {
  aggregateSql,
  COUNT_HOUR_MS,
  COUNT_TABLES,
  countedAggregate,
  countedExtent,
  countedHistogram,
  countUpToSql,
  countExtremeSql,
  countRowsSql,
  countsAggregateSql,
  countsByHourSql,
  extentSql,
  hasText,
  histogramPart,
  histogramSql,
  hoursWithEdges,
  mergeHourCounts,
  overLiveEvents,
  restOfHour,
  totalsOfGroups,
  totalsSql,
  type CountedPlan,
  type CountedTime,
} from '../aggregate-sql.js';
import type {
  AlertDelivery,
  AlertFilter,
  AlertRecord,
  AlertStore,
  AlertSuppression,
  DeliveryOutcome,
  DetectionCommit,
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
  RetentionStore,
  SearchRequest,
  SqlFilter,
  Store,
} from '../store.js';
import type { ColumnValues } from '../row-codec.js';
import { PostgresAlerts } from './postgres-alerts.js';
import { PostgresCompiler } from './postgres-compiler.js';
import { translatePgError } from './postgres-errors.js';
import { fullTextOf } from './postgres-fulltext.js';
import { PgParams } from './postgres-params.js';
import { FULL_TEXT_INDEX, fullTextIndexSql, POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { checkpointMismatch, MAX_PAGE_VALUES, NODE_LEVELS_MIGRATION, seqMismatch } from '../store.js';
import { PartitionManager, partitionOf } from './postgres-partitions.js';
import { toKey, type RawKeyRow } from '../rows.js';

export interface PostgresStoreOptions {
  /** postgres://user@host:port/db, optionally with ?schema=NAME. */
  url: string;
  /** Schema holding Stele's tables (overrides ?schema=); default `public`. */
  schema?: string | undefined;
  /** Connections in the pool. */
  poolSize?: number;
  /** Longest a statement may run before it is cancelled (and reported unavailable). */
  statementTimeoutMs?: number;
  /** Longest to wait for a connection. */
  connectTimeoutMs?: number;
  /** Creates partitions ahead on a timer (the process writing the ledger). */
  writer?: boolean;
  /** Only reads: the schema must exist already (nothing is created or upgraded). */
  readonly?: boolean;
  applicationName?: string;
}

export interface PgConnection {
  connectionString: string;
  schema: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Splits `?schema=` off the URL; an explicit schema wins. */
export function parsePgUrl(url: string, schema?: string): PgConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`db: '${url}' is not a postgres:// URL`);
  }
  const fromUrl = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  const name = schema ?? fromUrl ?? 'public';
  if (!SCHEMA_NAME.test(name)) {
    throw new ConfigError(`db_schema: '${name}' must be a lower-case SQL identifier ([a-z_][a-z0-9_]*)`);
  }
  return { connectionString: parsed.toString(), schema: name };
}

// bigint and numeric arrive as numbers (seqs and epoch ms stay far below 2^53).
const TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 || oid === 1700
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Pool settings shared by the store and the cluster's lease connection. */
export function pgClientConfig(conn: PgConnection, options: Partial<PostgresStoreOptions>): pg.ClientConfig {
  return {
    connectionString: conn.connectionString,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
    statement_timeout: options.statementTimeoutMs ?? 15_000,
    query_timeout: (options.statementTimeoutMs ?? 15_000) + 2000,
    idle_in_transaction_session_timeout: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 5000,
    application_name: options.applicationName ?? 'stele',
    // JIT off: a page of a text search planned at a high cost (its per-row subplans) spent 438 ms
    // compiling for 15 ms of execution; Stele's statements are short or bounded by indexes.
    options: `-c search_path=${conn.schema},public -c jit=off`,
    types: TYPES,
  };
}

const EVENT_COLUMNS =
  'seq, ts, received, source, leaf, seed, body, erased, action, outcome, dataset, user_name, host_name, session_id, raw_columns';

/** What an export reads: no ledger material. */
const CONTENT_COLUMNS =
  'seq, ts, received, source, body, action, outcome, dataset, user_name, host_name, session_id, raw_columns';

interface RawEventRow {
  seq: number;
  ts: number;
  received: number;
  source: string;
  leaf: Buffer;
  seed: Buffer | null;
  body: string | null;
  erased: string | null;
  action: string | null;
  outcome: string | null;
  dataset: string | null;
  user_name: string | null;
  host_name: string | null;
  session_id: string | null;
  raw_columns: string | null;
}

/** A transaction step run inside an append (the cluster's inbox bookkeeping). */
export type AppendHook = (client: pg.PoolClient) => Promise<void>;

export class PostgresStore implements Store, AlertStore, RetentionStore {
  readonly dialect = 'postgres';
  readonly supportsAlerts = true as const;
  readonly supportsRetention = true as const;
  readonly schema: string;
  readonly pool: pg.Pool;
  private readonly partitions: PartitionManager;
  private fullText = false;
  /** The last batch asked to be written (appendWith keeps this process's batches in order). */
  private appendTail: Promise<unknown> = Promise.resolve();
  /**
   * Filters compiled here with a text condition, and the same condition not served by the trigram
   * index, for pageRows' time windows.
   */
  private readonly textFilters = new WeakMap<SqlFilter, SqlFilter>();
  private readonly alerts = new PostgresAlerts(this);
  private aheadTimer: NodeJS.Timeout | undefined;
  /** Some event has expired (retention): reads then skip rows without a body. */
  private expiredKnown = false;

  private constructor(
    readonly connection: PgConnection,
    private readonly options: PostgresStoreOptions,
  ) {
    this.schema = connection.schema;
    this.pool = new pg.Pool({ ...pgClientConfig(connection, options), max: options.poolSize ?? 8 });
    // An idle connection that breaks (the server went away) must not crash the process.
    this.pool.on('error', () => undefined);
    // So does one that breaks while checked out between two queries; the next query reports it.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
    this.partitions = new PartitionManager(this.pool, this.schema);
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(parsePgUrl(options.url, options.schema), options);
    try {
      if (options.readonly) await store.checkExists();
      else await store.migrate();
      await store.partitions.load();
      if (options.writer) {
        await store.partitions.createAround(Date.now());
        store.aheadTimer = setInterval(() => {
          store.partitions.createAround(Date.now()).catch(() => undefined);
        }, 3_600_000);
        store.aheadTimer.unref();
      }
    } catch (err) {
      await store.pool.end().catch(() => undefined);
      throw translatePgError(err, `cannot open PostgreSQL schema ${store.schema}`);
    }
    return store;
  }

  async migrate(): Promise<void> {
    await this.transaction(async (c) => {
      // One migration run at a time per database: nodes start together, extensions are global.
      await c.query("SELECT pg_advisory_xact_lock(hashtext('stele migrations'))");
      await c.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await c.query('CREATE TABLE IF NOT EXISTS migrations (name text PRIMARY KEY, applied bigint NOT NULL)');
      const { rows } = await c.query<{ name: string }>('SELECT name FROM migrations');
      const applied = new Set(rows.map((r) => r.name));
      for (const m of POSTGRES_MIGRATIONS) {
        if (applied.has(m.name)) continue;
        await c.query(m.sql);
        await c.query('INSERT INTO migrations (name, applied) VALUES ($1, $2)', [m.name, Date.now()]);
      }
      this.fullText = await this.ensureFullText(c, applied.has(FULL_TEXT_INDEX));
    }, 'migration failed');
  }

  private async checkExists(): Promise<void> {
    const rows = await this.query<{ migrations: string | null; fulltext: string | null }>(
      'SELECT to_regclass($1)::text AS migrations, to_regclass($2)::text AS fulltext',
      [`"${this.schema}".migrations`, `"${this.schema}".events_fulltext`],
    );
    if (!rows[0]?.migrations) {
      throw new SteleError(
        'not_found',
        `no Stele data in PostgreSQL schema ${this.schema} (run stele serve --db first)`,
      );
    }
    this.fullText = rows[0].fulltext !== null;
  }

  /** The trigram index needs pg_trgm; without it text search scans (still exact). */
  private async ensureFullText(c: pg.PoolClient, done: boolean): Promise<boolean> {
    if (done) return true;
    await c.query('SAVEPOINT trgm');
    try {
      await c.query('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public');
      const { rows } = await c.query<{ schema: string }>(
        "SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'",
      );
      await c.query(fullTextIndexSql(rows[0]!.schema));
      await c.query('INSERT INTO migrations (name, applied) VALUES ($1, $2)', [FULL_TEXT_INDEX, Date.now()]);
      await c.query('RELEASE SAVEPOINT trgm');
      return true;
    } catch {
      await c.query('ROLLBACK TO SAVEPOINT trgm');
      return false;
    }
  }

  /**
   * VACUUM (ANALYZE) of the events (every partition), after a bulk copy. Statistics: right after
   * `stele migrate` copied 10M events the planner had none, and `outcome:failure AND host:web-00`
   * combined two bitmaps of millions of rows (5-14 s) instead of walking the host index (6-25 ms
   * once analyzed). The visibility map: until a partition is vacuumed its index-only scans fetch
   * every heap row; at 10M freshly loaded events the search bench's full-text p95 was 881 ms and
   * an exact count's 923 ms, 239 and 271 ms after a VACUUM of 27 s.
   */
  /**
   * VACUUM (ANALYZE) of the events, without the statement timeout: at 10M events beside other
   * work it ran past the 15 s every other statement gets, and `stele migrate` failed after copying
   * everything. VACUUM cannot run in a transaction, so the setting is the session's, reset after;
   * the client's own read timeout (the statement timeout plus 2 s) is lifted for it too, to the
   * longest timer Node has (about 24 days).
   */
  async analyze(): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw translatePgError(err, 'cannot connect');
    }
    try {
      await client.query('SET statement_timeout = 0');
      // query_timeout per query is read by node-postgres though its types leave it out.
      const vacuum = { text: 'VACUUM (ANALYZE) events', query_timeout: 2 ** 31 - 1 };
      await client.query(vacuum as pg.QueryConfig);
      await client.query('RESET statement_timeout');
      client.release();
    } catch (err) {
      // A connection left in an unknown state is not given back to the pool.
      client.release(true);
      throw translatePgError(err, 'VACUUM (ANALYZE) failed');
    }
  }

  async close(): Promise<void> {
    if (this.aheadTimer) clearInterval(this.aheadTimer);
    await this.pool.end().catch(() => undefined);
  }

  async loadLedgerState(): Promise<LedgerState> {
    const state = await this.query<{ size: number; frontier: string | null }>(
      'SELECT size, frontier FROM ledger_state WHERE id = 1',
    );
    const producers = await this.query<ProducerState>(
      'SELECT id, last_seq AS "lastSeq", gaps, events FROM producers ORDER BY id',
    );
    return { size: state[0]?.size ?? 0, frontier: state[0]?.frontier ?? null, producers };
  }

  /** Entries in the ledger as committed (cheap: one row). */
  async ledgerSize(): Promise<number> {
    const rows = await this.query<{ size: number }>('SELECT size FROM ledger_state WHERE id = 1');
    return rows[0]?.size ?? 0;
  }

  async findProducerDuplicates(keys: Array<{ id: string; seq: number }>): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    if (keys.length === 0) return found;
    const rows = await this.query<{ id: string; pseq: number; seq: number }>(
      `SELECT p.producer_id AS id, p.producer_seq AS pseq, p.seq FROM producer_seqs p
         JOIN unnest($1::text[], $2::bigint[]) AS k(id, pseq) ON p.producer_id = k.id AND p.producer_seq = k.pseq`,
      [keys.map((k) => clean(k.id)), keys.map((k) => k.seq)],
    );
    for (const r of rows) found.set(`${r.id}\u0000${r.pseq}`, r.seq);
    return found;
  }

  async append(batch: AppendBatch): Promise<void> {
    await this.appendWith(batch);
  }

  /**
   * Writes a batch, and runs `hook` in the same transaction before it commits. Batches of this
   * process are written one after another, in the order asked: the admitter sends the next batch
   * before the last one committed, and on separate pool connections a later batch could claim the
   * ledger size first. `stele ingest --db` of 12,000 events into a new schema failed that way every
   * time (the first batch was still creating its partitions). Another node's batches are ordered
   * by the ledger_state row lock and the size check as before.
   */
  async appendWith(batch: AppendBatch, hook?: AppendHook): Promise<void> {
    const write = this.appendTail.then(() => this.appendNow(batch, hook));
    this.appendTail = write.catch(() => undefined);
    return write;
  }

  private async appendNow(batch: AppendBatch, hook?: AppendHook): Promise<void> {
    try {
      await this.partitions.ensure(batch.events.map((e) => e.ts));
    } catch (err) {
      throw translatePgError(err, 'cannot create the partition for these events');
    }
    // Two statements between BEGIN and COMMIT whatever the batch holds (there were six to eight):
    // every round trip waits for this node's event loop as well as for PostgreSQL, and the
    // sequencer's batches queue behind the ledger_state lock.
    await this.transaction(async (c) => {
      await claimLedgerSize(c, batch);
      const statement = batchStatement(batch);
      if (statement) await c.query(statement.sql, statement.params);
      if (hook) await hook(c);
    }, 'cannot write events');
  }

  async getEvent(seq: number): Promise<EventRow | undefined> {
    const rows = await this.query<RawEventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq = $1`, [seq]);
    return rows[0] && toEventRow(rows[0]);
  }

  async scanEvents(fromSeq: number, limit: number): Promise<EventRow[]> {
    const rows = await this.query<RawEventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE seq >= $1 ORDER BY seq LIMIT $2`,
      [fromSeq, limit],
    );
    return rows.map(toEventRow);
  }

  compileFilter(predicate: Predicate): SqlFilter | undefined {
    const filter = this.compiler().compile(predicate);
    if (filter && this.fullText && hasText(predicate)) {
      const walk = new PostgresCompiler({ fullText: true, walkText: true }).compile(predicate);
      if (walk) this.textFilters.set(filter, walk);
    }
    return filter;
  }

  private compiler(): PostgresCompiler {
    return new PostgresCompiler({ fullText: this.fullText });
  }

  async search(request: SearchRequest): Promise<EventRow[]> {
    return (await this.pageRows(request, EVENT_COLUMNS)).map(toEventRow);
  }

  /**
   * One page in time order. PostgreSQL reads a full-text condition's page from every match the
   * trigram index gives, sorted: a term in a fifth of 1.4M events hit the statement timeout, and
   * `systemctl` (2 %) took 2 s. So a page newest first of such a condition is first looked for in
   * the newest hour, then the newest 8 hours, walking the time index and testing the text without
   * the trigram index; then, with the index, from the start of the newest event's month partition,
   * which reads only that partition's matches (a term in 0.09 % of 10M events: 1,943 matches in
   * 68 ms, against all 8,589 in 335 ms); only then in all time. Rows found in a window that fill
   * the page are the page: every row left out is older than all of them.
   */
  private async pageRows(request: SearchRequest, columns: string): Promise<RawEventRow[]> {
    const live = await this.hasExpired();
    const read = async (r: SearchRequest) => {
      const { sql, params } = searchSql(r, columns, live);
      return this.query<RawEventRow>(sql, params);
    };
    const byValue = request.where?.byValue;
    if (byValue) {
      const { sql, params } = blockSearchSql(request, byValue, columns, live);
      return this.query<RawEventRow>(sql, params);
    }
    const walk = request.where && this.textFilters.get(request.where);
    if (request.order === 'asc' || !walk) return read(request);
    const newest =
      request.to ??
      (request.after
        ? request.after.ts + 1
        : (await this.query<{ ts: number | null }>('SELECT max(ts) AS ts FROM events'))[0]?.ts);
    if (newest === undefined || newest === null) return read(request);
    let from = newest;
    for (const hours of TEXT_WINDOWS_HOURS) {
      from = newest - hours * 3_600_000;
      if (request.from !== undefined && from <= request.from) return read(request);
      const rows = await read({ ...request, where: walk, from });
      if (rows.length >= request.limit) return rows;
    }
    const month = partitionOf(newest - 1)?.from;
    if (month !== undefined && month < from && (request.from === undefined || month > request.from)) {
      const rows = await read({ ...request, from: month });
      if (rows.length >= request.limit) return rows;
    }
    return read(request);
  }

  async searchContent(request: SearchRequest): Promise<EventContent[]> {
    const out: EventContent[] = [];
    for (const row of await this.pageRows(request, CONTENT_COLUMNS)) {
      if (row.body === null) continue;
      const { source, columns } = storedValues(row);
      out.push({ seq: row.seq, ts: row.ts, received: row.received, source, body: row.body, columns });
    }
    return out;
  }

  async pageEnds(request: SearchRequest, pages: number): Promise<Array<{ ts: number; seq: number }>> {
    const w = pageWhere(request, await this.hasExpired());
    const order = pageOrder(request, '');
    const most = w.param(request.limit * pages);
    const every = w.param(request.limit);
    // Numbered in the keys' own order (already sorted: no second sort), every `limit`-th kept,
    // and the last one.
    const rows = await this.query<{ ts: number; seq: number }>(
      `SELECT ts, seq FROM (
         SELECT ts, seq, row_number() OVER (ORDER BY ${order}) AS n, count(*) OVER () AS total
           FROM (SELECT ts, seq FROM events ${w.sql()} ORDER BY ${order} LIMIT ${most}) AS k
       ) AS numbered WHERE n % ${every} = 0 OR n = total ORDER BY n`,
      w.params,
    );
    return rows.map((r) => ({ ts: Number(r.ts), seq: Number(r.seq) }));
  }

  async count(where: SqlFilter | undefined, from?: number, to?: number): Promise<number> {
    const w = new Where(where, from, to, await this.hasExpired());
    const rows = await this.query<{ n: number }>(`SELECT COUNT(*) AS n FROM events ${w.sql()}`, w.params);
    return rows[0]?.n ?? 0;
  }

  async aggregate(
    request: AggregateRequest,
  ): Promise<{ groups: AggregateGroup[]; total: number; failures: number }> {
    const counted = countedAggregate(request);
    if (counted) return this.aggregateCounted(request, counted);
    const c = this.compiler();
    const statement = aggregateSql(c, request);
    const sql = bareKeyOrder(await this.live(statement.sql));
    type Raw = {
      n: number;
      failures: number;
      distinct_n?: number;
      first_ts: number;
      last_ts: number;
    } & Record<string, unknown>;
    const rows = await this.query<Raw>(sql, statement.params);
    const groups = rows.map((r): AggregateGroup => {
      const group: AggregateGroup = {
        keys: request.by.map((_, i) => (r[`k${i}`] === null ? null : String(r[`k${i}`]))),
        count: r.n,
        failures: r.failures,
        first: r.first_ts,
        last: r.last_ts,
      };
      if (request.distinct !== undefined) group.distinct = r.distinct_n ?? 0;
      return group;
    });
    const carried = totalsOfGroups(statement, rows);
    if (carried) return { groups, total: carried.n, failures: carried.failures };
    const totals = totalsSql(this.compiler(), request.predicate, request.from, request.to);
    const t = await this.query<{ n: number; failures: number }>(await this.live(totals.sql), totals.params);
    return { groups, total: t[0]?.n ?? 0, failures: t[0]?.failures ?? 0 };
  }

  /**
   * An aggregation summed from hourly counts (aggregate-sql.ts countsAggregateSql), with each
   * group's first and last time found as on SQLite; one REPEATABLE READ transaction, so the
   * lookups see the events the counts were summed from.
   */
  private async aggregateCounted(
    request: AggregateRequest,
    { plan, span }: CountedPlan,
  ): Promise<{ groups: AggregateGroup[]; total: number; failures: number }> {
    const c = this.compiler();
    const q = countsAggregateSql(c, request, plan, span);
    const sql = bareKeyOrder(await this.live(q.sql));
    return this.transaction(async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const rows = (await client.query<Record<string, unknown>>(sql, q.params)).rows;
      const groups: AggregateGroup[] = [];
      for (const row of rows) {
        const keys = request.by.map((_, i) => (row[`k${i}`] === null ? null : String(row[`k${i}`])));
        const time = async (t: CountedTime, kind: 'MIN' | 'MAX'): Promise<number> => {
          if (typeof t === 'number') return t;
          const from = t.hour * COUNT_HOUR_MS;
          const e = countExtremeSql(c, request, kind, from, from + COUNT_HOUR_MS, keys);
          return (await client.query<{ t: number }>(await this.live(e.sql), e.params)).rows[0]!.t;
        };
        const { first, last } = countedExtent(row, span);
        groups.push({
          keys,
          count: Number(row.n),
          failures: Number(row.failures),
          first: await time(first, 'MIN'),
          last: await time(last, 'MAX'),
        });
      }
      const totals = totalsOfGroups(q, rows)!;
      return { groups, total: totals.n, failures: totals.failures };
    }, 'cannot aggregate');
  }

  async histogram(request: HistogramRequest): Promise<HistogramBucket[]> {
    const counted = countedHistogram(request);
    if (counted) return this.countedHistogram(request, counted);
    const statement = histogramSql(this.compiler(), request);
    const rows = await this.query<{ bucket: number; n: number; failures?: number }>(
      await this.live(statement.sql),
      statement.params,
    );
    return rows.map((r) => {
      const b: HistogramBucket = { start: request.start + r.bucket * request.interval, count: r.n };
      if (request.failures) b.failures = r.failures ?? 0;
      return b;
    });
  }

  /**
   * A histogram of whole-hour buckets summed from hourly counts, in one REPEATABLE READ snapshot.
   * The partial hour at each end is its hour's count less the rest of that hour, when the rest
   * holds fewer of the hour's events than half (counted up to there); otherwise it is counted
   * itself. A range ending now ends in the hour being written, whose events are not yet all
   * visible to an index-only scan: counting them there took 880 ms for 370,000 events, while the
   * rest of that hour (the future) is empty.
   */
  private async countedHistogram(
    request: HistogramRequest,
    { plan, span }: CountedPlan,
  ): Promise<HistogramBucket[]> {
    const q = countsByHourSql(this.compiler(), plan, hoursWithEdges(span));
    return this.transaction(async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      type Counted = { hour: number; n: number; failures: number };
      const run = async <R extends object>(s: SqlFilter) =>
        (await client.query<R & pg.QueryResultRow>(await this.live(s.sql), s.params)).rows;
      const rows = (await client.query<Counted>(q.sql, q.params)).rows;
      const byHour = new Map(rows.map((r) => [Number(r.hour), r]));
      const whole = rows.filter(
        (r) => (span.fromHour ?? -Infinity) <= r.hour && r.hour < (span.toHour ?? Infinity),
      );
      const edges: HistogramBucket[] = [];
      for (const edge of span.edges) {
        const rest = restOfHour(edge);
        const hour = byHour.get(rest.hour);
        if (!hour) continue; // nothing matches in that hour
        const part = histogramPart(request, ...edge);
        const most = Math.ceil(Number(hour.n) / 2);
        const [outside] = await run<Counted>(
          countUpToSql(this.compiler(), request.predicate, rest.from, rest.to, most),
        );
        if (Number(outside!.n) < most) {
          const count = Number(hour.n) - Number(outside!.n);
          edges.push({
            start: part.start,
            count,
            failures: Number(hour.failures) - Number(outside!.failures),
          });
          continue;
        }
        for (const b of await run<{ bucket: number; n: number; failures?: number }>(
          histogramSql(this.compiler(), part),
        )) {
          edges.push({ start: part.start + b.bucket * part.interval, count: b.n, failures: b.failures ?? 0 });
        }
      }
      return mergeHourCounts(request, whole, edges);
    }, 'cannot count a histogram');
  }

  async timeExtent(
    predicate: Predicate,
    from?: number,
    to?: number,
  ): Promise<{ min: number; max: number } | undefined> {
    const statement = extentSql(this.compiler(), predicate, from, to);
    const rows = await this.query<{ min_ts: number | null; max_ts: number | null }>(
      await this.live(statement.sql),
      statement.params,
    );
    const r = rows[0];
    return r && r.min_ts !== null && r.max_ts !== null ? { min: r.min_ts, max: r.max_ts } : undefined;
  }

  async eraseEvents(updates: ErasureUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    await this.transaction(async (c) => {
      const sources = await exactSources(c, 'seq = ANY($1::bigint[])', [updates.map((u) => u.seq)]);
      for (const u of updates) {
        // Erasure keeps the source: raw_columns must still hold it exactly if it has a U+0000.
        const exact = sources.get(u.seq);
        if (exact === undefined) continue; // no such event: nothing to erase
        const { columns, raw } = storedColumns(exact, u.columns);
        const [action, outcome, dataset, userName, hostName, sessionId] = columns;
        await c.query(
          `UPDATE events SET body = $1, erased = $2, seed = NULL, source_ip = NULL, action = $3, outcome = $4,
             dataset = $5, user_name = $6, host_name = $7, session_id = $8, raw_columns = $9
           WHERE seq = $10`,
          [
            u.body,
            JSON.stringify(u.erased),
            action,
            outcome,
            dataset,
            userName,
            hostName,
            sessionId,
            raw,
            u.seq,
          ],
        );
      }
    }, 'cannot erase events');
    // Old row versions stay in the heap until VACUUM reclaims them (docs/postgresql.md).
    await this.query('VACUUM events').catch(() => undefined);
  }

  async expireEvents(ranges: readonly ExpiredRange[]): Promise<number> {
    if (ranges.length === 0) return 0;
    let expired = 0;
    await this.transaction(async (c) => {
      for (const r of ranges) {
        const live = 'seq BETWEEN $1 AND $2 AND body IS NOT NULL';
        const sources = await exactSources(c, `${live} AND raw_columns IS NOT NULL`, [r.first, r.last]);
        const result = await c.query(
          `UPDATE events SET body = NULL, seed = NULL, erased = NULL, source_ip = NULL, action = NULL,
             outcome = NULL, dataset = NULL, user_name = NULL, host_name = NULL, session_id = NULL,
             raw_columns = NULL
           WHERE ${live}`,
          [r.first, r.last],
        );
        expired += result.rowCount ?? 0;
        // The source stays; one holding U+0000 stays exact in raw_columns (see storedColumns).
        for (const [seq, source] of sources) {
          await c.query('UPDATE events SET raw_columns = $1 WHERE seq = $2', [
            storedColumns(source, [null, null, null, null, null, null]).raw,
            seq,
          ]);
        }
        await c.query(
          `INSERT INTO retention_expired (first, last, record, expired) VALUES ($1, $2, $3, $4)
           ON CONFLICT (first) DO UPDATE SET last = EXCLUDED.last, record = EXCLUDED.record, expired = EXCLUDED.expired`,
          [r.first, r.last, r.record, r.expired],
        );
      }
    }, 'cannot expire events');
    this.expiredKnown = true;
    // The removed values stay in old row versions until VACUUM reclaims them (docs/postgresql.md).
    await this.query('VACUUM events').catch(() => undefined);
    return expired;
  }

  async listExpiredRanges(): Promise<ExpiredRange[]> {
    return this.query<ExpiredRange>(
      'SELECT first, last, record, expired FROM retention_expired ORDER BY first',
    );
  }

  /**
   * Whether some event has expired: only then do reads add `body IS NOT NULL`. Another node (or a
   * `stele retention run`) may expire events while this one serves: asked until the first range appears.
   */
  private async hasExpired(): Promise<boolean> {
    if (!this.expiredKnown) {
      const rows = await this.query<{ found: boolean }>(
        'SELECT EXISTS (SELECT 1 FROM retention_expired) AS found',
      );
      this.expiredKnown = rows[0]?.found === true;
    }
    return this.expiredKnown;
  }

  /** An aggregation statement over the events that have not expired. */
  private async live(sql: string): Promise<string> {
    return (await this.hasExpired()) ? overLiveEvents(sql) : sql;
  }

  async readNodes(ids: ReadonlyArray<{ level: number; index: number }>): Promise<Array<Buffer | undefined>> {
    const leaves = ids.filter((i) => i.level === 0).map((i) => i.index);
    const inner = ids.filter((i) => i.level > 0);
    const leafRows =
      leaves.length === 0
        ? []
        : await this.query<{ seq: number; leaf: Buffer }>(
            'SELECT seq, leaf FROM events WHERE seq = ANY($1::bigint[])',
            [leaves],
          );
    const nodeRows =
      inner.length === 0
        ? []
        : await this.query<{ level: number; idx: number; hash: Buffer }>(
            `SELECT n.level, n.idx, n.hash FROM ledger_nodes n
               JOIN unnest($1::int[], $2::bigint[]) AS k(level, idx) ON n.level = k.level AND n.idx = k.idx`,
            [inner.map((i) => i.level), inner.map((i) => i.index)],
          );
    const byLeaf = new Map(leafRows.map((r) => [r.seq, r.leaf]));
    const byNode = new Map(nodeRows.map((r) => [`${r.level}/${r.idx}`, r.hash]));
    return ids.map((id) => (id.level === 0 ? byLeaf.get(id.index) : byNode.get(`${id.level}/${id.index}`)));
  }

  async storedLevelStride(): Promise<number> {
    const applied = await this.query('SELECT 1 FROM migrations WHERE name = $1', [NODE_LEVELS_MIGRATION]);
    return applied.length > 0 ? 4 : 8;
  }

  async latestCheckpoint(): Promise<CheckpointRecord | undefined> {
    const rows = await this.query<CheckpointRecord>(
      'SELECT size, root AS "rootHash", note, created FROM checkpoints ORDER BY size DESC LIMIT 1',
    );
    return rows[0];
  }

  async listCheckpoints(): Promise<CheckpointRecord[]> {
    return this.query<CheckpointRecord>(
      'SELECT size, root AS "rootHash", note, created FROM checkpoints ORDER BY size',
    );
  }

  async getMeta(key: string): Promise<string | undefined> {
    const rows = await this.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]);
    return rows[0]?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.query(
      'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
      [key, value],
    );
  }

  /** Sets a value only if the key has none; returns the value the key holds afterwards. */
  async setMetaOnce(key: string, value: string): Promise<string> {
    await this.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
      key,
      value,
    ]);
    return (await this.getMeta(key)) ?? value;
  }

  async putApiKey(key: ApiKeyRecord): Promise<void> {
    await this.query(
      `INSERT INTO api_keys (id, name, scopes, hash, created, revoked) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, scopes = EXCLUDED.scopes, hash = EXCLUDED.hash,
         created = EXCLUDED.created, revoked = EXCLUDED.revoked`,
      [key.id, key.name, key.scopes.join(','), key.hash, key.created, key.revoked],
    );
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const rows = await this.query<RawKeyRow>('SELECT * FROM api_keys WHERE id = $1', [id]);
    return rows[0] && toKey(rows[0]);
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return (await this.query<RawKeyRow>('SELECT * FROM api_keys ORDER BY created, id')).map(toKey);
  }

  recordDetections(commit: DetectionCommit): Promise<{ created: number[]; merged: number[] }> {
    return this.alerts.recordDetections(commit);
  }

  seenKeys(keys: readonly string[]): Promise<Set<string>> {
    return this.alerts.seenKeys(keys);
  }

  listAlerts(filter: AlertFilter): Promise<AlertRecord[]> {
    return this.alerts.listAlerts(filter);
  }

  getAlert(id: number): Promise<(AlertRecord & { seqs: number[] }) | undefined> {
    return this.alerts.getAlert(id);
  }

  updateAlertStatus(
    id: number,
    status: AlertRecord['status'],
    now: number,
  ): Promise<AlertRecord | undefined> {
    return this.alerts.updateAlertStatus(id, status, now);
  }

  putSuppression(s: AlertSuppression): Promise<void> {
    return this.alerts.putSuppression(s);
  }

  listSuppressions(now: number): Promise<AlertSuppression[]> {
    return this.alerts.listSuppressions(now);
  }

  dueDeliveries(now: number, limit: number): Promise<AlertDelivery[]> {
    return this.alerts.dueDeliveries(now, limit);
  }

  recordDelivery(outcome: DeliveryOutcome): Promise<void> {
    return this.alerts.recordDelivery(outcome);
  }

  eraseDerived(values: readonly string[], replacement: string): Promise<{ seen: number; alerts: number }> {
    return this.alerts.eraseDerived(values, replacement);
  }

  listDeadLetters(): Promise<Array<AlertDelivery & { error: string | null; created: number }>> {
    return this.alerts.listDeadLetters();
  }

  async sizeBytes(): Promise<number> {
    const rows = await this.query<{ n: number | null }>(
      `SELECT sum(pg_total_relation_size(c.oid))::bigint AS n FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`,
      [this.schema],
    );
    return rows[0]?.n ?? 0;
  }

  /** One query on a pooled connection, errors translated. */
  async query<R extends object>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R & pg.QueryResultRow>(sql, params)).rows;
    } catch (err) {
      throw translatePgError(err, 'query failed');
    }
  }

  /** Runs `fn` in one transaction on one connection; rolls back on any error. */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>, context: string): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw translatePgError(err, context);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw translatePgError(err, context);
    } finally {
      client.release(broken);
    }
  }
}

/** PostgreSQL orders by output names only as bare names; `k IS NULL, k` is `k` (NULLS LAST). */
function bareKeyOrder(sql: string): string {
  return sql.replace(/\b(k\d+) IS NULL, \1\b/g, '$1');
}

/** Builds a WHERE clause after a compiled filter, numbering placeholders on from its parameters. */
/**
 * One page in time order: the page's keys first (an index-only scan when the filter reads only
 * indexed columns), then only those rows, so a common match is not sorted with its bodies.
 */
function searchSql(
  request: SearchRequest,
  columns: string,
  liveOnly: boolean,
): { sql: string; params: unknown[] } {
  const w = pageWhere(request, liveOnly);
  const order = pageOrder(request, '');
  const limit = w.param(request.limit);
  // Without a filter the time index gives the page in order: its rows are read as it walks. A
  // filter's page is found by its keys first and joined back, so a busy condition sorts keys, not
  // whole rows. An export page 300,000 events deep into 3.6M: 2.7-3.9 ms read directly, 8.4 ms joined.
  if (!request.where) {
    return {
      sql: `SELECT ${columns} FROM events ${w.sql()} ORDER BY ${order} LIMIT ${limit}`,
      params: w.params,
    };
  }
  const page = `SELECT seq, ts FROM events ${w.sql()} ORDER BY ${order} LIMIT ${limit}`;
  return { sql: pageRowsSql(page, columns, order), params: w.params };
}

/** The conditions of a page's scan: filter, time range, snapshot and cursor. */
function pageWhere(request: SearchRequest, liveOnly: boolean): Where {
  const w = new Where(request.where, request.from, request.to, liveOnly);
  if (request.maxSeq !== undefined) w.add((p) => `seq <= ${p(request.maxSeq)}`);
  const after = request.after;
  if (after) {
    const op = request.order === 'asc' ? '>' : '<';
    // A row comparison, which the (ts, seq) index seeks to. The same condition written with OR
    // made every page of an export scan from the newest event: about 2 s a page 300,000 events
    // deep into 10M, and growing.
    w.add((p) => `(ts, seq) ${op} (${p(after.ts)}, ${p(after.seq)})`);
  }
  const through = request.through;
  if (through) {
    const op = request.order === 'asc' ? '<=' : '>=';
    w.add((p) => `(ts, seq) ${op} (${p(through.ts)}, ${p(through.seq)})`);
  }
  return w;
}

function pageOrder(request: SearchRequest, alias: string): string {
  const dir = request.order === 'asc' ? 'ASC' : 'DESC';
  return `${alias}ts ${dir}, ${alias}seq ${dir}`;
}

/** The rows of a page whose (seq, ts) `page` selects, in its order. */
function pageRowsSql(page: string, columns: string, order: string): string {
  const qualified = columns
    .split(', ')
    .map((c) => `events.${c}`)
    .join(', ');
  return `SELECT ${qualified} FROM (${page}) AS page JOIN events USING (seq, ts) ORDER BY ${order}`;
}

/**
 * A page of a condition with a CIDR block among its top-level ANDs (SqlFilter.byValue), in one
 * statement. The planner sorted a busy block's entries, or walked the time index testing each row,
 * which is slow when the block's events are bunched in time (a brute-force burst: 650-850 ms at
 * 3.6M events for blocks of 0.2 % of them). So the block's distinct values are listed, one index
 * seek each (a recursive "loose index scan"), up to MAX_PAGE_VALUES + 1; with at most
 * MAX_PAGE_VALUES, each value gives an index-ordered page of its own on (source_ip, ts), and the
 * page is taken from those: at most `limit` entries read per value. With more, the plain plan
 * runs (`block AND rest` is the whole condition). Only one branch runs: both are gated on the
 * count. `column` is a name from the compiler's COLUMNS table (an IP column), never query text.
 */
function blockSearchSql(
  request: SearchRequest,
  { column, low, high, rest }: NonNullable<SqlFilter['byValue']>,
  columns: string,
  liveOnly: boolean,
): { sql: string; params: unknown[] } {
  const w = pageWhere({ ...request, where: rest }, liveOnly);
  const order = pageOrder(request, '');
  const [lo, hi, most, limit] = [low, high, MAX_PAGE_VALUES, request.limit].map((v) => w.param(v));
  const values = `v(value, n) AS (
      (SELECT ${column}, 1 FROM events WHERE ${column} BETWEEN ${lo} AND ${hi} ORDER BY ${column} LIMIT 1)
      UNION ALL
      SELECT (SELECT e.${column} FROM events AS e WHERE e.${column} > v.value AND e.${column} <= ${hi}
               ORDER BY e.${column} LIMIT 1), v.n + 1
        FROM v WHERE v.value IS NOT NULL AND v.n <= ${most})`;
  const few = `SELECT COUNT(*) <= ${most} FROM v WHERE value IS NOT NULL`;
  const where = w.sql();
  const and = where ? `${where} AND` : 'WHERE';
  const each = `SELECT seq, ts FROM events ${and} ${column} = v.value ORDER BY ${order} LIMIT ${limit}`;
  const byValue = `SELECT p.seq, p.ts FROM v CROSS JOIN LATERAL (${each}) AS p
      WHERE v.value IS NOT NULL AND (${few}) ORDER BY ${pageOrder(request, 'p.')} LIMIT ${limit}`;
  const plain = `SELECT seq, ts FROM events ${and} ${column} BETWEEN ${lo} AND ${hi} AND NOT (${few})
      ORDER BY ${order} LIMIT ${limit}`;
  return {
    sql: `WITH RECURSIVE ${values} ${pageRowsSql(`(${byValue}) UNION ALL (${plain})`, columns, order)}`,
    params: w.params,
  };
}

class Where {
  readonly params: unknown[];
  private readonly clauses: string[] = [];

  constructor(filter: SqlFilter | undefined, from?: number, to?: number, liveOnly = false) {
    this.params = filter ? [...filter.params] : [];
    if (liveOnly) this.clauses.push('body IS NOT NULL');
    if (filter) this.clauses.push(`(${filter.sql})`);
    if (from !== undefined) this.add((p) => `ts >= ${p(from)}`);
    if (to !== undefined) this.add((p) => `ts < ${p(to)}`);
  }

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  add(clause: (p: (value: unknown) => string) => string): void {
    this.clauses.push(clause((v) => this.param(v)));
  }

  sql(): string {
    return this.clauses.length > 0 ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

/**
 * Locks the ledger state and moves its size and frontier to the batch's in one statement (the lock
 * every write takes): the batch must start where the ledger ends, and its checkpoint must cover
 * exactly what the ledger then holds.
 */
async function claimLedgerSize(c: pg.PoolClient, batch: AppendBatch): Promise<void> {
  const first = batch.events[0]?.seq;
  const cp = batch.checkpoint;
  if (first === undefined && !cp) {
    await c.query('SELECT size FROM ledger_state WHERE id = 1 FOR UPDATE');
    return;
  }
  const from = first ?? cp!.size;
  const newSize = from + batch.events.length;
  const moved = await c.query('UPDATE ledger_state SET size = $1, frontier = $2 WHERE id = 1 AND size = $3', [
    newSize,
    batch.frontier,
    from,
  ]);
  if (moved.rowCount === 0) {
    const state = await c.query<{ size: number }>('SELECT size FROM ledger_state WHERE id = 1');
    const size = state.rows[0]!.size;
    throw first !== undefined ? seqMismatch(size, first) : checkpointMismatch(cp!.size, size);
  }
  if (cp && cp.size !== newSize) throw checkpointMismatch(cp.size, newSize);
}

/**
 * One statement writing everything of a batch but the ledger state: the events, their hourly
 * counts (docs/search.md "Hourly counts", from the values as stored), producer sequence numbers,
 * tree nodes, producer states and the checkpoint, each a data-modifying CTE. The counts read the
 * events' own parameters. Undefined when there is nothing to write.
 */
function batchStatement(batch: AppendBatch): { sql: string; params: unknown[] } | undefined {
  const params = new PgParams();
  const parts: string[] = [];
  if (batch.events.length > 0) {
    const { cols, producers } = eventColumns(batch);
    const refs = cols.map((values, i) => params.bind(values, EVENT_INSERT[i]![1]));
    const ref = (column: string) => refs[EVENT_INSERT.findIndex(([name]) => name === column)]!;
    parts.push(
      `INSERT INTO events (${EVENT_INSERT.map(([name]) => name).join(', ')}) SELECT * FROM unnest(${refs.join(', ')})`,
    );
    for (const t of COUNT_TABLES) {
      const columns = Object.values(t.columns);
      const from = `unnest(${[ref('ts'), ...columns.map(ref)].join(', ')}) AS x (ts, ${columns.join(', ')})`;
      parts.push(
        `INSERT INTO ${t.table} AS c (hour, ${columns.join(', ')}, n) ${countRowsSql(t, from, 'x.ts')}
         ON CONFLICT ON CONSTRAINT ${t.table}_key DO UPDATE SET n = c.n + EXCLUDED.n`,
      );
    }
    if (producers.ids.length > 0) {
      parts.push(
        `INSERT INTO producer_seqs (producer_id, producer_seq, seq)
         SELECT * FROM ${params.unnest([producers.ids, 'text[]'], [producers.seqs, 'bigint[]'], [producers.rows, 'bigint[]'])}`,
      );
    }
  }
  const nodes = batch.nodes;
  if (nodes.length > 0) {
    const rows = params.unnest(
      [nodes.map((n) => n.level), 'int[]'],
      [nodes.map((n) => n.index), 'bigint[]'],
      [nodes.map((n) => n.hash), 'bytea[]'],
    );
    parts.push(
      `INSERT INTO ledger_nodes (level, idx, hash) SELECT * FROM ${rows}
       ON CONFLICT (level, idx) DO UPDATE SET hash = EXCLUDED.hash`,
    );
  }
  const p = batch.producers;
  if (p.length > 0) {
    const rows = params.unnest(
      [p.map((x) => clean(x.id)), 'text[]'],
      [p.map((x) => x.lastSeq), 'bigint[]'],
      [p.map((x) => x.gaps), 'bigint[]'],
      [p.map((x) => x.events), 'bigint[]'],
    );
    parts.push(
      `INSERT INTO producers (id, last_seq, gaps, events) SELECT * FROM ${rows}
       ON CONFLICT (id) DO UPDATE SET last_seq = EXCLUDED.last_seq, gaps = EXCLUDED.gaps, events = EXCLUDED.events`,
    );
  }
  const cp = batch.checkpoint;
  if (cp) {
    const values = [
      params.bind(cp.size, 'bigint'),
      params.bind(cp.rootHash, 'bytea'),
      params.bind(cp.note, 'text'),
      params.bind(cp.created, 'bigint'),
    ];
    parts.push(`INSERT INTO checkpoints (size, root, note, created) VALUES (${values.join(', ')})`);
  }
  if (parts.length === 0) return undefined;
  return {
    sql: `WITH ${parts.map((sql, i) => `w${i} AS (${sql})`).join(',\n')} SELECT 1`,
    params: params.values,
  };
}

/** The windows, back from the newest event, that pageRows walks before reading all time. */
const TEXT_WINDOWS_HOURS = [1, 8];

/** The events table's columns as a batch inserts them, with their array types. */
const EVENT_INSERT: ReadonlyArray<readonly [column: string, type: string]> = [
  ['seq', 'bigint[]'],
  ['ts', 'bigint[]'],
  ['received', 'bigint[]'],
  ['source', 'text[]'],
  ['action', 'text[]'],
  ['outcome', 'text[]'],
  ['user_name', 'text[]'],
  ['host_name', 'text[]'],
  ['source_ip', 'bytea[]'],
  ['dataset', 'text[]'],
  ['session_id', 'text[]'],
  ['producer_id', 'text[]'],
  ['producer_seq', 'bigint[]'],
  ['leaf', 'bytea[]'],
  ['seed', 'bytea[]'],
  ['body', 'text[]'],
  ['raw_columns', 'text[]'],
  ['fulltext', 'text[]'],
];

/** A batch's events as one array per inserted column, and its producer sequence numbers. */
function eventColumns(batch: AppendBatch): {
  cols: unknown[][];
  producers: { ids: string[]; seqs: number[]; rows: number[] };
} {
  const cols: unknown[][] = EVENT_INSERT.map(() => []);
  const producers = { ids: [] as string[], seqs: [] as number[], rows: [] as number[] };
  for (const e of batch.events) {
    const { columns, raw, source } = storedColumns(e.source, e.columns);
    const [action, outcome, dataset, userName, hostName, sessionId] = columns;
    const f = e.fields;
    const producerId = f.producerId === null ? null : clean(f.producerId);
    const values = [
      e.seq,
      e.ts,
      e.received,
      source,
      action,
      outcome,
      userName,
      hostName,
      f.sourceIp,
      dataset,
      sessionId,
      producerId,
      f.producerSeq,
      e.leafHash,
      e.seed,
      e.body,
      raw,
      fullTextOf(e.body),
    ];
    values.forEach((v, i) => cols[i]!.push(v));
    if (producerId !== null && f.producerSeq !== null) {
      producers.ids.push(producerId);
      producers.seqs.push(f.producerSeq);
      producers.rows.push(e.seq);
    }
  }
  return { cols, producers };
}

/** The exact source of the matching rows (raw_columns holds it when it has a U+0000). */
async function exactSources(
  c: pg.PoolClient,
  where: string,
  params: unknown[],
): Promise<Map<number, string>> {
  const { rows } = await c.query<{ seq: number; source: string; raw_columns: string | null }>(
    `SELECT seq, source, raw_columns FROM events WHERE ${where}`,
    params,
  );
  return new Map(
    rows.map((r) => [r.seq, r.raw_columns === null ? r.source : (JSON.parse(r.raw_columns) as [string])[0]]),
  );
}

/** PostgreSQL text cannot hold U+0000: such values are kept exactly in raw_columns (JSON). */
function storedColumns(
  source: string,
  columns: ColumnValues,
): { source: string; columns: ColumnValues; raw: string | null } {
  const hasNul = source.includes('\u0000') || columns.some((v) => v !== null && v.includes('\u0000'));
  if (!hasNul) return { source, columns, raw: null };
  return {
    source: clean(source),
    columns: columns.map((v) => (v === null ? null : clean(v))),
    raw: JSON.stringify([source, ...columns]),
  };
}

function clean(text: string): string {
  return text.includes('\u0000') ? text.split('\u0000').join('\ufffd') : text;
}

function toEventRow(row: RawEventRow): EventRow {
  const { source, columns } = storedValues(row);
  return {
    seq: row.seq,
    ts: row.ts,
    received: row.received,
    source,
    body: row.body,
    columns,
    leafHash: row.leaf,
    seed: row.seed,
    erased: row.erased === null ? null : (JSON.parse(row.erased) as EventRow['erased']),
  };
}

/** The source and column values as sent (raw_columns keeps them exactly when one held U+0000). */
function storedValues(row: RawEventRow): { source: string; columns: ColumnValues } {
  if (row.raw_columns !== null) {
    const raw = JSON.parse(row.raw_columns) as [string, ...ColumnValues];
    return { source: raw[0], columns: raw.slice(1) as ColumnValues };
  }
  const columns = [row.action, row.outcome, row.dataset, row.user_name, row.host_name, row.session_id];
  return { source: row.source, columns };
}
