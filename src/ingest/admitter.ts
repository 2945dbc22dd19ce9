// Admission with group commit. Requests queue while a transaction is being written; the next
// transaction takes everything queued, so many small concurrent requests share one fsync. A request
// is answered only after the transaction holding its events is durable.

import type { AuditEvent } from '../core/event.js';
import type { Clock } from '../core/clock.js';
import { SteleError } from '../core/errors.js';
import type { AdmittedEvent, LedgerWriter } from '../ledger/ledger.js';

/** Batches sealed and sent to the store but not yet durable; more would only add latency. */
const MAX_IN_FLIGHT = 3;
import type { EventContent, ProducerState, Store } from '../store/store.js';
import { indexedFields } from './fields.js';
import { newGaps, trackProducer, type GapListener } from './producers.js';
import type { IngestMetrics } from './metrics.js';

export interface Candidate {
  /** Position in the sender's request, echoed back in the reply. */
  index: number;
  event: AuditEvent;
  ts: number;
}

export interface AdmitResult {
  accepted: Array<{ index: number; seq: number }>;
  duplicates: Array<{ index: number; seq: number }>;
}

export interface AdmitterOptions {
  store: Store;
  ledger: LedgerWriter;
  clock: Clock;
  metrics: IngestMetrics;
  /** Most events written in one transaction. */
  maxBatchEvents?: number;
  /** A checkpoint is signed at least this often while entries arrive. */
  checkpointIntervalMs?: number;
  /**
   * Called after each durable commit with the stored rows and the admitted events they were
   * encoded from, in the same order (live detection).
   */
  onCommit?: (rows: readonly EventContent[], events: readonly AuditEvent[]) => void;
  /** Called with the signed note after each checkpoint is durably stored (witnesses). Must not throw. */
  onCheckpoint?: (note: string) => void;
  /** A producer skipped `missing` sequence numbers (reported after the commit that showed it). */
  onGap?: GapListener;
}

interface Pending {
  candidates: Candidate[];
  source: string;
  resolve: (result: AdmitResult) => void;
  reject: (err: unknown) => void;
}

export class Admitter {
  private queue: Pending[] = [];
  private queuedEvents = 0;
  private writing: Promise<void> | undefined;
  private closed = false;
  private readonly producers = new Map<string, ProducerState>();
  /** Producer states including batches sealed but not yet written. */
  private producerTip = new Map<string, ProducerState>();
  /** Producer keys of batches sealed but not yet written, with their seqs (dedupe across them). */
  private readonly pendingKeys = new Map<string, number>();
  /** Writes under way, oldest first. */
  private readonly inflight: Array<Promise<void>> = [];
  private failed = false;
  private wake: (() => void) | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly maxBatch: number;
  private readonly interval: number;

  constructor(
    private readonly options: AdmitterOptions,
    producers: ProducerState[],
  ) {
    for (const p of producers) this.producers.set(p.id, { ...p });
    this.producerTip = new Map(this.producers);
    this.maxBatch = options.maxBatchEvents ?? 10_000;
    this.interval = options.checkpointIntervalMs ?? 1000;
    // A quarter of the interval: with checkpoints due after half of it, an entry waits well under
    // one interval for its checkpoint even when events stop arriving.
    this.timer = setInterval(() => this.kick(), Math.max(10, this.interval / 4));
    this.timer.unref();
  }

  /** Events waiting for a transaction (for backpressure: sources stop reading when it is high). */
  get backlog(): number {
    return this.queuedEvents;
  }

  /** Entries durably in the ledger: the seq the next event will get. */
  committedSize(): number {
    return this.options.ledger.size;
  }

  get producerStates(): ReadonlyMap<string, ProducerState> {
    return this.producers;
  }

  submit(candidates: Candidate[], source: string): Promise<AdmitResult> {
    if (this.closed) return Promise.reject(new SteleError('unavailable', 'server is shutting down'));
    if (candidates.length === 0) return Promise.resolve({ accepted: [], duplicates: [] });
    return new Promise((resolve, reject) => {
      this.queue.push({ candidates, source, resolve, reject });
      this.queuedEvents += candidates.length;
      this.wake?.();
      this.kick();
    });
  }

  /** Stops taking requests and waits until everything queued is committed. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    while (this.writing) await this.writing;
    if (this.queue.length > 0) await this.drain();
    await this.writeCheckpointIfDue(0);
  }

  private kick(): void {
    if (this.writing) return;
    this.writing = this.drain().finally(() => {
      this.writing = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.failed) {
        // A write failed: the ones behind it fail too (the store checks the seq), then start over
        // from what is durable.
        await Promise.allSettled(this.inflight);
        this.options.ledger.abandon();
        this.producerTip = new Map(this.producers);
        this.failed = false;
      }
      if (this.queue.length > 0 && this.inflight.length < MAX_IN_FLIGHT) {
        await this.sealAndWrite(this.take());
        continue;
      }
      if (this.inflight.length === 0) break;
      // Wait for the oldest write, or for new requests to seal while it is on its way.
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        void this.inflight[0]!.then(resolve, resolve);
      });
      this.wake = undefined;
    }
    // Half the interval: with the timer firing every half interval too, an entry waits well under
    // one interval for a checkpoint even when events stop arriving.
    if (!this.closed) await this.writeCheckpointIfDue(this.interval / 2);
  }

  /** The next group of requests, up to maxBatch events (at least one request). */
  private take(): Pending[] {
    const taken: Pending[] = [];
    let n = 0;
    while (this.queue.length > 0 && (n === 0 || n + this.queue[0]!.candidates.length <= this.maxBatch)) {
      const p = this.queue.shift()!;
      taken.push(p);
      n += p.candidates.length;
    }
    this.queuedEvents -= n;
    return taken;
  }

