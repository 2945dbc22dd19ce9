// Schema of the embedded store: named migrations, applied once each, in this order, and recorded
// by name in the `migrations` table. A feature adds its own entry at the end with a new name.

import {
  COUNT_TABLES,
  countHourSql as hourSql,
  type CountTable,
  countBackfillSql,
} from '../aggregate-sql.js';
import { NODE_LEVELS_MIGRATION } from '../store.js';

/**
 * One hourly count table (aggregate-sql.ts COUNT_TABLES) with its indexes, filled from the live
 * events. The writer adds each batch's counts (sqlite-writer.ts); the triggers keep them right when
 * erasure or retention change an event's columns or body (an expired event is not counted). NULL is
 * a key value here, so rows are matched with IS and there is no unique key.
 */
function countTableSql(t: CountTable, indexes: string[][]): string {
  const columns = Object.values(t.columns);
  const key = (row: 'OLD' | 'NEW') =>
    [`hour = ${hourSql(`${row}.ts`)}`, ...columns.map((c) => `${c} IS ${row}.${c}`)].join(' AND ');
  // Adds `delta` to a live event's count.
  const change = (row: 'OLD' | 'NEW', delta: 1 | -1) =>
    `UPDATE ${t.table} SET n = n + (${delta}) WHERE ${row}.body IS NOT NULL AND ${key(row)};
    DELETE FROM ${t.table} WHERE n = 0 AND ${key(row)};`;
  return `
  CREATE TABLE ${t.table} (
    hour INTEGER NOT NULL,              -- floor(ts / 3,600,000)
    ${columns.map((c) => `${c} TEXT,`).join('\n    ')}
    n    INTEGER NOT NULL
  );
  ${indexes.map((cols, i) => `CREATE INDEX ${t.table}_${i} ON ${t.table} (${cols.join(', ')});`).join('\n  ')}
  ${countBackfillSql(t)}
  CREATE TRIGGER ${t.table}_update AFTER UPDATE OF body, ${columns.join(', ')} ON events
  BEGIN
    ${change('OLD', -1)}
    INSERT INTO ${t.table} (hour, ${columns.join(', ')}, n)
      SELECT ${hourSql('NEW.ts')}, ${columns.map((c) => `NEW.${c}`).join(', ')}, 0
       WHERE NEW.body IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${t.table} WHERE ${key('NEW')});
    ${change('NEW', 1)}
  END;
  CREATE TRIGGER ${t.table}_delete AFTER DELETE ON events
  BEGIN
    ${change('OLD', -1)}
  END;
  `;
}

/** A count table by its name. */
function countTable(name: string): CountTable {
  return COUNT_TABLES.find((t) => t.table === name)!;
}

export const COMPACT_IP_MIGRATION = '0204-search-compact-source-ip';

