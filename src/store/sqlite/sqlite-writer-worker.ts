// Worker thread owning a second connection to the database: it writes event batches and live
// detection steps, so their locks and fsyncs never block the request thread.

import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { DetectionCommit } from '../store.js';
import { unpackBatch, type PackedBatch } from './sqlite-batch-transfer.js';
import { SqliteDetectionWriter } from './sqlite-detections.js';
import { configureConnection, SqliteBatchWriter } from './sqlite-writer.js';
import { WalGuard } from './wal-guard.js';

const db = new Database((workerData as { file: string }).file);
configureConnection(db);
const writer = new SqliteBatchWriter(db);
const wal = new WalGuard(db);
let detections: SqliteDetectionWriter | undefined;

type Message =
  | { id: number; batch: PackedBatch }
  | { id: number; detections: DetectionCommit }
  | { id: number; close: true };

parentPort!.on('message', (msg: Message) => {
  if ('close' in msg) {
    db.close();
    parentPort!.postMessage({ id: msg.id });
    return;
  }
  try {
    if ('detections' in msg) {
      detections ??= new SqliteDetectionWriter(db);
      parentPort!.postMessage({ id: msg.id, result: detections.record(msg.detections) });
    } else {
      writer.append(unpackBatch(msg.batch));
      parentPort!.postMessage({ id: msg.id });
    }
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: (err as Error).message });
    return;
  }
  // After the reply: a checkpoint that waits for readers delays the next message, not this one.
  wal.afterCommit();
});
