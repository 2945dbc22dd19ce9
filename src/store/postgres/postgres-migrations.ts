// Schema of the PostgreSQL store: named migrations, applied once each, in this order, recorded by
// name in the `migrations` table of the store's schema (like sqlite-migrations.ts). The SQL
// functions here read JSON values exactly as query/plan.ts does, so filters match the reference.

import { COUNT_TABLES, countHourSql, type CountTable, countBackfillSql } from '../aggregate-sql.js';
import { NODE_LEVELS_MIGRATION } from '../store.js';

export interface PgMigration {
  name: string;
  sql: string;
}

/** Reads an IP address as the 16 comparable bytes (query/plan.ts ipToComparable), else NULL. */
const IP_FUNCTIONS = String.raw`
CREATE FUNCTION stele_ipv4(t text) RETURNS bigint LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $f$
DECLARE v bigint := 0; p text;
BEGIN
  -- No leading zeros: 010 is octal to some tools and decimal to others.
  IF t !~ '^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$' THEN
    RETURN NULL;
  END IF;
  FOREACH p IN ARRAY string_to_array(t, '.') LOOP
    IF p::int > 255 THEN RETURN NULL; END IF;
    v := v * 256 + p::int;
  END LOOP;
  RETURN v;
END $f$;

-- RFC 4291 2.2 groups as 4 hex digits each; only the very end may be a dotted quad.
CREATE FUNCTION stele_ip_groups(t text, last_may_be_v4 boolean) RETURNS text[] LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $f$
DECLARE parts text[]; out text[] := '{}'; v4 bigint; n int;
BEGIN
  IF t = '' THEN RETURN out; END IF;
  parts := string_to_array(t, ':');
  n := array_length(parts, 1);
  FOR i IN 1..n LOOP
    IF last_may_be_v4 AND i = n AND position('.' in parts[i]) > 0 THEN
      v4 := stele_ipv4(parts[i]);
      IF v4 IS NULL THEN RETURN NULL; END IF;
      out := out || lpad(to_hex(v4 >> 16), 4, '0') || lpad(to_hex(v4 & 65535), 4, '0');
    ELSIF parts[i] ~ '^[0-9A-Fa-f]{1,4}$' THEN
      out := out || lpad(lower(parts[i]), 4, '0');
    ELSE
      RETURN NULL;
    END IF;
  END LOOP;
  RETURN out;
END $f$;

CREATE FUNCTION stele_ip(t text) RETURNS bytea LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $f$
DECLARE v4 bigint; halves text[]; head text[]; tail text[]; cnt int; addr text;
BEGIN
  IF position(':' in t) = 0 THEN
    v4 := stele_ipv4(t);
    IF v4 IS NULL THEN RETURN NULL; END IF;
    RETURN decode('00000000000000000000ffff' || lpad(to_hex(v4), 8, '0'), 'hex');
  END IF;
  addr := split_part(t, '%', 1);
  halves := string_to_array(addr, '::');
  IF coalesce(array_length(halves, 1), 0) > 2 THEN RETURN NULL; END IF;
  head := stele_ip_groups(coalesce(halves[1], ''), coalesce(array_length(halves, 1), 0) <= 1);
  tail := CASE WHEN array_length(halves, 1) = 2 THEN stele_ip_groups(halves[2], true) ELSE '{}'::text[] END;
  IF head IS NULL OR tail IS NULL THEN RETURN NULL; END IF;
  cnt := coalesce(array_length(head, 1), 0) + coalesce(array_length(tail, 1), 0);
  IF (array_length(halves, 1) = 2 AND cnt > 7) OR (coalesce(array_length(halves, 1), 0) <> 2 AND cnt <> 8) THEN
    RETURN NULL;
  END IF;
  RETURN decode(array_to_string(head, '') || repeat('0000', 8 - cnt) || array_to_string(tail, ''), 'hex');
END $f$;
`;

