// PostgreSQL for tests: the server named by STELE_TEST_PG_URL (default the local one), a fresh
// schema per run, and the skip-or-fail rule: unreachable means skip with a printed reason, except
// when STELE_REQUIRE_PG=1 (.ci/run), where it is a failure.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';

export const PG_URL = process.env.STELE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Undefined when PostgreSQL answers; otherwise why not. Throws when it is required. */
export async function pgUnavailableReason(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  let reason: string | undefined;
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    reason = `PostgreSQL at ${PG_URL.replace(/\/\/[^@]*@/, '//')} is unreachable: ${(err as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
  if (reason && process.env.STELE_REQUIRE_PG === '1') {
    throw new Error(`${reason} (STELE_REQUIRE_PG=1: PostgreSQL tests may not skip)`);
  }
  if (reason) console.warn(`skipping PostgreSQL tests: ${reason}`);
  return reason;
}

/** A schema name no other run uses. */
export function uniqueSchema(prefix = 'stele_test'): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

export function pgUrlWithSchema(schema: string, url = PG_URL): string {
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return u.toString();
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs statements in `schema`, in one transaction, on a connection of their own; the last one's rows. */
export async function pgQuery(
  schema: string,
  steps: ReadonlyArray<readonly [sql: string, params?: unknown[]]>,
): Promise<Array<Record<string, any>>> {
  const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema},public` });
  try {
    await client.connect();
    await client.query('BEGIN');
    let rows: Array<Record<string, any>> = [];
    for (const [sql, params = []] of steps) rows = (await client.query(sql, params)).rows;
    await client.query('COMMIT');
    return rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Makes `to` an exact copy of the Stele tables of `from` (creating it, with Stele's migrations, if
 * needed): the same month partitions, every row. Copying back over the original is a restored backup.
 */
export async function copySchema(from: string, to: string): Promise<void> {
  await (await PostgresStore.open({ url: PG_URL, schema: to, poolSize: 1 })).close();
  const client = new pg.Client({ connectionString: PG_URL });
  try {
    await client.connect();
    await client.query('BEGIN');
    const partitions = await client.query<{ name: string; bound: string }>(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
         JOIN pg_namespace n ON n.oid = p.relnamespace WHERE p.relname = 'events' AND n.nspname = $1`,
      [from],
    );
    for (const p of partitions.rows) {
      await client.query(
        `CREATE TABLE IF NOT EXISTS "${to}"."${p.name}" PARTITION OF "${to}".events ${p.bound}`,
      );
    }
    const tables = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition`,
      [from],
    );
    for (const t of tables.rows) {
      await client.query(`TRUNCATE "${to}"."${t.name}"`);
      await client.query(`INSERT INTO "${to}"."${t.name}" SELECT * FROM "${from}"."${t.name}"`);
    }
    await client.query('COMMIT');
  } finally {
    await client.end().catch(() => undefined);
  }
}