export interface Migration {
  name: string;
  sql: string;
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    name: '0001-events-ledger-keys',
    sql: `
  CREATE TABLE events (
    seq          INTEGER PRIMARY KEY,     -- stele.seq, the ledger index
    ts           INTEGER NOT NULL,        -- @timestamp, epoch ms
    received     INTEGER NOT NULL,        -- stele.received, epoch ms
    source       TEXT NOT NULL,           -- stele.source
    action       TEXT,
    outcome      TEXT,
    user_name    TEXT,
    host_name    TEXT,
    source_ip    BLOB,                    -- comparable form, so CIDR is a range (16 bytes; 0204 compacts it)
    dataset      TEXT,
    session_id   TEXT,
    producer_id  TEXT,
    producer_seq INTEGER,
    leaf         BLOB NOT NULL,           -- RFC 9162 leaf hash, kept even when the body expires
    seed         BLOB,                    -- salt seed for personal-data commitments
    body         TEXT                     -- the event JSON without the columns' fields (NULL once expired)
  );
  CREATE INDEX events_ts ON events (ts);
  CREATE INDEX events_user_ts ON events (user_name, ts) WHERE user_name IS NOT NULL;
  CREATE INDEX events_action_ts ON events (action, ts) WHERE action IS NOT NULL;
  CREATE INDEX events_outcome_ts ON events (outcome, ts) WHERE outcome IS NOT NULL;
  CREATE INDEX events_host_ts ON events (host_name, ts) WHERE host_name IS NOT NULL;
  CREATE INDEX events_ip_ts ON events (source_ip, ts) WHERE source_ip IS NOT NULL;
  CREATE UNIQUE INDEX events_producer ON events (producer_id, producer_seq) WHERE producer_id IS NOT NULL;

  -- Complete subtree hashes at levels 8, 16, ... (level 0 is events.leaf).
  CREATE TABLE ledger_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB NOT NULL,
    PRIMARY KEY (level, idx)
  ) WITHOUT ROWID;

  CREATE TABLE checkpoints (
    size    INTEGER PRIMARY KEY,
    root    BLOB NOT NULL,
    note    TEXT NOT NULL,
    created INTEGER NOT NULL
  );

  CREATE TABLE producers (
    id       TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL,
    gaps     INTEGER NOT NULL,
    events   INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE api_keys (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    scopes  TEXT NOT NULL,
    hash    TEXT NOT NULL,
    created INTEGER NOT NULL,
    revoked INTEGER
  ) WITHOUT ROWID;

  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  },
  {
    // Erasure: the commitments of erased personal values, by field (JSON), once the values and
    // the event's salt seed are gone (docs/ledger.md, ADR 0001).
    name: '0002-erasure',
    sql: 'ALTER TABLE events ADD COLUMN erased TEXT',
  },
  {
    // Full-text candidates for `text` predicates over message and event.original (compiler.ts):
    // trigram tokens so any substring of three or more characters can be looked up, which keeps
    // the exact substring semantics (the compiler verifies each candidate with LIKE). Contentless
    // (the text is in events.body already), detail=none (no positions: the smallest index; phrase
    // order is checked by the LIKE), contentless_delete so erasing a person's data can remove rows.
    name: '0200-search-fts-trigram',
    sql: `
  CREATE VIRTUAL TABLE events_fts USING fts5(
    text, content='', contentless_delete=1, detail=none, tokenize='trigram'
  );
  INSERT INTO events_fts (rowid, text)
    SELECT seq, concat_ws(char(10), json_extract(body, '$.message'), json_extract(body, '$.event.original'))
    FROM events
    WHERE json_extract(body, '$.message') IS NOT NULL OR json_extract(body, '$.event.original') IS NOT NULL;
  `,
  },
  {
    name: '0100-detection-alerts',
    sql: `
  CREATE TABLE alerts (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id   TEXT,
    rule_key  TEXT NOT NULL,              -- rule id, else title: dedup and suppression key
    title     TEXT NOT NULL,
    level     TEXT,
    group_key TEXT NOT NULL,              -- canonical JSON of the group values ('' for none)
    grp       TEXT,                       -- the group values as JSON
    status    TEXT NOT NULL,              -- open | acknowledged | closed
    count     INTEGER NOT NULL,
    first_seq INTEGER NOT NULL,
    last_seq  INTEGER NOT NULL,
    first_ts  INTEGER NOT NULL,
    last_ts   INTEGER NOT NULL,
    created   INTEGER NOT NULL,
    updated   INTEGER NOT NULL
  );
  CREATE INDEX alerts_dedup ON alerts (rule_key, group_key, id);
  CREATE INDEX alerts_updated ON alerts (updated);
  CREATE TABLE alert_events (
    alert_id INTEGER NOT NULL,
    seq      INTEGER NOT NULL,
    PRIMARY KEY (alert_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE alert_suppressions (
    rule_key  TEXT NOT NULL,
    group_key TEXT,
    until     INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    created   INTEGER NOT NULL
  );
  CREATE TABLE alert_outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id     INTEGER NOT NULL,
    sink         TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    next_attempt INTEGER NOT NULL,
    delivered    INTEGER,                 -- time acknowledged by the sink; NULL while pending
    last_error   TEXT
  );
  CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt) WHERE delivered IS NULL;
  CREATE TABLE alert_dead_letters (
    id         INTEGER PRIMARY KEY,       -- the outbox id it had
    alert_id   INTEGER NOT NULL,
    sink       TEXT NOT NULL,
    attempts   INTEGER NOT NULL,
    last_error TEXT,
    created    INTEGER NOT NULL
  );
  CREATE TABLE detect_seen (
    key TEXT PRIMARY KEY                  -- first-seen state (derived.ts)
  ) WITHOUT ROWID;
  `,
  },
  {
    // "Top users by failures" reads user_name for every failure in a time range: with the user in the
    // outcome index that is an index-only scan. Replaces events_outcome_ts (same leading columns).
    name: '0201-search-outcome-ts-user-index',
    sql: `
  CREATE INDEX events_outcome_ts_user ON events (outcome, ts, user_name) WHERE outcome IS NOT NULL;
  DROP INDEX events_outcome_ts;
  `,
  },
  {
    // Retention (compliance/retention.ts): seq ranges whose bodies were removed, each with the seq of
    // the ledger event that records it. Verification accepts a missing body only inside one.
    name: '0300-retention-expired',
    sql: `
  CREATE TABLE retention_expired (
    first   INTEGER PRIMARY KEY,
    last    INTEGER NOT NULL,
    record  INTEGER NOT NULL,           -- seq of the stele.retention event listing the range
    expired INTEGER NOT NULL
  );
  `,
  },
  {
    // Inclusion proofs: interior nodes are kept every 4th level instead of every 8th, so a proof
    // hashes at most 15 stored neighbours per level group instead of 255 (ledger.ts
    // STORED_LEVEL_STRIDE). Adds levels 4, 12, 20, ... for the entries already stored, each from
    // the 16 nodes four levels below it (leaf hashes for level 4).
    name: NODE_LEVELS_MIGRATION,
    sql: `
  INSERT INTO ledger_nodes (level, idx, hash)
    SELECT 4, seq / 16, stele_subtree_hash(seq, leaf) FROM events GROUP BY seq / 16 HAVING count(*) = 16;
  INSERT INTO ledger_nodes (level, idx, hash)
    SELECT level + 4, idx / 16, stele_subtree_hash(idx, hash) FROM ledger_nodes
     WHERE level % 8 = 0 GROUP BY level, idx / 16 HAVING count(*) = 16;
  `,
  },
  {
    // Counts and pages of a dataset (alone, with an outcome, or in a time range) read this index
    // only: without it `dataset:k8s.audit AND outcome:failure` looked up every failure's row
    // (about 1 s at 2 M events). ts second keeps a dataset's first page in time order.
    name: '0202-search-dataset-ts-outcome-index',
    sql: 'CREATE INDEX events_dataset_ts_outcome ON events (dataset, ts, outcome) WHERE dataset IS NOT NULL',
  },
  {
    // Hourly counts of live events by dataset, outcome and user, and by dataset, action and outcome
    // (aggregate-sql.ts COUNT_TABLES): "top users by failures over 30 days" or the count of
    // `action:ssh.login` sums these instead of reading millions of index entries.
    name: '0203-search-event-counts',
    sql:
      countTableSql(countTable('event_counts'), [
        ['outcome', 'user_name', 'dataset', 'hour', 'n'],
        ['user_name', 'hour', 'outcome', 'dataset', 'n'],
      ]) + countTableSql(countTable('action_counts'), [['action', 'outcome', 'dataset', 'hour', 'n']]),
  },
  {
    // source_ip in the compact comparable form (sqlite-ip.ts): IPv4 in 5 bytes instead of 16, in the
    // row and in events_ip_ts, still in address order. Rows written before hold 16 bytes (length
    // tells them apart: a compact value is 5 or 17 bytes). Until this has run, a read-only store
    // compares IPs in the 16-byte form (sqlite-store.ts compactIps).
    name: COMPACT_IP_MIGRATION,
    sql: 'UPDATE events SET source_ip = stele_compact_ip(source_ip) WHERE length(source_ip) = 16',
  },
];