/** RFC 3339 (and date-only) text to epoch ms, as query/time.ts parseTime; else NULL. */
const TIME_FUNCTIONS = String.raw`
CREATE FUNCTION stele_days_from_civil(y bigint, m int, d int) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$
  -- H. Hinnant's days_from_civil: days since 1970-01-01 in the proleptic Gregorian calendar.
  SELECT era * 146097 + doe - 719468 FROM (
    SELECT era, yoe * 365 + yoe / 4 - yoe / 100 + (153 * (CASE WHEN m > 2 THEN m - 3 ELSE m + 9 END) + 2) / 5 + d - 1 AS doe
    FROM (SELECT era, yy - era * 400 AS yoe FROM (
      SELECT yy, floor(yy / 400.0)::bigint AS era FROM (SELECT CASE WHEN m <= 2 THEN y - 1 ELSE y END AS yy) a) b) c) e
$f$;

CREATE FUNCTION stele_time(t text) RETURNS bigint LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $f$
DECLARE m text[]; y bigint; mo int; d int; h int; mi int; s int; ms bigint; off int := 0; dim int; v bigint;
BEGIN
  m := regexp_match(t, '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(\.[0-9]{1,9})?)?([Zz]|[+-][0-9]{2}:[0-9]{2})?)?$');
  IF m IS NULL THEN RETURN NULL; END IF;
  y := m[1]::bigint; mo := m[2]::int; d := m[3]::int;
  IF mo < 1 OR mo > 12 THEN RETURN NULL; END IF;
  dim := CASE WHEN mo = 2 THEN CASE WHEN (y % 4 = 0 AND y % 100 <> 0) OR y % 400 = 0 THEN 29 ELSE 28 END
              WHEN mo IN (4, 6, 9, 11) THEN 30 ELSE 31 END;
  IF d < 1 OR d > dim THEN RETURN NULL; END IF;
  h := coalesce(m[4]::int, 0); mi := coalesce(m[5]::int, 0); s := coalesce(m[6]::int, 0);
  IF h > 23 OR mi > 59 OR s > 60 THEN RETURN NULL; END IF;
  IF m[8] IS NOT NULL AND m[8] NOT IN ('Z', 'z') THEN
    IF substr(m[8], 2, 2)::int > 23 OR substr(m[8], 5, 2)::int > 59 THEN RETURN NULL; END IF;
    off := (CASE WHEN substr(m[8], 1, 1) = '-' THEN -1 ELSE 1 END) * (substr(m[8], 2, 2)::int * 60 + substr(m[8], 5, 2)::int);
  END IF;
  ms := CASE WHEN m[7] IS NULL THEN 0 ELSE trunc(('0' || m[7])::numeric * 1000)::bigint END;
  -- A leap second (:60) counts as the first second of the next minute.
  v := stele_days_from_civil(y, mo, d) * 86400000 + h * 3600000 + mi * 60000 + s * 1000 + ms - off * 60000;
  IF abs(v) > 8640000000000000 THEN RETURN NULL; END IF;
  RETURN v;
END $f$;

CREATE FUNCTION stele_decimal(t text) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$
  SELECT CASE WHEN t ~ '^-?[0-9]+(\.[0-9]+)?$' THEN t::double precision END
$f$;
`;

/**
 * JSON bodies are stored as text (exact bytes, cheaper to write) and read as jsonb by queries. jsonb
 * rejects \u0000 and lone surrogates, which JSON.stringify may write: those are replaced for
 * querying only (the stored text is untouched).
 */
