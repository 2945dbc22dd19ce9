// Writes ledger batches to the SQLite file: one transaction per batch, fsync'd at commit. Used
// inline, or from a worker thread (sqlite-writer-worker.ts) so the fsync does not block the event
// loop that is receiving the next requests.

import type Database from 'better-sqlite3';
import { StoreError } from '../../core/errors.js';
import { checkpointMismatch, seqMismatch, type AppendBatch } from '../store.js';
import { COUNT_TABLES, countHour, type CountTable } from '../aggregate-sql.js';
import { COLUMNS } from '../compiler.js';
import { COLUMN_FIELDS } from '../row-codec.js';
import { compactIp } from './sqlite-ip.js';

/**
 * Indexes the full text (message and event.original) of the events with seq in [?, ?]. The one
 * statement for it: the writer indexes each batch, erasure and retention re-index what they change.
 * When the original contains the message (a parsed line and the part after its header, the usual
 * case), only the original is indexed: every trigram of the message is one of the original's, so the
 * candidates a search gets are the same, for about half the indexing work of such events.
 */
export const INDEX_TEXT_SQL = `INSERT INTO events_fts (rowid, text)
  SELECT seq, CASE WHEN instr(o, m) > 0 THEN o ELSE concat_ws(char(10), m, o) END
  FROM (SELECT seq, json_extract(body, '$.message') AS m, json_extract(body, '$.event.original') AS o
        FROM events WHERE seq BETWEEN ? AND ?)
  WHERE m IS NOT NULL OR o IS NOT NULL`;

export function configureConnection(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  // FULL: the WAL is fsync'd at every commit, so a commit that returned survives power loss.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  // Deleted content is overwritten with zeros: erased personal data must not linger in free pages.
  db.pragma('secure_delete = ON');
}

export class SqliteBatchWriter {
  private readonly insertEvent: Database.Statement;
  private readonly upsertNode: Database.Statement;
  private readonly upsertProducer: Database.Statement;
  private readonly insertCheckpoint: Database.Statement;
  private readonly putMeta: Database.Statement;
  private readonly nextSeq: Database.Statement;
  /** Indexes the text of the batch's events (undefined when the schema has no full-text table). */
  private readonly indexText: Database.Statement | undefined;
  /** Add the batch's hourly counts to each count table the schema has. */
  private readonly counters: EventCounter[];
  private readonly txAll: Database.Transaction<(batches: readonly AppendBatch[]) => void>;

