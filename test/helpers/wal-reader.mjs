// A reader thread for test/wal-guard.test.ts: read transactions of HOLD_MS each, back to back on
// its own connection, as the verifier and live detection read range after range. Two of these keep
// a snapshot open at every moment, until the parent terminates them.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const HOLD_MS = 20;
const db = new Database(workerData.file, { readonly: true });
const newest = db.prepare('SELECT MAX(id) AS m FROM t');
const range = db.prepare('SELECT COUNT(*) AS n, MAX(LENGTH(b)) AS l FROM t WHERE id BETWEEN ? AND ?');
const sleeper = new Int32Array(new SharedArrayBuffer(4));
// Start half a hold apart from the other reader, so that their transactions overlap.
Atomics.wait(sleeper, 0, 0, workerData.offsetMs ?? 0);
parentPort.postMessage('ready');
for (;;) {
  db.exec('BEGIN');
  const m = newest.get().m ?? 0;
  range.get(Math.max(0, m - 5000), m);
  Atomics.wait(sleeper, 0, 0, HOLD_MS);
  db.exec('COMMIT');
}
