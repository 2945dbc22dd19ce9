// Keeps the write-ahead log from growing without bound while readers never pause.
//
// SQLite's automatic checkpoint copies committed pages from the WAL into the database, but it can
// only start the WAL over from its beginning when no reader still uses it. A server always has
// readers: the verifier and live detection read range after range, searches and exports page
// through results, each from its own connection and thread. When those reads overlap without a
// gap, every checkpoint finds one in progress and the WAL only grows (943 MB in a 10-million-event
// benchmark; 776 MB in 20 s in the experiment behind this file), and every page read by every
// connection then searches a larger WAL index. A RESTART checkpoint instead waits, briefly, for the
// readers of older snapshots to finish, which short reads do within milliseconds, and new readers
// read the database file meanwhile; the next commit then writes from the start of the WAL again.

import fs from 'node:fs';
import type Database from 'better-sqlite3';

export interface WalGuardOptions {
  /** WAL size above which a RESTART checkpoint is tried (default 64 MiB). */
  maxBytes?: number;
  /** Least time between two size checks (default 1 s). */
  everyMs?: number;
  /** How long the checkpoint may wait for readers of older snapshots (default 50 ms). */
  waitMs?: number;
  /** The connection's usual busy timeout, restored afterwards (default 5,000 ms). */
  busyTimeoutMs?: number;
}

export interface WalGuardStats {
  restarts: number;
  /** Tries that gave up because a reader kept an older snapshot longer than `waitMs`. */
  busy: number;
}

export class WalGuard {
  readonly stats: WalGuardStats = { restarts: 0, busy: 0 };
  private readonly wal: string;
  private readonly maxBytes: number;
  private readonly everyMs: number;
  private readonly waitMs: number;
  private readonly busyTimeoutMs: number;
  private lastCheck = 0;

  constructor(
    private readonly db: Database.Database,
    options: WalGuardOptions = {},
  ) {
    this.wal = `${db.name}-wal`;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.everyMs = options.everyMs ?? 1000;
    this.waitMs = options.waitMs ?? 50;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    // After the WAL starts over, its file is cut back to this size rather than kept at its peak.
    db.pragma(`journal_size_limit = ${this.maxBytes}`);
  }

  /** Called after a commit, outside any transaction; does nothing most of the time. */
  afterCommit(): void {
    const now = Date.now();
    if (now - this.lastCheck < this.everyMs) return;
    this.lastCheck = now;
    let size: number;
    try {
      size = fs.statSync(this.wal).size;
    } catch {
      return; // no WAL file (yet)
    }
    if (size <= this.maxBytes) return;
    this.db.pragma(`busy_timeout = ${this.waitMs}`);
    try {
      const [result] = this.db.pragma('wal_checkpoint(RESTART)') as Array<{ busy: number }>;
      if (result?.busy) this.stats.busy++;
      else this.stats.restarts++;
    } finally {
      this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    }
  }
}
