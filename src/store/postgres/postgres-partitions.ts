// Monthly RANGE partitions of `events` on @timestamp (epoch ms). A partition is created before the
// first event of its month is written (and a few months ahead on a timer), so a write never fails
// for want of one; timestamps outside the managed years go to the DEFAULT partition.

import type pg from 'pg';

/** Years with monthly partitions; anything else lands in events_default. */
export const MANAGED_YEARS = { from: 1970, to: 2200 } as const;

export interface MonthPartition {
  name: string;
  from: number;
  to: number;
}

export function partitionOf(ts: number): MonthPartition | undefined {
  const d = new Date(ts);
  const year = d.getUTCFullYear();
  if (!Number.isFinite(year) || year < MANAGED_YEARS.from || year >= MANAGED_YEARS.to) return undefined;
  const month = d.getUTCMonth();
  return {
    name: `events_y${year}m${String(month + 1).padStart(2, '0')}`,
    from: Date.UTC(year, month, 1),
    to: Date.UTC(year, month + 1, 1),
  };
}

export class PartitionManager {
  private readonly known = new Set<string>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
  ) {}

  /** Learns the partitions that exist already. */
  async load(): Promise<void> {
    const { rows } = await this.pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace
        WHERE p.relname = 'events' AND n.nspname = $1`,
      [this.schema],
    );
    for (const r of rows) this.known.add(r.name);
  }

  /** Creates the partitions of these timestamps that do not exist yet. */
  async ensure(timestamps: Iterable<number>): Promise<void> {
    const missing = new Map<string, MonthPartition>();
    for (const ts of timestamps) {
      const p = partitionOf(ts);
      if (p && !this.known.has(p.name)) missing.set(p.name, p);
    }
    for (const p of missing.values()) await this.create(p);
  }

  /** The current month, `back` months before it and `ahead` after it. */
  async createAround(now: number, back = 1, ahead = 3): Promise<void> {
    const d = new Date(now);
    const months: number[] = [];
    for (let i = -back; i <= ahead; i++) months.push(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + i, 1));
    await this.ensure(months);
  }

  private async create(p: MonthPartition): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Nodes and the migrate command may race to create the same month.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.schema}.events partitions`]);
      await client.query(
        `CREATE TABLE IF NOT EXISTS "${this.schema}"."${p.name}" PARTITION OF "${this.schema}".events FOR VALUES FROM (${p.from}) TO (${p.to})`,
      );
      await client.query('COMMIT');
      this.known.add(p.name);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
