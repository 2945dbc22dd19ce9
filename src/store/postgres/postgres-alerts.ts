// Alerts on PostgreSQL (the Store's detection methods; sqlite-store.ts has the same semantics):
// dedup within a window, the sink outbox with retries and dead letters, first-seen keys, and the
// detection cursor, each detection step in one transaction.

import type {
  AlertDelivery,
  AlertFilter,
  AlertRecord,
  AlertSuppression,
  DeliveryOutcome,
  DetectionCommit,
  NewAlert,
} from '../store.js';
import type pg from 'pg';
import { PgParams } from './postgres-params.js';
import type { PostgresStore } from './postgres-store.js';
import { toAlert, type RawAlertRow } from '../rows.js';

/**
 * First-seen keys are NUL-separated (detect/derived.ts) and PostgreSQL text cannot hold U+0000:
 * they are stored with NUL as `\0` and backslash as `\\`, which is reversible.
 */
function encodeKey(key: string): string {
  return key.split('\\').join('\\\\').split('\u0000').join('\\0');
}

function decodeKey(stored: string): string {
  return stored.replace(/\\(\\|0)/g, (_, c: string) => (c === '0' ? '\u0000' : '\\'));
}

/** A string as it appears inside JSON text. */
function jsonInner(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

export class PostgresAlerts {
  constructor(private readonly store: PostgresStore) {}

  async recordDetections(commit: DetectionCommit): Promise<{ created: number[]; merged: number[] }> {
    let result = { created: [] as number[], merged: [] as number[] };
    await this.store.transaction(async (c) => {
      if (commit.alerts.length > 0) result = await writeAlerts(c, commit);
      if (commit.seen.length > 0) {
        await c.query('INSERT INTO detect_seen (key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [
          commit.seen.map(encodeKey),
        ]);
      }
      await c.query(
        "INSERT INTO meta (key, value) VALUES ('detect_cursor', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [String(commit.cursor)],
      );
    }, 'cannot record detections');
    return result;
  }

  async seenKeys(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await this.store.query<{ key: string }>(
      'SELECT key FROM detect_seen WHERE key = ANY($1::text[])',
      [keys.map(encodeKey)],
    );
    return new Set(rows.map((r) => decodeKey(r.key)));
  }

  async listAlerts(filter: AlertFilter): Promise<AlertRecord[]> {
    const clauses: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (filter.status !== undefined) clauses.push(`status = ${p(filter.status)}`);
    if (filter.rule !== undefined)
      clauses.push(`(rule_key = ${p(filter.rule)} OR title = ${p(filter.rule)})`);
    if (filter.level !== undefined) clauses.push(`level = ${p(filter.level)}`);
    if (filter.since !== undefined) clauses.push(`updated >= ${p(filter.since)}`);
    if (filter.beforeId !== undefined) clauses.push(`id < ${p(filter.beforeId)}`);
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    const rows = await this.store.query<RawAlertRow>(
      `SELECT * FROM alerts ${where} ORDER BY id DESC LIMIT ${p(filter.limit)}`,
      params,
    );
    return rows.map(toAlert);
  }

  async getAlert(id: number): Promise<(AlertRecord & { seqs: number[] }) | undefined> {
    const rows = await this.store.query<RawAlertRow>('SELECT * FROM alerts WHERE id = $1', [id]);
    if (!rows[0]) return undefined;
    const seqs = await this.store.query<{ seq: number }>(
      'SELECT seq FROM alert_events WHERE alert_id = $1 ORDER BY seq LIMIT 10000',
      [id],
    );
    return { ...toAlert(rows[0]), seqs: seqs.map((r) => r.seq) };
  }

  async updateAlertStatus(
    id: number,
    status: AlertRecord['status'],
    now: number,
  ): Promise<AlertRecord | undefined> {
    const rows = await this.store.query<RawAlertRow>(
      'UPDATE alerts SET status = $1, updated = $2 WHERE id = $3 RETURNING *',
      [status, now, id],
    );
    return rows[0] && toAlert(rows[0]);
  }

  async putSuppression(s: AlertSuppression): Promise<void> {
    await this.store.query(
      'INSERT INTO alert_suppressions (rule_key, group_key, until, reason, created) VALUES ($1, $2, $3, $4, $5)',
      [s.ruleKey, s.groupKey, s.until, s.reason, s.created],
    );
  }

  async listSuppressions(now: number): Promise<AlertSuppression[]> {
    return this.store.query<AlertSuppression>(
      `SELECT rule_key AS "ruleKey", group_key AS "groupKey", until, reason, created FROM alert_suppressions
       WHERE until > $1 ORDER BY created`,
      [now],
    );
  }

  async dueDeliveries(now: number, limit: number): Promise<AlertDelivery[]> {
    return this.store.query<AlertDelivery>(
      `SELECT id, alert_id AS "alertId", sink, attempts, next_attempt AS "nextAttempt" FROM alert_outbox
       WHERE delivered IS NULL AND next_attempt <= $1 ORDER BY next_attempt, id LIMIT $2`,
      [now, limit],
    );
  }

  async recordDelivery(o: DeliveryOutcome): Promise<void> {
    await this.store.transaction(async (c) => {
      if (o.delivered) {
        await c.query(
          'UPDATE alert_outbox SET delivered = $1, attempts = $2, last_error = NULL WHERE id = $3',
          [o.now, o.attempts, o.id],
        );
      } else if (o.dead) {
        await c.query(
          `INSERT INTO alert_dead_letters (id, alert_id, sink, attempts, last_error, created)
           SELECT id, alert_id, sink, $1, $2, $3 FROM alert_outbox WHERE id = $4
           ON CONFLICT (id) DO UPDATE SET attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error, created = EXCLUDED.created`,
          [o.attempts, o.error, o.now, o.id],
        );
        await c.query('DELETE FROM alert_outbox WHERE id = $1', [o.id]);
      } else {
        await c.query(
          'UPDATE alert_outbox SET attempts = $1, next_attempt = $2, last_error = $3 WHERE id = $4',
          [o.attempts, o.nextAttempt, o.error, o.id],
        );
      }
    }, 'cannot record a delivery');
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
    await this.store.transaction(async (c) => {
      for (const value of targets) {
        const keys = await c.query<{ key: string }>('SELECT key FROM detect_seen WHERE strpos(key, $1) > 0', [
          encodeKey(value),
        ]);
        for (const { key } of keys.rows) {
          if (!decodeKey(key).split('\u0000').includes(value)) continue;
          seen += (await c.query('DELETE FROM detect_seen WHERE key = $1', [key])).rowCount ?? 0;
        }
        // Group values are JSON inside the text: look for the value as JSON writes it.
        const inner = jsonInner(value);
        const rows = await c.query<{ id: number; grp: string | null; group_key: string }>(
          'SELECT id, grp, group_key FROM alerts WHERE strpos(grp, $1) > 0 OR strpos(group_key, $1) > 0',
          [inner],
        );
        for (const row of rows.rows) {
          await c.query('UPDATE alerts SET grp = $1, group_key = $2 WHERE id = $3', [
            scrubGroup(row.grp),
            scrubKey(row.group_key),
            row.id,
          ]);
          alerts++;
        }
        const sup = await c.query<{ row: string; group_key: string }>(
          'SELECT ctid::text AS row, group_key FROM alert_suppressions WHERE strpos(group_key, $1) > 0',
          [inner],
        );
        for (const row of sup.rows) {
          await c.query('UPDATE alert_suppressions SET group_key = $1 WHERE ctid = $2::tid', [
            scrubKey(row.group_key),
            row.row,
          ]);
        }
      }
    }, 'cannot erase derived personal data');
    return { seen, alerts };
  }

  async listDeadLetters(): Promise<Array<AlertDelivery & { error: string | null; created: number }>> {
    return this.store.query<AlertDelivery & { error: string | null; created: number }>(
      `SELECT id, alert_id AS "alertId", sink, attempts, 0 AS "nextAttempt", last_error AS error, created
       FROM alert_dead_letters ORDER BY id`,
    );
  }
}

