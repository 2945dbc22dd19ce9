// SQL functions registered on every SQLite connection that reads events, so SQL reads field values
// exactly as the reference evaluator (query/plan.ts matchesPredicate) does.

import type Database from 'better-sqlite3';
import { ipToComparable } from '../../query/plan.js';
import { parseTime } from '../../query/time.js';

const DECIMAL = /^-?\d+(\.\d+)?$/;

export function registerSqliteFunctions(db: Database.Database): void {
  const deterministic = { deterministic: true };
  // The comparable 16 bytes of an IP held as text (JSON fields), like the source_ip column.
  db.function('stele_ip', deterministic, (ip: unknown) => {
    const hex = typeof ip === 'string' ? ipToComparable(ip) : undefined;
    return hex === undefined ? null : Buffer.from(hex, 'hex');
  });
  db.function('stele_decimal', deterministic, (v: unknown) =>
    typeof v === 'string' && DECIMAL.test(v) ? Number(v) : null,
  );
  db.function('stele_time', deterministic, (v: unknown) =>
    typeof v === 'string' ? (parseTime(v) ?? null) : null,
  );
  // A JSON number's text as JavaScript writes it (the body was written by JSON.stringify).
  db.function('stele_number_text', deterministic, (v: unknown) =>
    typeof v === 'number' || typeof v === 'bigint' ? String(v) : null,
  );
}
