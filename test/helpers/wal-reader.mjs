// A reader thread for test/wal-guard.test.ts: short reads back to back on its own connection, as
// the verifier and live detection do, until the parent terminates it.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const db = new Database(workerData.file, { readonly: true });
const newest = db.prepare('SELECT MAX(id) AS m FROM t');
const range = db.prepare('SELECT COUNT(*) AS n, MAX(LENGTH(b)) AS l FROM t WHERE id BETWEEN ? AND ?');
parentPort.postMessage('ready');
for (;;) {
  const m = newest.get().m ?? 0;
  range.get(Math.max(0, m - 5000), m);
}