/** An alert as the step leaves it: one read from the table, or one the step creates. */
interface OpenAlert {
  /** The table's id; for a new alert, assigned once the step knows how many it creates. */
  id: number;
  lastTs: number;
  /** For a new alert: its row, completed by the alerts merged into it. */
  fresh?: FreshAlert;
  /** For a stored alert: what the step's merges add to it. */
  bump?: { n: number; lastSeq: number };
}

interface FreshAlert {
  alert: NewAlert;
  count: number;
  lastSeq: number;
}

/**
 * A step's alerts in at most six statements however many there are: one round trip per alert
 * took most of a node's time when many events alerted. The latest open alert of every key is read
 * at once; then, in order, each alert merges into the open alert of its key (read, or created
 * earlier in the step) when within the dedup window, or becomes a new one: the same outcome as
 * SqliteDetectionWriter's statement per alert.
 */
async function writeAlerts(
  c: pg.PoolClient,
  commit: DetectionCommit,
): Promise<{ created: number[]; merged: number[] }> {
  const keyOf = (ruleKey: string, groupKey: string) => JSON.stringify([ruleKey, groupKey]);
  const pairs = [...new Map(commit.alerts.map((a) => [keyOf(a.ruleKey, a.groupKey), a])).values()];
  const keys = new PgParams();
  const latest = await c.query<{ id: number; rule_key: string; group_key: string; last_ts: number }>(
    `SELECT DISTINCT ON (a.rule_key, a.group_key) a.id, a.rule_key, a.group_key, a.last_ts
       FROM alerts a JOIN ${keys.unnest([pairs.map((a) => a.ruleKey), 'text[]'], [pairs.map((a) => a.groupKey), 'text[]'])}
         AS k (rule_key, group_key) ON a.rule_key = k.rule_key AND a.group_key = k.group_key
      WHERE a.status <> 'closed'
      ORDER BY a.rule_key, a.group_key, a.id DESC`,
    keys.values,
  );
  const open = new Map<string, OpenAlert>(
    latest.rows.map((r) => [keyOf(r.rule_key, r.group_key), { id: Number(r.id), lastTs: Number(r.last_ts) }]),
  );
  // Merges name their alert (a new one's id comes later), in the order they happen.
  const steps: Array<{ created: boolean; alert: OpenAlert; seq: number }> = [];
  const fresh: OpenAlert[] = [];
  for (const a of commit.alerts) {
    const key = keyOf(a.ruleKey, a.groupKey);
    const prev = open.get(key);
    if (prev && Math.abs(a.ts - prev.lastTs) <= commit.dedupWindowMs) {
      prev.lastTs = Math.max(prev.lastTs, a.ts);
      if (prev.fresh) {
        prev.fresh.count++;
        prev.fresh.lastSeq = a.seq;
      } else {
        prev.bump ??= { n: 0, lastSeq: a.seq };
        prev.bump.n++;
        prev.bump.lastSeq = a.seq;
      }
      steps.push({ created: false, alert: prev, seq: a.seq });
      continue;
    }
    const made: OpenAlert = { id: 0, lastTs: a.ts, fresh: { alert: a, count: 1, lastSeq: a.seq } };
    open.set(key, made);
    fresh.push(made);
    steps.push({ created: true, alert: made, seq: a.seq });
  }
  if (fresh.length > 0) {
    const ids = await c.query<{ id: string }>(
      "SELECT nextval(pg_get_serial_sequence('alerts', 'id')) AS id FROM generate_series(1, $1)",
      [fresh.length],
    );
    fresh.forEach((f, i) => (f.id = Number(ids.rows[i]!.id)));
    const rows = new PgParams();
    const column = (of: (f: OpenAlert, row: FreshAlert) => unknown, type: string): [unknown[], string] => [
      fresh.map((f) => of(f, f.fresh!)),
      type,
    ];
    const values = rows.unnest(
      column((f) => f.id, 'bigint[]'),
      column((_, r) => r.alert.ruleId, 'text[]'),
      column((_, r) => r.alert.ruleKey, 'text[]'),
      column((_, r) => r.alert.title, 'text[]'),
      column((_, r) => r.alert.level, 'text[]'),
      column((_, r) => r.alert.groupKey, 'text[]'),
      column((_, r) => (r.alert.group === null ? null : JSON.stringify(r.alert.group)), 'text[]'),
      column((_, r) => r.count, 'bigint[]'),
      column((_, r) => r.alert.seq, 'bigint[]'),
      column((_, r) => r.lastSeq, 'bigint[]'),
      column((_, r) => r.alert.ts, 'bigint[]'),
      column((f) => f.lastTs, 'bigint[]'),
    );
    const now = rows.bind(commit.now, 'bigint');
    await c.query(
      `INSERT INTO alerts (id, rule_id, rule_key, title, level, group_key, grp, status, count, first_seq, last_seq,
         first_ts, last_ts, created, updated)
       SELECT id, rule_id, rule_key, title, level, group_key, grp, 'open', count, first_seq, last_seq,
         first_ts, last_ts, ${now}, ${now}
         FROM ${values}
           AS x (id, rule_id, rule_key, title, level, group_key, grp, count, first_seq, last_seq, first_ts, last_ts)`,
      rows.values,
    );
    if (commit.sinks.length > 0) {
      const outbox = fresh.flatMap((f) => commit.sinks.map((sink) => [f.id, sink] as const));
      const queued = new PgParams();
      await c.query(
        `INSERT INTO alert_outbox (alert_id, sink, attempts, next_attempt)
         SELECT alert_id, sink, 0, ${queued.bind(commit.now, 'bigint')}
           FROM ${queued.unnest([outbox.map(([id]) => id), 'bigint[]'], [outbox.map(([, sink]) => sink), 'text[]'])}
             AS x (alert_id, sink)`,
        queued.values,
      );
    }
  }
  // From the steps, not `open`: a stored alert merged into and then followed by a new one of its
  // key is no longer there. Its last time is already the greatest of its own and its merges'.
  const bumped = [...new Set(steps.map((step) => step.alert))].filter((a) => a.bump !== undefined);
  if (bumped.length > 0) {
    const update = new PgParams();
    const changes = update.unnest(
      [bumped.map((a) => a.id), 'bigint[]'],
      [bumped.map((a) => a.bump!.n), 'bigint[]'],
      [bumped.map((a) => a.bump!.lastSeq), 'bigint[]'],
      [bumped.map((a) => a.lastTs), 'bigint[]'],
    );
    await c.query(
      `UPDATE alerts a SET count = a.count + u.n, last_seq = u.last_seq, last_ts = GREATEST(a.last_ts, u.last_ts),
         updated = ${update.bind(commit.now, 'bigint')}
         FROM ${changes} AS u (id, n, last_seq, last_ts)
        WHERE a.id = u.id`,
      update.values,
    );
  }
  const links = new PgParams();
  await c.query(
    `INSERT INTO alert_events (alert_id, seq)
     SELECT * FROM ${links.unnest([steps.map((step) => step.alert.id), 'bigint[]'], [steps.map((step) => step.seq), 'bigint[]'])}
     ON CONFLICT DO NOTHING`,
    links.values,
  );
  return {
    created: steps.filter((step) => step.created).map((step) => step.alert.id),
    merged: steps.filter((step) => !step.created).map((step) => step.alert.id),
  };
}
