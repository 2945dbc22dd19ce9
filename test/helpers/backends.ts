// The databases the shared end-to-end suites (`test/*.case.ts`) run on: SQLite always, PostgreSQL
// when it is reachable (test/helpers/pg.ts: a schema of its own per run, skip with a printed reason,
// fail instead under STELE_REQUIRE_PG=1). What differs between them for a test (raw SQL an intruder
// would run, copying and rolling back a database) is here, behind one interface.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, it } from 'vitest';
import { openStore, type OpenOptions, type StoreTarget } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import {
  copySchema,
  dropSchema,
  PG_URL,
  pgQuery,
  pgUnavailableReason,
  pgUrlWithSchema,
  uniqueSchema,
} from './pg.js';
import { tempDir } from './server.js';

export type Dialect = 'sqlite' | 'postgres';

/** One SQL statement and its parameters. */
export type Step = readonly [sql: string, params?: unknown[]];

/** One database for a test: a data directory (the ledger key lives there) and, for PostgreSQL, a schema. */
export interface TestBackend {
  readonly dialect: Dialect;
  readonly dataDir: string;
  /** Configuration overrides naming this database (`data`, and `db` on PostgreSQL). */
  readonly target: StoreTarget;
  /** The same for the command line. */
  readonly flags: string[];
  /** Erased or expired values are gone from the database's files too, not only from its rows. */
  readonly overwritesFreedBytes: boolean;
  openStore(options?: OpenOptions): Promise<Store>;
  /** Raw SQL of this dialect with `?` placeholders, in one transaction, behind Stele's back. */
  exec(sql: string, params?: unknown[]): Promise<Array<Record<string, any>>>;
  /** Several statements in one transaction; resolves to the rows of the last. */
  execAll(steps: ReadonlyArray<Step>): Promise<Array<Record<string, any>>>;
  /** SQL expressions of this dialect. */
  readonly sql: {
    /** 32 zero bytes. */
    zeroHash: string;
    /** `column` (JSON text) with the value at `path` replaced by the JSON literal `value`. */
    jsonSet(column: string, path: string[], value: string): string;
    /** A parameter that `CAST(? AS TEXT)` stores as close to these bytes as the database can hold. */
    textBytes(bytes: Buffer): unknown;
    /**
     * Statements an intruder runs first to store event bodies that are not JSON (PostgreSQL's
     * full-text trigger parses every body an update writes, so it refuses them while it exists).
     */
    allowAnyBody: string[];
  };
  /** An independent copy of this database and its key. */
  copy(): Promise<TestBackend>;
  /** Saves the database as it is now; the function returned puts that copy back (a restored backup). */
  snapshot(): Promise<() => Promise<void>>;
  dispose(): Promise<void>;
}

export interface BackendKind {
  readonly dialect: Dialect;
  /** A fresh, empty database. */
  create(): Promise<TestBackend>;
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

function sqliteBackend(dataDir: string): TestBackend {
  const file = path.join(dataDir, 'stele.db');
  return {
    dialect: 'sqlite',
    dataDir,
    target: { data: dataDir },
    flags: ['--data', dataDir],
    overwritesFreedBytes: true,
    openStore: (options) => openStore({ data: dataDir }, options),
    exec(sql, params) {
      return this.execAll([[sql, params]]);
    },
    async execAll(steps) {
      const db = new Database(file);
      try {
        const rows = db.transaction(() => {
          let last: unknown[] = [];
          for (const [sql, params = []] of steps) {
            const stmt = db.prepare(sql);
            last = stmt.reader ? stmt.all(...params) : (stmt.run(...params), []);
          }
          return last;
        })();
        db.pragma('wal_checkpoint(TRUNCATE)');
        return rows as Array<Record<string, any>>;
      } finally {
        db.close();
      }
    },
    sql: {
      zeroHash: 'zeroblob(32)',
      jsonSet: (column, p, value) =>
        `json_set(${column}, ${quote(`$.${p.join('.')}`)}, json(${quote(value)}))`,
      textBytes: (bytes) => bytes,
      allowAnyBody: [],
    },
    async copy() {
      const dir = tempDir('stele-copy-');
      fs.cpSync(dataDir, dir, { recursive: true });
      return sqliteBackend(dir);
    },
    async snapshot() {
      await this.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      const saved = fs.readFileSync(file);
      return async () => {
        fs.writeFileSync(file, saved);
        for (const extra of ['-wal', '-shm']) fs.rmSync(file + extra, { force: true });
      };
    },
    async dispose() {
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(dataDir: string, schema: string): TestBackend {
  /** Saved copies (snapshot), dropped with the backend. */
  const snapshots: string[] = [];
  const db = pgUrlWithSchema(schema);
  return {
    dialect: 'postgres',
    dataDir,
    // The schema as its own setting (db_schema), as a configuration file may give it; the URL for the CLI.
    target: { data: dataDir, db: PG_URL, db_schema: schema },
    flags: ['--db', db, '--data', dataDir],
    overwritesFreedBytes: false,
    openStore(options) {
      return openStore(this.target, options);
    },
    exec(sql, params) {
      return this.execAll([[sql, params]]);
    },
    execAll(steps) {
      const numbered = steps.map(([sql, params = []]): Step => {
        let n = 0;
        return [sql.replace(/\?/g, () => `$${++n}`), params];
      });
      return pgQuery(schema, numbered);
    },
    sql: {
      zeroHash: "decode(repeat('00', 32), 'hex')",
      jsonSet: (column, p, value) =>
        `jsonb_set(${column}::jsonb, ${quote(`{${p.join(',')}}`)}, ${quote(value)}::jsonb)::text`,
      // PostgreSQL text holds neither U+0000 nor invalid UTF-8: an intruder gets the nearest text.
      textBytes: (bytes) => bytes.toString('utf8').replaceAll('\u0000', '\ufffd'),
      allowAnyBody: [
        'DROP INDEX IF EXISTS events_fulltext',
        'DROP TRIGGER IF EXISTS events_fulltext_update ON events',
      ],
    },
    async copy() {
      const dir = tempDir('stele-copy-');
      fs.cpSync(dataDir, dir, { recursive: true });
      const to = uniqueSchema();
      await copySchema(schema, to);
      return postgresBackend(dir, to);
    },
    async snapshot() {
      const saved = uniqueSchema('stele_snap');
      snapshots.push(saved);
      await copySchema(schema, saved);
      return () => copySchema(saved, schema);
    },
    async dispose() {
      fs.rmSync(dataDir, { recursive: true, force: true });
      for (const s of [schema, ...snapshots]) await dropSchema(s);
    },
  };
}

const SQLITE: BackendKind = {
  dialect: 'sqlite',
  create: async () => sqliteBackend(tempDir('stele-sqlite-')),
};

const POSTGRES: BackendKind = {
  dialect: 'postgres',
  create: async () => postgresBackend(tempDir('stele-pg-'), uniqueSchema()),
};

/**
 * Registers `suite` once per database: SQLite, and PostgreSQL when it answers (else a skipped
 * `describe` that names why). Call at the top level of a test file, with await.
 */
export async function forEachBackend(title: string, suite: (kind: BackendKind) => void): Promise<void> {
  describe(`${title}: sqlite`, () => suite(SQLITE));
  const unavailable = await pgUnavailableReason();
  if (unavailable) {
    describe.skip(`${title}: postgres (${unavailable})`, () => {
      it('skipped', () => undefined);
    });
  } else {
    describe(`${title}: postgres`, () => suite(POSTGRES));
  }
}
