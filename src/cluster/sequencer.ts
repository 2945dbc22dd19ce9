// The sequencer: runs on the one node holding the lease. It takes this node's own requests and the
// inbox requests of every node, deduplicates them, assigns seqs, extends the tree and writes the
// events, tree nodes, frontier, checkpoint, the removal of the inbox rows and their results in ONE
// transaction: nothing acknowledged is lost, and no seq is assigned twice.

import type { Clock } from '../core/clock.js';
import { SteleError } from '../core/errors.js';
import type { AdmitResult, Candidate } from '../ingest/admitter.js';
import { indexedFields } from '../ingest/fields.js';
import type { IngestMetrics } from '../ingest/metrics.js';
import type { AdmittedEvent, LedgerWriter } from '../ledger/ledger.js';
import type { PgInbox } from '../store/postgres/postgres-cluster.js';
import type { ProducerState, Store } from '../store/store.js';
import { trackProducer } from './producers.js';

export interface SequencerOptions {
  store: Store;
  inbox: PgInbox;
  /** Reopens the ledger writer from the database (after a failed or doubtful commit). */
  reopen: () => Promise<{ writer: LedgerWriter; producers: ProducerState[] }>;
  writer: LedgerWriter;
  producers: ProducerState[];
  clock: Clock;
  metrics: IngestMetrics;
  maxBatchEvents: number;
  checkpointIntervalMs: number;
  /** How often the inbox is looked at when idle. */
  pollMs?: number;
  onCommit?: (firstSeq: number, count: number) => void;
  onCheckpoint?: (note: string) => void;
  onError?: (message: string) => void;
}

/** One request in a batch: this node's own (resolve/reject) or an inbox row (id). */
interface Request {
  candidates: Candidate[];
  source: string;
  inboxId?: number;
  resolve?: (result: AdmitResult) => void;
  reject?: (err: unknown) => void;
}

const INBOX_ROWS_PER_BATCH = 256;

export class Sequencer {
  private local: Request[] = [];
  private localEvents = 0;
  private running = true;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private writer: LedgerWriter;
  private readonly producers = new Map<string, ProducerState>();
  private lastPurge = 0;

  constructor(private readonly options: SequencerOptions) {
    this.writer = options.writer;
    for (const p of options.producers) this.producers.set(p.id, { ...p });
  }

  get size(): number {
    return this.writer.size;
  }

  get backlog(): number {
    return this.localEvents;
  }

  get producerStates(): ReadonlyMap<string, ProducerState> {
    return this.producers;
  }

  get ledgerWriter(): LedgerWriter {
    return this.writer;
  }

  start(): void {
    this.loop = this.run();
  }

  submit(candidates: Candidate[], source: string): Promise<AdmitResult> {
    if (!this.running)
      return Promise.reject(new SteleError('unavailable', 'this node stopped sequencing; retry'));
    return new Promise((resolve, reject) => {
      this.local.push({ candidates, source, resolve, reject });
      this.localEvents += candidates.length;
      this.wake?.();
    });
  }

  /** Stops after the batch in flight; requests still queued here are refused (503, retry). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    const left = this.local.splice(0);
    this.localEvents = 0;
    for (const r of left) r.reject?.(new SteleError('unavailable', 'the sequencer changed; retry'));
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        worked = await this.step();
      } catch (err) {
        this.options.onError?.(`sequencer: ${(err as Error).message}`);
        await this.sleep(200);
        await this.reload();
      }
      if (!worked && this.running) await this.sleep(this.options.pollMs ?? 10);
    }
  }

  private async reload(): Promise<void> {
    try {
      const { writer, producers } = await this.options.reopen();
      this.writer = writer;
      this.producers.clear();
      for (const p of producers) this.producers.set(p.id, { ...p });
    } catch (err) {
      this.options.onError?.(`sequencer: cannot reload the ledger state: ${(err as Error).message}`);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** One batch, or a due checkpoint; false when there was nothing to do. */
  private async step(): Promise<boolean> {
    const max = this.options.maxBatchEvents;
    const taken: Request[] = [];
    let n = 0;
    while (this.local.length > 0 && (n === 0 || n + this.local[0]!.candidates.length <= max)) {
      const r = this.local.shift()!;
      taken.push(r);
      n += r.candidates.length;
    }
    this.localEvents -= n;
    try {
      if (n < max) {
        for (const row of await this.options.inbox.peek(INBOX_ROWS_PER_BATCH)) {
          const candidates = JSON.parse(row.candidates) as Candidate[];
          if (n > 0 && n + candidates.length > max) break;
          taken.push({ candidates, source: row.source, inboxId: row.id });
          n += candidates.length;
        }
      }
      if (taken.length === 0) {
        await this.maintenance();
        return false;
      }
      await this.commit(taken);
      return true;
    } catch (err) {
      this.options.metrics.commitFailed();
      const reason =
        err instanceof SteleError && err.code === 'unavailable'
          ? err
          : new SteleError('unavailable', `commit failed, retry: ${(err as Error).message}`, { cause: err });
      for (const r of taken) r.reject?.(reason);
      throw err;
    }
  }