const JSON_FUNCTIONS = String.raw`
CREATE FUNCTION stele_body_slow(t text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $f$
BEGIN
  RETURN replace(t, '\u0000', '\ufffd')::jsonb;
EXCEPTION WHEN OTHERS THEN
  RETURN regexp_replace(replace(t, '\u0000', '\ufffd'), '\\u[dD][89a-fA-F][0-9a-fA-F]{2}', '\ufffd', 'g')::jsonb;
END $f$;

CREATE FUNCTION stele_body(t text) RETURNS jsonb LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$
  SELECT CASE WHEN t ~ '\\u(0000|[dD][89a-fA-F])' THEN stele_body_slow(t) ELSE t::jsonb END
$f$;

-- Every scalar at a path: the value itself, or each element of an array (never object members).
CREATE FUNCTION stele_scalars(x jsonb) RETURNS SETOF jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
  SELECT e FROM jsonb_array_elements(CASE WHEN jsonb_typeof(x) = 'array' THEN x ELSE jsonb_build_array(x) END) AS e
  WHERE jsonb_typeof(e) IN ('string', 'number', 'boolean')
$f$;

CREATE FUNCTION stele_jexists(x jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
  SELECT CASE jsonb_typeof(x) WHEN 'null' THEN false
    WHEN 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements(x) AS e WHERE jsonb_typeof(e) <> 'null')
    ELSE x IS NOT NULL END
$f$;

-- A JSON number's text as JavaScript writes it, for the numbers JSON.stringify writes plainly.
CREATE FUNCTION stele_number_text(n numeric) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$
  SELECT CASE WHEN abs(n) >= 1e21 OR (n <> 0 AND abs(n) < 1e-6) THEN (n::double precision)::text ELSE n::text END
$f$;

CREATE FUNCTION stele_jtext(v jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
  SELECT CASE jsonb_typeof(v) WHEN 'string' THEN v #>> '{}' WHEN 'boolean' THEN v #>> '{}'
    WHEN 'number' THEN stele_number_text((v #>> '{}')::numeric) END
$f$;

CREATE FUNCTION stele_jstring(v jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
  SELECT CASE WHEN jsonb_typeof(v) = 'string' THEN v #>> '{}' END
$f$;

CREATE FUNCTION stele_jnumber(v jsonb) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
  SELECT CASE jsonb_typeof(v) WHEN 'number' THEN (v #>> '{}')::double precision
    WHEN 'string' THEN stele_decimal(v #>> '{}') END
$f$;

CREATE FUNCTION stele_jtime(v jsonb) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
  SELECT CASE WHEN jsonb_typeof(v) = 'string' THEN stele_time(v #>> '{}') END
$f$;

CREATE FUNCTION stele_jip(v jsonb) RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
  SELECT CASE WHEN jsonb_typeof(v) = 'string' THEN stele_ip(v #>> '{}') END
$f$;

-- ASCII-only case folding, the reference semantics of case-insensitive text search.
CREATE FUNCTION stele_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$
  SELECT translate(t, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
$f$;

-- The text the trigram index covers: message and event.original, folded (the fulltext column,
-- 0206; postgres-fulltext.ts computes the same at insert). Self-contained (only pg_catalog
-- functions): it was first an index expression, evaluated outside the store's search_path.
CREATE FUNCTION stele_fulltext(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$
  SELECT translate(
    coalesce(CASE WHEN jsonb_typeof(b -> 'message') = 'string' THEN b ->> 'message' END, '') || E'\n' ||
    coalesce(CASE WHEN jsonb_typeof(b #> '{event,original}') = 'string' THEN b #>> '{event,original}' END, ''),
    'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
  FROM (SELECT CASE WHEN t ~ '\\u(0000|[dD][89a-fA-F])'
    THEN regexp_replace(replace(t, '\u0000', '\ufffd'), '\\u[dD][89a-fA-F][0-9a-fA-F]{2}', '\ufffd', 'g')::jsonb
    ELSE t::jsonb END AS b) AS s
$f$;
`;

