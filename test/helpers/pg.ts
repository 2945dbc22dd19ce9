// PostgreSQL for tests: the server named by STELE_TEST_PG_URL (default the local one), a fresh
// schema per run, and the skip-or-fail rule: unreachable means skip with a printed reason, except
// when STELE_REQUIRE_PG=1 (.ci/run), where it is a failure.

import { randomBytes } from 'node:crypto';
import pg from 'pg';

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