  /**
   * Deduplicates and seals a group of requests, then sends it to the store without waiting: the
   * next group is sealed (hashed) while this one is written. Writes complete in order.
   */
  private async sealAndWrite(taken: Pending[]): Promise<void> {
    const { store, ledger, clock, metrics } = this.options;
    const started = performance.now();
    const results = taken.map((): AdmitResult => ({ accepted: [], duplicates: [] }));
    const owners: Array<{ result: AdmitResult; index: number }> = [];
    const producerUpdates = new Map<string, ProducerState>();
    const keys: string[] = [];
    let sealed: Awaited<ReturnType<LedgerWriter['seal']>>;
    const admitted: AdmittedEvent[] = [];
    try {
      const known = await store.findProducerDuplicates(producerKeys(taken));
      let nextSeq = ledger.nextSeq;
      for (const [r, pending] of taken.entries()) {
        for (const c of pending.candidates) {
          const producer = c.event.stele?.producer;
          if (producer) {
            const key = `${producer.id}\u0000${producer.seq}`;
            const seen = known.get(key) ?? this.pendingKeys.get(key);
            if (seen !== undefined) {
              results[r]!.duplicates.push({ index: c.index, seq: seen });
              continue;
            }
            this.pendingKeys.set(key, nextSeq);
            keys.push(key);
            trackProducer(this.producerTip, producerUpdates, producer.id, producer.seq);
          }
          admitted.push({ event: c.event, ts: c.ts, source: pending.source, fields: indexedFields(c.event) });
          owners.push({ result: results[r]!, index: c.index });
          nextSeq++;
        }
      }
      sealed = await ledger.seal(admitted, clock.now());
    } catch (err) {
      for (const key of keys) this.pendingKeys.delete(key);
      metrics.commitFailed();
      for (const p of taken) p.reject(err);
      return;
    }
    sealed.batch.producers = [...producerUpdates.values()];
    for (const [id, state] of producerUpdates) this.producerTip.set(id, state);
    const written = store.append(sealed.batch).then(
      () => {
        sealed.commit();
        const gaps = newGaps(this.producers, producerUpdates);
        for (const [id, state] of producerUpdates) this.producers.set(id, state);
        for (const g of gaps) this.options.onGap?.(g.id, g.missing, g.lastSeq);
        sealed.batch.events.forEach((record, i) =>
          owners[i]!.result.accepted.push({ index: owners[i]!.index, seq: record.seq }),
        );
        metrics.committed(
          taken.map((p, i) => ({
            source: p.source,
            accepted: results[i]!.accepted.length,
            duplicates: results[i]!.duplicates.length,
          })),
          performance.now() - started,
        );
        if (sealed.batch.events.length > 0) {
          this.options.onCommit?.(
            sealed.batch.events,
            admitted.map((a) => a.event),
          );
        }
        if (sealed.batch.checkpoint) this.options.onCheckpoint?.(sealed.batch.checkpoint.note);
        taken.forEach((p, i) => p.resolve(results[i]!));
      },
      (err: unknown) => {
        this.failed = true;
        metrics.commitFailed();
        for (const p of taken) p.reject(err);
      },
    );
    const tracked: Promise<void> = written.finally(() => {
      for (const key of keys) this.pendingKeys.delete(key);
      this.inflight.splice(this.inflight.indexOf(tracked), 1);
    });
    this.inflight.push(tracked);
  }

  private async writeCheckpointIfDue(intervalMs: number): Promise<void> {
    const { ledger, store, clock } = this.options;
    const now = clock.now();
    if (!ledger.checkpointDue(now, intervalMs)) return;
    const sealed = ledger.sealCheckpoint(now);
    if (!sealed) return;
    await store.append(sealed.batch);
    sealed.commit();
    if (sealed.batch.checkpoint) this.options.onCheckpoint?.(sealed.batch.checkpoint.note);
  }
}

function producerKeys(taken: Pending[]): Array<{ id: string; seq: number }> {
  const keys: Array<{ id: string; seq: number }> = [];
  for (const p of taken) {
    for (const c of p.candidates) {
      const producer = c.event.stele?.producer;
      if (producer) keys.push({ id: producer.id, seq: producer.seq });
    }
  }
  return keys;
}