export const POSTGRES_MIGRATIONS: readonly PgMigration[] = [
  {
    name: '0001-functions',
    sql: IP_FUNCTIONS + TIME_FUNCTIONS + JSON_FUNCTIONS,
  },
  {
    // Events are partitioned by month of @timestamp (postgres-partitions.ts creates them); a
    // DEFAULT partition takes timestamps outside the managed years. Text columns use the "C"
    // collation: byte order = code point order, and LIKE prefixes can use the B-tree indexes.
    name: '0002-events-ledger-keys',
    sql: `
  CREATE TABLE events (
    seq          bigint NOT NULL,          -- stele.seq, the ledger index
    ts           bigint NOT NULL,          -- @timestamp, epoch ms (the partition key)
    received     bigint NOT NULL,
    source       text COLLATE "C" NOT NULL,
    action       text COLLATE "C",
    outcome      text COLLATE "C",
    user_name    text COLLATE "C",
    host_name    text COLLATE "C",
    source_ip    bytea,                    -- 16-byte comparable form, so CIDR is a range
    dataset      text COLLATE "C",
    session_id   text COLLATE "C",
    producer_id  text COLLATE "C",
    producer_seq bigint,
    leaf         bytea NOT NULL,
    seed         bytea,
    body         text,                     -- event JSON without the columns' fields (row-codec.ts)
    erased       text,                     -- commitments of erased values (JSON), after erasure
    raw_columns  text,                     -- exact column values (JSON) when one holds U+0000
    PRIMARY KEY (seq, ts)
  ) PARTITION BY RANGE (ts);
  CREATE TABLE events_default PARTITION OF events DEFAULT;
  CREATE INDEX events_ts ON events (ts, seq);
  CREATE INDEX events_user_ts ON events (user_name, ts) WHERE user_name IS NOT NULL;
  CREATE INDEX events_action_ts ON events (action, ts) WHERE action IS NOT NULL;
  CREATE INDEX events_outcome_ts ON events (outcome, ts) WHERE outcome IS NOT NULL;
  CREATE INDEX events_host_ts ON events (host_name, ts) WHERE host_name IS NOT NULL;
  CREATE INDEX events_ip_ts ON events (source_ip, ts) WHERE source_ip IS NOT NULL; -- (source_ip, ts, seq) since 0208

  -- Unique keys must include the partition key, so producer dedupe has its own global table.
  CREATE TABLE producer_seqs (
    producer_id  text COLLATE "C" NOT NULL,
    producer_seq bigint NOT NULL,
    seq          bigint NOT NULL,
    PRIMARY KEY (producer_id, producer_seq)
  );

  -- One row: the ledger size and tree frontier. Every append locks it and checks that the batch
  -- starts at size, which keeps seqs unique and gapless across partitions and across nodes.
  CREATE TABLE ledger_state (
    id       int PRIMARY KEY CHECK (id = 1),
    size     bigint NOT NULL,
    frontier text
  );
  INSERT INTO ledger_state (id, size, frontier) VALUES (1, 0, NULL);

  CREATE TABLE ledger_nodes (
    level int NOT NULL,
    idx   bigint NOT NULL,
    hash  bytea NOT NULL,
    PRIMARY KEY (level, idx)
  );
  CREATE TABLE checkpoints (
    size    bigint PRIMARY KEY,
    root    bytea NOT NULL,
    note    text NOT NULL,
    created bigint NOT NULL
  );
  CREATE TABLE producers (
    id       text COLLATE "C" PRIMARY KEY,
    last_seq bigint NOT NULL,
    gaps     bigint NOT NULL,
    events   bigint NOT NULL
  );
  CREATE TABLE api_keys (
    id      text PRIMARY KEY,
    name    text NOT NULL,
    scopes  text NOT NULL,
    hash    text NOT NULL,
    created bigint NOT NULL,
    revoked bigint
  );
  CREATE TABLE meta (
    key   text PRIMARY KEY,
    value text NOT NULL
  );
  `,
  },
  {
    // Several nodes (src/cluster/): the sequencer lease, for visibility (the advisory lock is the
    // lease itself), and the inbox through which other nodes hand validated events to it.
    name: '0003-cluster',
    sql: `
  CREATE TABLE sequencer_lease (
    id        int PRIMARY KEY CHECK (id = 1),
    holder    text NOT NULL,
    address   text,
    acquired  bigint NOT NULL,
    heartbeat bigint NOT NULL
  );
  CREATE TABLE inbox (
    id         bigserial PRIMARY KEY,
    node       text NOT NULL,
    source     text NOT NULL,
    candidates text NOT NULL,             -- JSON array of { index, event, ts }
    created    bigint NOT NULL
  );
  CREATE TABLE inbox_results (
    id      bigint PRIMARY KEY,           -- the inbox id
    result  text NOT NULL,                -- JSON { accepted, duplicates }
    created bigint NOT NULL
  );
  `,
  },
  {
    // Detection (docs/detection.md): alerts, their events, suppressions, the sink outbox with its
    // dead letters, and first-seen keys. The detection cursor is meta 'detect_cursor'.
    name: '0100-detection-alerts',
    sql: `
  CREATE TABLE alerts (
    id        bigserial PRIMARY KEY,
    rule_id   text,
    rule_key  text COLLATE "C" NOT NULL,
    title     text NOT NULL,
    level     text,
    group_key text COLLATE "C" NOT NULL,
    grp       text,
    status    text NOT NULL,
    count     bigint NOT NULL,
    first_seq bigint NOT NULL,
    last_seq  bigint NOT NULL,
    first_ts  bigint NOT NULL,
    last_ts   bigint NOT NULL,
    created   bigint NOT NULL,
    updated   bigint NOT NULL
  );
  CREATE INDEX alerts_dedup ON alerts (rule_key, group_key, id);
  CREATE INDEX alerts_updated ON alerts (updated);
  CREATE TABLE alert_events (
    alert_id bigint NOT NULL,
    seq      bigint NOT NULL,
    PRIMARY KEY (alert_id, seq)
  );
  CREATE TABLE alert_suppressions (
    rule_key  text NOT NULL,
    group_key text,
    until     bigint NOT NULL,
    reason    text NOT NULL,
    created   bigint NOT NULL
  );
  CREATE TABLE alert_outbox (
    id           bigserial PRIMARY KEY,
    alert_id     bigint NOT NULL,
    sink         text NOT NULL,
    attempts     int NOT NULL,
    next_attempt bigint NOT NULL,
    delivered    bigint,
    last_error   text
  );
  CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt) WHERE delivered IS NULL;
  CREATE TABLE alert_dead_letters (
    id         bigint PRIMARY KEY,
    alert_id   bigint NOT NULL,
    sink       text NOT NULL,
    attempts   int NOT NULL,
    last_error text,
    created    bigint NOT NULL
  );
  CREATE TABLE detect_seen (key text COLLATE "C" PRIMARY KEY);
  `,
  },
  {
    // Inclusion proofs: interior nodes are kept every 4th level instead of every 8th (ledger.ts
    // STORED_LEVEL_STRIDE). Adds levels 4, 12, 20, ... for the entries already stored, each from
    // the nodes four levels below it, hashed pairwise (RFC 9162 node hash: SHA-256(0x01 || l || r)).
    name: NODE_LEVELS_MIGRATION,
    sql: `
  INSERT INTO ledger_nodes (level, idx, hash)
  WITH
    l1 AS (SELECT seq / 2 AS idx, sha256(decode('01', 'hex') || string_agg(leaf, ''::bytea ORDER BY seq)) AS hash
             FROM events GROUP BY seq / 2 HAVING count(*) = 2),
    l2 AS (SELECT idx / 2 AS idx, sha256(decode('01', 'hex') || string_agg(hash, ''::bytea ORDER BY idx)) AS hash
             FROM l1 GROUP BY idx / 2 HAVING count(*) = 2),
    l3 AS (SELECT idx / 2 AS idx, sha256(decode('01', 'hex') || string_agg(hash, ''::bytea ORDER BY idx)) AS hash
             FROM l2 GROUP BY idx / 2 HAVING count(*) = 2),
    l4 AS (SELECT idx / 2 AS idx, sha256(decode('01', 'hex') || string_agg(hash, ''::bytea ORDER BY idx)) AS hash
             FROM l3 GROUP BY idx / 2 HAVING count(*) = 2)
  SELECT 4, idx, hash FROM l4;

  INSERT INTO ledger_nodes (level, idx, hash)
  WITH
    u1 AS (SELECT level, idx / 2 AS idx, sha256(decode('01', 'hex') || string_agg(hash, ''::bytea ORDER BY idx)) AS hash
             FROM ledger_nodes WHERE level % 8 = 0 GROUP BY level, idx / 2 HAVING count(*) = 2),
    u2 AS (SELECT level, idx / 2 AS idx, sha256(decode('01', 'hex') || string_agg(hash, ''::bytea ORDER BY idx)) AS hash
             FROM u1 GROUP BY level, idx / 2 HAVING count(*) = 2),
    u3 AS (SELECT level, idx / 2 AS idx, sha256(decode('01', 'hex') || string_agg(hash, ''::bytea ORDER BY idx)) AS hash
             FROM u2 GROUP BY level, idx / 2 HAVING count(*) = 2),
    u4 AS (SELECT level, idx / 2 AS idx, sha256(decode('01', 'hex') || string_agg(hash, ''::bytea ORDER BY idx)) AS hash
             FROM u3 GROUP BY level, idx / 2 HAVING count(*) = 2)
  SELECT level + 4, idx, hash FROM u4;
  `,
  },
  {
    // Counts and pages of a dataset (alone, with an outcome, or in a time range) need only this
    // index (an index-only scan), not a heap fetch per event of the other condition.
    name: '0201-search-dataset-ts-outcome-index',
    sql: 'CREATE INDEX events_dataset_ts_outcome ON events (dataset, ts, outcome) WHERE dataset IS NOT NULL',
  },
  {
    // Retention (compliance/retention.ts): seq ranges whose bodies were removed, each with the seq of
    // the ledger event that records it. Verification accepts a missing body only inside one.
    name: '0300-retention-expired',
    sql: `
  CREATE TABLE retention_expired (
    first   bigint PRIMARY KEY,
    last    bigint NOT NULL,
    record  bigint NOT NULL,            -- seq of the stele.retention event listing the range
    expired bigint NOT NULL
  );
  `,
  },
  {
    // Hourly counts of live events, as on SQLite (aggregate-sql.ts COUNT_TABLES, docs/search.md
    // "Hourly counts"). The writer adds each batch's counts (insertEvents); a row trigger moves an
    // event's count when erasure changes its columns and removes it when retention removes its
    // body. A count that falls to zero keeps its row (readers skip it): deleting it would need a
    // second lookup.
    name: '0202-search-event-counts',
    sql:
      pgCountTableSql(countTable('event_counts'), ['user_name', 'hour']) +
      pgCountTableSql(countTable('action_counts')),
  },
  {
    // The text the trigram index covers, as a column filled at insert (postgres-fulltext.ts)
    // instead of an index on stele_fulltext(body), which parsed every body into jsonb twice per
    // insert. An update that changes the body (erasure, retention) recomputes it here, so erased
    // text leaves the index too. The index itself follows (FULL_TEXT_INDEX) when pg_trgm exists.
    name: '0206-fulltext-column',
    sql: `
  ALTER TABLE events ADD COLUMN fulltext text;
  UPDATE events SET fulltext = stele_fulltext(body) WHERE body IS NOT NULL;
  DROP INDEX IF EXISTS events_fulltext;
  CREATE FUNCTION events_fulltext_update() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $f$
  BEGIN
    NEW.fulltext := CASE WHEN NEW.body IS NULL THEN NULL ELSE stele_fulltext(NEW.body) END;
    RETURN NEW;
  END $f$;
  CREATE TRIGGER events_fulltext_update BEFORE UPDATE OF body ON events
    FOR EACH ROW EXECUTE FUNCTION events_fulltext_update();
  `,
  },
  {
    // A page of a CIDR block reads one index-ordered page per address (blockSearchSql in
    // postgres-store.ts). On (source_ip, ts) each entry was fetched from the heap for its seq, the
    // page's tiebreak and its key; with seq in the index the page is an index-only scan. Building it
    // reads every partition once, under a lock that holds back writes: plan for it on a large
    // database (docs/postgresql.md).
    name: '0208-events-ip-ts-seq-index',
    sql: `
  CREATE INDEX events_ip_ts_seq ON events (source_ip, ts, seq) WHERE source_ip IS NOT NULL;
  DROP INDEX events_ip_ts;
  `,
  },
];

