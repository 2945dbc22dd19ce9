// Worker thread owning a second connection to the database: it writes event batches and live
// detection steps, so their locks and fsyncs never block the request thread. Event batches that
// queued up while the last one was being written go into one transaction: with several batches in
// flight (the admitter seals the next while one is written), each commit costs a WAL write, an fsync
// and a full-text segment flush, more than the events themselves when batches are small.

import Database from 'better-sqlite3';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { DetectionCommit } from '../store.js';
import { unpackBatch, type PackedBatch } from './sqlite-batch-transfer.js';
import { SqliteDetectionWriter } from './sqlite-detections.js';
import { configureConnection, SqliteBatchWriter } from './sqlite-writer.js';
import { WalGuard } from './wal-guard.js';

const { file, maxTransactionEvents } = workerData as { file: string; maxTransactionEvents: number };
const db = new Database(file);
configureConnection(db);
const writer = new SqliteBatchWriter(db);
const wal = new WalGuard(db);
let detections: SqliteDetectionWriter | undefined;

type Message =
  | { id: number; batch: PackedBatch }
  | { id: number; detections: DetectionCommit }
  | { id: number; close: true };

type BatchMessage = Extract<Message, { batch: PackedBatch }>;

/**
 * `first` and the event batches queued right behind it, up to maxTransactionEvents events in all
 * (limits.max_batch_events); the message taken from the queue that did not join them is returned too.
 */
function queuedBatches(first: BatchMessage): { batches: BatchMessage[]; next: Message | undefined } {
  const batches = [first];
  let events = first.batch.rows.seqs.length;
  for (;;) {
    const queued = receiveMessageOnPort(parentPort!) as { message: Message } | undefined;
    if (!queued) return { batches, next: undefined };
    const msg = queued.message;
    if (!('batch' in msg) || events + msg.batch.rows.seqs.length > maxTransactionEvents) {
      return { batches, next: msg };
    }
    events += msg.batch.rows.seqs.length;
    batches.push(msg);
  }
}

function appendBatches(msgs: BatchMessage[]): void {
  const errors = writer.appendAll(msgs.map((m) => unpackBatch(m.batch)));
  msgs.forEach((m, i) => {
    const err = errors[i];
    parentPort!.postMessage(err ? { id: m.id, error: err.message } : { id: m.id });
  });
}

parentPort!.on('message', (first: Message) => {
  let msg: Message | undefined = first;
  while (msg) msg = handle(msg);
});

/** Handles `msg` (with the batches queued behind it); returns a message it took from the queue. */
function handle(msg: Message): Message | undefined {
  if ('batch' in msg) {
    const { batches, next } = queuedBatches(msg);
    appendBatches(batches);
    // After the replies: a checkpoint that waits for readers delays the next message, not these.
    checkpoint();
    return next;
  }
  if ('close' in msg) {
    db.close();
    parentPort!.postMessage({ id: msg.id });
    return undefined;
  }
  try {
    detections ??= new SqliteDetectionWriter(db);
    parentPort!.postMessage({ id: msg.id, result: detections.record(msg.detections) });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: (err as Error).message });
    return undefined;
  }
  checkpoint();
  return undefined;
}

/** A checkpoint that fails is tried again after a later commit; it must not stop the writer. */
function checkpoint(): void {
  try {
    wal.afterCommit();
  } catch (err) {
    const e = err as Error & { code?: string };
    console.error(`stele: WAL checkpoint failed: ${e.message || e.code}`);
  }
}
