// Worker thread owning a second connection to the database, used only to write batches.

import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { AppendBatch, DetectionCommit } from '../store.js';
import { SqliteDetectionWriter } from './sqlite-detections.js';
import { configureConnection, SqliteBatchWriter } from './sqlite-writer.js';

const db = new Database((workerData as { file: string }).file);
configureConnection(db);
const writer = new SqliteBatchWriter(db);
let detections: SqliteDetectionWriter | undefined;

type Message =
  | { id: number; batch: AppendBatch }
  | { id: number; detections: DetectionCommit }
  | { id: number; close: true };

/** Structured clone turns Buffers into Uint8Arrays; better-sqlite3 binds those as blobs too. */
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
      return;
    }
    writer.append(msg.batch);
    parentPort!.postMessage({ id: msg.id });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: (err as Error).message });
  }
});
