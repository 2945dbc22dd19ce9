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
import type { AppendBatch, EventContent, ProducerState, Store } from '../store/store.js';
import { newGaps, trackProducer, type GapListener, type ProducerGap } from '../ingest/producers.js';

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
  /** Called after each durable commit with the stored events (live detection). */
  onCommit?: (events: readonly EventContent[]) => void;
  onCheckpoint?: (note: string) => void;
  /** A committed batch skipped producer sequence numbers (the node then records a stele event). */
  onGap?: GapListener;
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

/** A batch sealed and waiting for (or under) its write. */
interface Sealed {
  taken: Request[];
  results: AdmitResult[];
  /** Producer keys admitted in it. */
  keys: string[];
  started: number;
  batch: AppendBatch;
  commit: () => void;
  /** Producer sequence numbers this batch skips, reported once it is committed. */
  gaps: ProducerGap[];
}

export class Sequencer {
  private local: Request[] = [];
  private localEvents = 0;
  private running = true;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private writer: LedgerWriter;
  private readonly producers = new Map<string, ProducerState>();
  private lastPurge = 0;
  /** The write in flight (resolves after its requests are answered). */
  private pending: Promise<void> | undefined;
  /** Inbox requests and producer keys in batches sealed but not yet written. */
  private readonly inflightIds = new Set<number>();
  private readonly inflightKeys = new Map<string, number>();

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
    await this.settle().catch(() => undefined);
  }

  /** After a failure: nothing is in flight any more; the writer and producers come from the store. */
  private async reload(): Promise<void> {
    // A batch sealed but never written must not count as in flight (its keys are not stored).
    this.inflightIds.clear();
    this.inflightKeys.clear();
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

  /**
   * One batch, or a due checkpoint; false when there was nothing to do. Two stages overlap: the next
   * batch is deduplicated and sealed (leaf hashes on the hasher thread) while the previous one is
   * being written; writes stay in seal order, and when one fails the batch sealed after it is
   * refused too (it may have been deduplicated against events that were never stored).
   */
  private async step(): Promise<boolean> {
    const taken = await this.take().catch(async (err: unknown) => {
      await this.settle().catch(() => undefined);
      throw err;
    });
    if (taken.length === 0) {
      if (this.pending) {
        await this.settle();
        return true;
      }
      await this.maintenance();
      return false;
    }
    let sealed: Sealed;
    try {
      sealed = await this.prepare(taken);
    } catch (err) {
      this.fail(taken, err);
      await this.settle().catch(() => undefined);
      throw err;
    }
    try {
      await this.settle();
    } catch (err) {
      this.writer.abandon();
      this.fail(taken, err);
      throw err;
    }
    const write = this.write(sealed);
    write.catch(() => undefined); // awaited by settle(); never left unhandled
    this.pending = write;
    return true;
  }

  /** This node's queued requests, then the oldest inbox requests not already in flight. */
  private async take(): Promise<Request[]> {
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
        for (const row of await this.options.inbox.peek(INBOX_ROWS_PER_BATCH, [...this.inflightIds])) {
          const candidates = JSON.parse(row.candidates) as Candidate[];
          if (n > 0 && n + candidates.length > max) break;
          taken.push({ candidates, source: row.source, inboxId: row.id });
          n += candidates.length;
        }
      }
    } catch (err) {
      this.fail(taken, err);
      throw err;
    }
    return taken;
  }

  /** Waits for the batch being written; throws if its write failed. */
  private async settle(): Promise<void> {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) await pending;
  }

  private fail(taken: Request[], err: unknown): void {
    this.options.metrics.commitFailed();
    const reason =
      err instanceof SteleError && err.code === 'unavailable'
        ? err
        : new SteleError('unavailable', `commit failed, retry: ${(err as Error).message}`, { cause: err });
    for (const r of taken) r.reject?.(reason);
  }

  /** Deduplicates against the store and the batch in flight, assigns seqs and seals the batch. */
  private async prepare(taken: Request[]): Promise<Sealed> {
    const started = performance.now();
    const keys = taken.flatMap((r) =>
      r.candidates.flatMap((c) =>
        c.event.stele?.producer ? [{ id: c.event.stele.producer.id, seq: c.event.stele.producer.seq }] : [],
      ),
    );
    // Taken before the lookup: a batch committing meanwhile is then in one of the two.
    const inflight = new Map(this.inflightKeys);
    const known = await this.options.store.findProducerDuplicates(keys);
    const results = taken.map((): AdmitResult => ({ accepted: [], duplicates: [] }));
    const admitted: AdmittedEvent[] = [];
    const owners: Array<{ result: AdmitResult; index: number }> = [];
    const updates = new Map<string, ProducerState>();
    const inBatch = new Map<string, number>();
    let nextSeq = this.writer.nextSeq;
    taken.forEach((request, r) => {
      for (const c of request.candidates) {
        const producer = c.event.stele?.producer;
        if (producer) {
          const key = `${producer.id}\u0000${producer.seq}`;
          const seen = known.get(key) ?? inflight.get(key) ?? inBatch.get(key);
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
    const sealed = await this.writer.seal(admitted, this.options.clock.now());
    sealed.batch.producers = [...updates.values()];
    const gaps = newGaps(this.producers, updates);
    // Later batches count gaps from here; a failed write reloads the producers from the store.
    for (const [id, state] of updates) this.producers.set(id, state);
    sealed.batch.events.forEach((record, i) =>
      owners[i]!.result.accepted.push({ index: owners[i]!.index, seq: record.seq }),
    );
    for (const [key, seq] of inBatch) this.inflightKeys.set(key, seq);
    for (const r of taken) if (r.inboxId !== undefined) this.inflightIds.add(r.inboxId);
    return { taken, results, keys: [...inBatch.keys()], started, gaps, ...sealed };
  }

  private async write(s: Sealed): Promise<void> {
    const { clock, metrics } = this.options;
    const inboxResults = new Map<number, string>();
    s.taken.forEach((request, r) => {
      if (request.inboxId !== undefined) inboxResults.set(request.inboxId, JSON.stringify(s.results[r]));
    });
    try {
      await this.options.inbox.appendWithResults(s.batch, inboxResults, clock.now());
    } catch (err) {
      this.fail(s.taken, err);
      throw err;
    } finally {
      for (const key of s.keys) this.inflightKeys.delete(key);
      for (const id of inboxResults.keys()) this.inflightIds.delete(id);
    }
    s.commit();
    metrics.committed(
      s.taken.map((req, i) => ({
        source: req.source,
        accepted: s.results[i]!.accepted.length,
        duplicates: s.results[i]!.duplicates.length,
      })),
      performance.now() - s.started,
    );
    if (s.batch.events.length > 0) this.options.onCommit?.(s.batch.events);
    if (s.batch.checkpoint) this.options.onCheckpoint?.(s.batch.checkpoint.note);
    for (const g of s.gaps) this.options.onGap?.(g.id, g.missing, g.lastSeq);
    s.taken.forEach((req, i) => req.resolve?.(s.results[i]!));
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
