// Writes one live-detection step (alerts, first-seen keys, the cursor) in one transaction. It runs
// on the connection that writes event batches, so in `stele serve` it goes through the writer
// thread: a transaction taken on the request thread would wait there for the write lock (and its
// fsync) while a batch is being committed, stalling every request.

import type Database from 'better-sqlite3';
import type { DetectionCommit } from '../store.js';

export interface DetectionResult {
  created: number[];
  merged: number[];
}

export class SqliteDetectionWriter {
  private readonly latest: Database.Statement;
  private readonly bump: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly link: Database.Statement;
  private readonly enqueue: Database.Statement;
  private readonly seen: Database.Statement;
  private readonly putCursor: Database.Statement;
  private readonly tx: Database.Transaction<(commit: DetectionCommit) => DetectionResult>;

  constructor(db: Database.Database) {
    this.latest = db.prepare(
      "SELECT id, last_ts FROM alerts WHERE rule_key = ? AND group_key = ? AND status != 'closed' ORDER BY id DESC LIMIT 1",
    );
    this.bump = db.prepare(
      'UPDATE alerts SET count = count + 1, last_seq = ?, last_ts = MAX(last_ts, ?), updated = ? WHERE id = ?',
    );
    this.insert = db.prepare(
      `INSERT INTO alerts (rule_id, rule_key, title, level, group_key, grp, status, count, first_seq, last_seq,
         first_ts, last_ts, created, updated) VALUES (?, ?, ?, ?, ?, ?, 'open', 1, ?, ?, ?, ?, ?, ?)`,
    );
    this.link = db.prepare('INSERT OR IGNORE INTO alert_events (alert_id, seq) VALUES (?, ?)');
    this.enqueue = db.prepare(
      'INSERT INTO alert_outbox (alert_id, sink, attempts, next_attempt) VALUES (?, ?, 0, ?)',
    );
    this.seen = db.prepare('INSERT OR IGNORE INTO detect_seen (key) VALUES (?)');
    this.putCursor = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('detect_cursor', ?)");
    this.tx = db.transaction((commit: DetectionCommit) => this.write(commit));
  }

  /** Commits the step; IMMEDIATE because it reads (the alert to merge into) before it writes. */
  record(commit: DetectionCommit): DetectionResult {
    return this.tx.immediate(commit);
  }

  private write(commit: DetectionCommit): DetectionResult {
    const created: number[] = [];
    const merged: number[] = [];
    for (const a of commit.alerts) {
      const prev = this.latest.get(a.ruleKey, a.groupKey) as { id: number; last_ts: number } | undefined;
      if (prev && Math.abs(a.ts - prev.last_ts) <= commit.dedupWindowMs) {
        this.bump.run(a.seq, a.ts, commit.now, prev.id);
        this.link.run(prev.id, a.seq);
        merged.push(prev.id);
        continue;
      }
      const group = a.group === null ? null : JSON.stringify(a.group);
      const { lastInsertRowid } = this.insert.run(
        a.ruleId,
        a.ruleKey,
        a.title,
        a.level,
        a.groupKey,
        group,
        a.seq,
        a.seq,
        a.ts,
        a.ts,
        commit.now,
        commit.now,
      );
      const id = Number(lastInsertRowid);
      this.link.run(id, a.seq);
      for (const sink of commit.sinks) this.enqueue.run(id, sink, commit.now);
      created.push(id);
    }
    for (const key of commit.seen) this.seen.run(key);
    this.putCursor.run(String(commit.cursor));
    return { created, merged };
  }
}
