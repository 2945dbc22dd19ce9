// The SQL of running several nodes on one PostgreSQL (src/cluster/ holds the logic): the sequencer
// lease, a session-level advisory lock held by a dedicated connection and mirrored in a row for
// visibility, and the inbox through which nodes hand validated events to the sequencer.

import pg from 'pg';
import { SteleError } from '../../core/errors.js';
import type { AppendBatch } from '../store.js';
import { translatePgError } from './postgres-errors.js';
import { pgClientConfig, type PostgresStore } from './postgres-store.js';

export interface LeaseHolder {
  holder: string;
  address: string | null;
  acquired: number;
  heartbeat: number;
}

/**
 * One session holding (or trying to take) the advisory lock. The lock lives as long as the session:
 * when the process dies, or its connection drops, PostgreSQL releases it at once.
 */
export class PgLeaseSession {
  private client: pg.Client | undefined;
  private lost = false;
  private onLost: (() => void) | undefined;

  constructor(private readonly store: PostgresStore) {}

  private lockKey(): string {
    return `${this.store.schema} sequencer`;
  }

  /** Takes the lock if free; true when this session holds it. */
  async tryAcquire(
    holder: string,
    address: string | null,
    now: number,
    onLost: () => void,
  ): Promise<boolean> {
    await this.end();
    const client = new pg.Client({
      ...pgClientConfig(this.store.connection, { statementTimeoutMs: 5000, connectTimeoutMs: 3000 }),
      // The server notices a vanished peer within seconds, and releases the lock.
      options: `-c search_path=${this.store.schema},public -c tcp_keepalives_idle=2 -c tcp_keepalives_interval=1 -c tcp_keepalives_count=3`,
      keepAliveInitialDelayMillis: 1000,
    });
    client.on('error', () => this.markLost());
    client.on('end', () => this.markLost());
    this.client = client;
    this.lost = false;
    try {
      await client.connect();
      const { rows } = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS ok',
        [this.lockKey()],
      );
      if (!rows[0]?.ok) {
        await this.end();
        return false;
      }
      await client.query(
        `INSERT INTO sequencer_lease (id, holder, address, acquired, heartbeat) VALUES (1, $1, $2, $3, $3)
         ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, address = EXCLUDED.address,
           acquired = EXCLUDED.acquired, heartbeat = EXCLUDED.heartbeat`,
        [holder, address, now],
      );
      this.onLost = onLost;
      return true;
    } catch (err) {
      await this.end();
      throw translatePgError(err, 'cannot take the sequencer lease');
    }
  }

  /** Proves the session is alive; a failure means the lease is lost. */
  async heartbeat(holder: string, now: number): Promise<void> {
    if (!this.client || this.lost) throw translatePgError(new Error('Connection terminated'), 'lease');
    try {
      await this.client.query('UPDATE sequencer_lease SET heartbeat = $1 WHERE id = 1 AND holder = $2', [
        now,
        holder,
      ]);
    } catch (err) {
      this.markLost();
      throw translatePgError(err, 'lease heartbeat failed');
    }
  }

  get held(): boolean {
    return this.client !== undefined && !this.lost && this.onLost !== undefined;
  }

  private markLost(): void {
    if (this.lost) return;
    this.lost = true;
    const cb = this.onLost;
    this.onLost = undefined;
    cb?.();
  }

  /** Closes the session, releasing the lock if held. */
  async end(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.onLost = undefined;
    this.lost = true;
    if (client) await client.end().catch(() => undefined);
  }
}

export async function readLease(store: PostgresStore): Promise<LeaseHolder | undefined> {
  const rows = await store.query<LeaseHolder>(
    'SELECT holder, address, acquired, heartbeat FROM sequencer_lease',
  );
  return rows[0];
}

export interface InboxRow {
  id: number;
  source: string;
  candidates: string;
}

/** The inbox: durable hand-over of validated events from any node to the sequencer. */
export class PgInbox {
  constructor(private readonly store: PostgresStore) {}

  async enqueue(node: string, source: string, candidates: string, now: number): Promise<number> {
    const rows = await this.store.query<{ id: number }>(
      'INSERT INTO inbox (node, source, candidates, created) VALUES ($1, $2, $3, $4) RETURNING id',
      [node, source, candidates, now],
    );
    return rows[0]!.id;
  }

  /** Results of sequenced requests among `ids`; each is read once (its row is deleted). */
  async takeResults(ids: number[]): Promise<Map<number, string>> {
    const rows = await this.store.query<{ id: number; result: string }>(
      'DELETE FROM inbox_results WHERE id = ANY($1::bigint[]) RETURNING id, result',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.result]));
  }

  /** Takes a request back before the sequencer does; false when it was already sequenced. */
  async withdraw(id: number): Promise<boolean> {
    const rows = await this.store.query<{ id: number }>('DELETE FROM inbox WHERE id = $1 RETURNING id', [id]);
    return rows.length === 1;
  }

  /** The oldest waiting requests, except those already taken into a batch in flight. */
  async peek(maxRows: number, exclude: number[] = []): Promise<InboxRow[]> {
    return this.store.query<InboxRow>(
      'SELECT id, source, candidates FROM inbox WHERE id <> ALL($2::bigint[]) ORDER BY id LIMIT $1',
      [maxRows, exclude],
    );
  }

  /**
   * Appends a sealed batch and, in the same transaction, removes the inbox requests it holds and
   * stores their results. Fails (nothing written) if any of them was withdrawn meanwhile.
   */
  async appendWithResults(batch: AppendBatch, results: Map<number, string>, now: number): Promise<void> {
    const ids = [...results.keys()];
    await this.store.appendWith(batch, async (c) => {
      if (ids.length === 0) return;
      const deleted = await c.query('DELETE FROM inbox WHERE id = ANY($1::bigint[])', [ids]);
      if (deleted.rowCount !== ids.length) throw new InboxChangedError();
      await c.query(
        'INSERT INTO inbox_results (id, result, created) SELECT id, result, $3 FROM unnest($1::bigint[], $2::text[]) AS r(id, result)',
        [ids, ids.map((id) => results.get(id)!), now],
      );
    });
  }

  /** Results nobody collected (their node died while waiting). */
  async purgeResults(olderThan: number): Promise<void> {
    await this.store.query('DELETE FROM inbox_results WHERE created < $1', [olderThan]);
  }
}

export class InboxChangedError extends SteleError {
  constructor() {
    super(
      'conflict',
      'an inbox request was withdrawn while its batch was being written; the batch is retried',
    );
  }
}