  constructor(private readonly db: Database.Database) {
    this.insertEvent = db.prepare(
      `INSERT INTO events (seq, ts, received, source, action, outcome, user_name, host_name, source_ip,
        dataset, session_id, producer_id, producer_seq, leaf, seed, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.upsertNode = db.prepare('INSERT OR REPLACE INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?)');
    this.upsertProducer = db.prepare(
      'INSERT OR REPLACE INTO producers (id, last_seq, gaps, events) VALUES (?, ?, ?, ?)',
    );
    this.insertCheckpoint = db.prepare(
      'INSERT INTO checkpoints (size, root, note, created) VALUES (?, ?, ?, ?)',
    );
    this.putMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    this.nextSeq = db.prepare('SELECT COALESCE(MAX(seq) + 1, 0) AS n FROM events');
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    this.indexText = hasTable.get('events_fts') ? db.prepare(INDEX_TEXT_SQL) : undefined;
    this.counters = COUNT_TABLES.filter((t) => hasTable.get(t.table) !== undefined).map(
      (t) => new EventCounter(db, t),
    );
    this.txAll = db.transaction((batches: readonly AppendBatch[]) => {
      for (const batch of batches) this.write(batch);
      // Counted once for the whole transaction: batches written together share most of their
      // keys (the same hours, users and outcomes), so each key's row is updated once, not per batch.
      this.count(batches.flatMap((batch) => batch.events));
    });
  }

  /**
   * Appends consecutive batches in one transaction (one commit, one fsync), or, if that fails, each
   * in its own, so a bad batch fails alone and those before it are still written. Returns each
   * batch's error, or undefined for a batch that is durable.
   */
  appendAll(batches: readonly AppendBatch[]): Array<StoreError | undefined> {
    if (batches.length > 1) {
      try {
        this.txAll.immediate(batches);
        return batches.map(() => undefined);
      } catch {
        // Rolled back as a whole: written one by one below, each failing or not on its own.
      }
    }
    return batches.map((batch) => {
      try {
        this.append(batch);
        return undefined;
      } catch (err) {
        return err as StoreError;
      }
    });
  }

  append(batch: AppendBatch): void {
    try {
      // IMMEDIATE: the transaction reads (the next seq) before it writes; see sqlite-store.ts.
      this.txAll.immediate([batch]);
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError(`cannot write events: ${(err as Error).message}`, { cause: err });
    }
  }

  private count(events: AppendBatch['events']): void {
    for (const counter of this.counters) counter.add(events);
  }

  /** Everything of a batch but its hourly counts (`count`, once per transaction). */
  private write(batch: AppendBatch): void {
    const expected = batch.events[0]?.seq;
    const cp = batch.checkpoint;
    if (expected !== undefined || cp) {
      const next = (this.nextSeq.get() as { n: number }).n;
      if (expected !== undefined && next !== expected) throw seqMismatch(next, expected);
      // A checkpoint signs exactly the ledger the batch leaves.
      const size = next + batch.events.length;
      if (cp && cp.size !== size) throw checkpointMismatch(cp.size, size);
    }
    for (const e of batch.events) {
      const f = e.fields;
      const [action, outcome, dataset, userName, hostName, sessionId] = e.columns;
      this.insertEvent.run(
        e.seq,
        e.ts,
        e.received,
        e.source,
        action,
        outcome,
        userName,
        hostName,
        f.sourceIp && compactIp(f.sourceIp),
        dataset,
        sessionId,
        f.producerId,
        f.producerSeq,
        e.leafHash,
        e.seed,
        e.body,
      );
    }
    // Same transaction: an event is never searchable by its fields but not by its text.
    const first = batch.events[0];
    const last = batch.events.at(-1);
    if (this.indexText && first && last) this.indexText.run(first.seq, last.seq);
    for (const n of batch.nodes) this.upsertNode.run(n.level, n.index, n.hash);
    for (const p of batch.producers) this.upsertProducer.run(p.id, p.lastSeq, p.gaps, p.events);
    this.putMeta.run('frontier', batch.frontier);
    if (cp) this.insertCheckpoint.run(cp.size, cp.rootHash, cp.note, cp.created);
  }
}

/** Where each counted column is in an event's `columns` (row-codec.ts COLUMN_FIELDS). */
const COLUMN_INDEX: Readonly<Record<string, number>> = Object.fromEntries(
  COLUMN_FIELDS.map(([parent, key], i) => [COLUMNS[`${parent}.${key}`]!.column, i]),
);

/**
 * Keeps one hourly count table in step with inserted events: a batch's events are counted in memory
 * by hour and the table's columns, and each key's row is updated once, or created.
 */
class EventCounter {
  private readonly bump: Database.Statement;
  private readonly create: Database.Statement;
  private readonly positions: number[];

  constructor(db: Database.Database, counts: CountTable) {
    const columns = Object.values(counts.columns);
    this.positions = columns.map((c) => COLUMN_INDEX[c]!);
    this.bump = db.prepare(
      `UPDATE ${counts.table} SET n = n + ? WHERE hour = ? AND ${columns.map((c) => `${c} IS ?`).join(' AND ')}`,
    );
    this.create = db.prepare(
      `INSERT INTO ${counts.table} (hour, ${columns.join(', ')}, n) VALUES (?, ${columns.map(() => '?').join(', ')}, ?)`,
    );
  }

  add(events: AppendBatch['events']): void {
    const counts = new Map<string, { key: Array<number | string | null>; n: number }>();
    for (const e of events) {
      const key: Array<number | string | null> = [countHour(e.ts)];
      for (const p of this.positions) key.push(e.columns[p] ?? null);
      // JSON keeps null apart from every string, and strings apart from each other.
      const id = JSON.stringify(key);
      const c = counts.get(id);
      if (c) c.n++;
      else counts.set(id, { key, n: 1 });
    }
    for (const { key, n } of counts.values()) {
      if (this.bump.run(n, ...key).changes === 0) this.create.run(...key, n);
    }
  }
}
