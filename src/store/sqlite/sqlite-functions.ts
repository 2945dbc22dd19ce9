// SQL functions registered on every SQLite connection that reads events, so SQL reads field values
// exactly as the reference evaluator (query/plan.ts matchesPredicate) does; and the RFC 9162 subtree
// hash the migrations use to add stored tree levels.

import type Database from 'better-sqlite3';
import { completeSubtreeHash } from '../../ledger/merkle.js';
import { ipToComparable } from '../../query/plan.js';
import { parseTime } from '../../query/time.js';
import { compactIp, compactIpHex } from './sqlite-ip.js';

const DECIMAL = /^-?\d+(\.\d+)?$/;

export function registerSqliteFunctions(db: Database.Database): void {
  const deterministic = { deterministic: true };
  registerIpFunction(db, true);
  // Migration 0204: a stored 16-byte comparable IP in the compact form (sqlite-ip.ts).
  db.function('stele_compact_ip', deterministic, (ip: unknown) => (Buffer.isBuffer(ip) ? compactIp(ip) : ip));
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
  // stele_subtree_hash(idx, hash): the hash of the complete subtree over a group of 2^k consecutive
  // nodes of one level, given in any order; NULL unless they are exactly one aligned subtree.
  const step = (nodes: TreeNode[], idx: unknown, hash: unknown): void => {
    nodes.push({ idx: Number(idx), hash: hash as Buffer });
  };
  db.aggregate('stele_subtree_hash', {
    deterministic: true,
    start: (): TreeNode[] => [],
    // The typings allow one argument per row; SQLite passes both.
    step: step as unknown as (nodes: TreeNode[], next: TreeNode) => void,
    result: subtreeOf,
  });
}

/**
 * stele_ip(text): the comparable form of an IP held as text (JSON fields), as the source_ip column
 * holds it: compact (sqlite-ip.ts), or the 16 bytes of a data directory not yet migrated to it.
 */
export function registerIpFunction(db: Database.Database, compact: boolean): void {
  db.function('stele_ip', { deterministic: true }, (ip: unknown) => {
    const hex = typeof ip === 'string' ? ipToComparable(ip) : undefined;
    if (hex === undefined) return null;
    return compact ? compactIpHex(hex) : Buffer.from(hex, 'hex');
  });
}

interface TreeNode {
  idx: number;
  hash: Buffer;
}

function subtreeOf(nodes: TreeNode[]): Buffer | null {
  nodes.sort((a, b) => a.idx - b.idx);
  const first = nodes[0]?.idx ?? -1;
  const aligned = first >= 0 && first % nodes.length === 0 && nodes.every((n, i) => n.idx === first + i);
  if (!aligned || !nodes.every((n) => Buffer.isBuffer(n.hash) && n.hash.length === 32)) return null;
  try {
    return completeSubtreeHash(nodes.map((n) => n.hash));
  } catch {
    return null; // not a power of two: not a complete subtree
  }
}