/** A count table by its name. */
function countTable(name: string): CountTable {
  return COUNT_TABLES.find((t) => t.table === name)!;
}

/** One hourly count table, its NULL-safe unique key, filled from the live events, and its trigger. */
function pgCountTableSql(t: CountTable, extraIndex?: string[]): string {
  const columns = Object.values(t.columns);
  const keyColumns = [...columns.filter((c) => c !== 'dataset'), 'dataset', 'hour'];
  const upsert = (row: 'OLD' | 'NEW', delta: 1 | -1) =>
    `INSERT INTO ${t.table} AS c (hour, ${columns.join(', ')}, n)
        VALUES (${countHourSql(`${row}.ts`)}, ${columns.map((c) => `${row}.${c}`).join(', ')}, ${delta})
        ON CONFLICT ON CONSTRAINT ${t.table}_key DO UPDATE SET n = c.n + (${delta});`;
  const rest = columns.filter((c) => !extraIndex?.includes(c));
  return `
  CREATE TABLE ${t.table} (
    hour bigint NOT NULL,               -- floor(ts / 3,600,000)
    ${columns.map((c) => `${c} text,`).join('\n    ')}
    n    bigint NOT NULL,
    CONSTRAINT ${t.table}_key UNIQUE NULLS NOT DISTINCT (${keyColumns.join(', ')}) INCLUDE (n)
  );
  ${extraIndex ? `CREATE INDEX ${t.table}_by_${extraIndex[0]} ON ${t.table} (${extraIndex.join(', ')}) INCLUDE (${[...rest, 'n'].join(', ')});` : ''}
  ${countBackfillSql(t)}
  CREATE FUNCTION ${t.table}_change() RETURNS trigger LANGUAGE plpgsql AS $f$
  BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.body IS NOT NULL THEN
      ${upsert('OLD', -1)}
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.body IS NOT NULL THEN
      ${upsert('NEW', 1)}
    END IF;
    RETURN NULL;
  END $f$;
  CREATE TRIGGER ${t.table}_update AFTER UPDATE OF body, ${columns.join(', ')} ON events
    FOR EACH ROW EXECUTE FUNCTION ${t.table}_change();
  CREATE TRIGGER ${t.table}_delete AFTER DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION ${t.table}_change();
  `;
}

/**
 * The migration name recorded once the trigram index exists. ('0004-fulltext' was the index on the
 * expression stele_fulltext(body), which 0206-fulltext-column drops.)
 */
export const FULL_TEXT_INDEX = '0207-fulltext-index';

/** Needs pg_trgm; applied only when the extension is available (postgres-store.ts). */
export function fullTextIndexSql(trgmSchema: string): string {
  return `CREATE INDEX IF NOT EXISTS events_fulltext ON events USING gin (fulltext "${trgmSchema}".gin_trgm_ops)`;
}