  private async commit(taken: Request[]): Promise<void> {
    const { store, clock, metrics } = this.options;
    const started = performance.now();
    const keys = taken.flatMap((r) =>
      r.candidates.flatMap((c) =>
        c.event.stele?.producer ? [{ id: c.event.stele.producer.id, seq: c.event.stele.producer.seq }] : [],
      ),
    );
    const known = await store.findProducerDuplicates(keys);
    const results = taken.map((): AdmitResult => ({ accepted: [], duplicates: [] }));
    const admitted: AdmittedEvent[] = [];
    const owners: Array<{ result: AdmitResult; index: number }> = [];
    const updates = new Map<string, ProducerState>();
    const inBatch = new Map<string, number>();
    let nextSeq = this.writer.size;
    taken.forEach((request, r) => {
      for (const c of request.candidates) {
        const producer = c.event.stele?.producer;
        if (producer) {
          const key = `${producer.id}\u0000${producer.seq}`;
          const seen = known.get(key) ?? inBatch.get(key);
          if (seen !== undefined) {
            results[r]!.duplicates.push({ index: c.index, seq: seen });
            continue;
          }
          inBatch.set(key, nextSeq);
          trackProducer(this.producers, updates, producer.id, producer.seq);
        }
        admitted.push({ event: c.event, ts: c.ts, source: request.source, fields: indexedFields(c.event) });
        owners.push({ result: results[r]!, index: c.index });
        nextSeq++;
      }
    });
    const now = clock.now();
    const sealed = await this.writer.seal(admitted, now);
    sealed.batch.producers = [...updates.values()];
    sealed.batch.events.forEach((record, i) =>
      owners[i]!.result.accepted.push({ index: owners[i]!.index, seq: record.seq }),
    );
    const inboxResults = new Map<number, string>();
    taken.forEach((request, r) => {
      if (request.inboxId !== undefined) inboxResults.set(request.inboxId, JSON.stringify(results[r]));
    });
    await this.options.inbox.appendWithResults(sealed.batch, inboxResults, now);
    sealed.commit();
    for (const [id, state] of updates) this.producers.set(id, state);
    metrics.committed(
      taken.map((req, i) => ({
        source: req.source,
        accepted: results[i]!.accepted.length,
        duplicates: results[i]!.duplicates.length,
      })),
      performance.now() - started,
    );
    const first = sealed.batch.events[0];
    if (first) this.options.onCommit?.(first.seq, sealed.batch.events.length);
    if (sealed.batch.checkpoint) this.options.onCheckpoint?.(sealed.batch.checkpoint.note);
    taken.forEach((req, i) => req.resolve?.(results[i]!));
  }

  /** A checkpoint when one is due, and results nobody collected. */
  private async maintenance(): Promise<void> {
    const now = this.options.clock.now();
    if (this.writer.checkpointDue(now, this.options.checkpointIntervalMs)) {
      const sealed = this.writer.sealCheckpoint(now);
      if (sealed) {
        await this.options.store.append(sealed.batch);
        sealed.commit();
        if (sealed.batch.checkpoint) this.options.onCheckpoint?.(sealed.batch.checkpoint.note);
      }
    }
    if (now - this.lastPurge > 60_000) {
      this.lastPurge = now;
      await this.options.inbox.purgeResults(now - 600_000);
    }
  }
}
