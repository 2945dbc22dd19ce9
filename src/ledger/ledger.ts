// The stateful ledger: turns admitted events into entries, extends the RFC 9162 tree, and signs
// checkpoints. One LedgerWriter per database at a time (the sequencer); it keeps the tree frontier in
// memory and persists it with every batch, so a restart resumes exactly where the last commit ended.

import { randomBytes } from 'node:crypto';
import type { AuditEvent, StoredEvent } from '../core/event.js';
import type { Clock } from '../core/clock.js';
import type {
  AppendBatch,
  CheckpointRecord,
  EventRecord,
  IndexedFields,
  StoredNode,
  Store,
} from '../store/store.js';
import { encodeBody } from '../store/row-codec.js';
import { ledgerEntry } from './entry.js';
import { createInlineHasher, type LeafHasher } from './hasher.js';
import { CompactRange } from './merkle.js';
import { formatCheckpoint } from './checkpoint.js';
import { signNote, type SignerKey } from './note.js';

/**
 * Interior levels persisted (4, 8, 12, ...); the others are recomputed from these when a proof needs
 * them, at most 15 stored neighbours per level group (every 8th level meant 255, and 765 hashes for a
 * proof at 10 million entries). Costs one stored node per 16 entries (migration 0400).
 */
export const STORED_LEVEL_STRIDE = 4;

const EMPTY_HASH = Buffer.alloc(0);

export interface LedgerOptions {
  origin: string;
  signer: SignerKey;
  personalFields: readonly string[];
  clock: Clock;
}

/** An event that passed validation and deduplication, waiting for its seq. */
export interface AdmittedEvent {
  event: AuditEvent;
  /** `@timestamp` as epoch milliseconds. */
  ts: number;
  /** Which source or API key sent it (becomes `stele.source`). */
  source: string;
  fields: IndexedFields;
}

export class LedgerWriter {
  /** The tree as durably stored. */
  private range: CompactRange;
  /** The tree after the last sealed batch: batches may be sealed while earlier ones are written. */
  private tip: CompactRange;
  private lastCheckpoint: { size: number; at: number };
  /** The last checkpoint in a sealed batch (written or not): its size and when it was signed. */
  private tipCheckpoint: { size: number; at: number };

  private constructor(
    private readonly options: LedgerOptions,
    private readonly hasher: LeafHasher,
    range: CompactRange,
    lastCheckpoint: CheckpointRecord | undefined,
  ) {
    this.range = range;
    this.tip = range.clone();
    this.lastCheckpoint = { size: lastCheckpoint?.size ?? 0, at: lastCheckpoint?.created ?? 0 };
    this.tipCheckpoint = { ...this.lastCheckpoint };
  }

  static async open(store: Store, options: LedgerOptions, hasher?: LeafHasher): Promise<LedgerWriter> {
    const state = await store.loadLedgerState();
    const range = state.frontier ? CompactRange.fromJSON(state.frontier) : new CompactRange();
    if (range.size !== state.size) {
      throw new Error(`ledger frontier covers ${range.size} entries but the store holds ${state.size}`);
    }
    return new LedgerWriter(
      options,
      hasher ?? createInlineHasher(options.personalFields),
      range,
      await store.latestCheckpoint(),
    );
  }

  /** Entries durably stored. */
  get size(): number {
    return this.range.size;
  }

  /** The seq the next sealed event gets (past batches sealed but not yet written). */
  get nextSeq(): number {
    return this.tip.size;
  }

  /** Forgets every sealed batch not yet committed (their write failed): the tip goes back. */
  abandon(): void {
    this.tip = this.range.clone();
    this.tipCheckpoint = { ...this.lastCheckpoint };
  }

  async close(): Promise<void> {
    await this.hasher.close();
  }

  get origin(): string {
    return this.options.origin;
  }

  /**
   * Assigns seqs to the events, builds their entries and leaf hashes and extends the tree from the
   * tip. Batches are committed in the order they were sealed: `commit()` once the store has the
   * batch, or `abandon()` if a write failed. Seals must not overlap (await one before the next).
   */
  async seal(events: AdmittedEvent[], received: number): Promise<{ batch: AppendBatch; commit: () => void }> {
    const base = this.tip.size;
    const seeds = randomBytes(32 * events.length);
    const records: EventRecord[] = events.map((admitted, i) => {
      // Stele's own fields are assigned here, whatever the sender put in them; they and the
      // indexed fields are stored as columns, the rest of the event as JSON (row-codec.ts).
      const { body, columns } = encodeBody(admitted.event, admitted.ts);
      return {
        seq: base + i,
        ts: admitted.ts,
        received,
        source: admitted.source,
        body,
        leafHash: EMPTY_HASH,
        seed: Buffer.from(seeds.subarray(i * 32, i * 32 + 32)),
        columns,
        fields: admitted.fields,
      };
    });
    const leaves = await this.hasher.hash(records);
    if (this.tip.size !== base) throw new Error('ledger changed while a batch was being sealed');
    const range = this.tip.clone();
    const nodes: StoredNode[] = [];
    const onNode = (id: { level: number; index: number }, hash: Buffer) => {
      if (id.level > 0 && id.level % STORED_LEVEL_STRIDE === 0) nodes.push({ ...id, hash });
    };
    records.forEach((record, i) => {
      record.leafHash = leaves[i]!;
      range.append(record.leafHash, onNode);
    });
    const batch: AppendBatch = { events: records, nodes, frontier: range.toJSON(), producers: [] };
    const checkpoint = this.maybeCheckpoint(range, received);
    if (checkpoint) {
      batch.checkpoint = checkpoint;
      this.tipCheckpoint = { size: checkpoint.size, at: checkpoint.created };
    }
    this.tip = range;
    return {
      batch,
      commit: () => {
        this.range = range;
        if (checkpoint) this.lastCheckpoint = { size: checkpoint.size, at: checkpoint.created };
      },
    };
  }

  /** The ledger entry bytes of a stored event (RFC 8785 JSON with personal data committed). */
  entryFor(event: StoredEvent, seed: Buffer): Buffer {
    return ledgerEntry(event, seed, this.options.personalFields);
  }

  /** True when entries exist that no checkpoint covers yet and the interval has passed. */
  checkpointDue(now: number, intervalMs: number): boolean {
    return this.range.size > this.lastCheckpoint.size && now - this.lastCheckpoint.at >= intervalMs;
  }

  /** A checkpoint-only batch (no events), for when events stopped arriving; only with nothing in flight. */
  sealCheckpoint(now: number): { batch: AppendBatch; commit: () => void } | undefined {
    if (this.range.size === this.lastCheckpoint.size || this.tip.size !== this.range.size) return undefined;
    const checkpoint = this.signCheckpoint(this.range, now);
    return {
      batch: { events: [], nodes: [], frontier: this.range.toJSON(), producers: [], checkpoint },
      commit: () => {
        this.lastCheckpoint = { size: checkpoint.size, at: checkpoint.created };
        this.tipCheckpoint = { ...this.lastCheckpoint };
      },
    };
  }

  private maybeCheckpoint(range: CompactRange, now: number): CheckpointRecord | undefined {
    // Sign with the batch when the last checkpoint is older than half the interval, so the
    // timer-driven path (sealCheckpoint) rarely has to write a batch of its own. A batch that adds
    // nothing (every event in it a producer's duplicate) has nothing new to sign: a second
    // checkpoint of the same size would be refused by the store.
    if (range.size === this.tipCheckpoint.size) return undefined;
    if (now - this.tipCheckpoint.at < CHECKPOINT_BATCH_MS) return undefined;
    return this.signCheckpoint(range, now);
  }

  private signCheckpoint(range: CompactRange, now: number): CheckpointRecord {
    const rootHash = range.root();
    const body = formatCheckpoint({ origin: this.options.origin, size: range.size, rootHash });
    return { size: range.size, rootHash, note: signNote(body, this.options.signer), created: now };
  }
}

/** Minimum spacing of checkpoints signed together with event batches. */
export const CHECKPOINT_BATCH_MS = 250;
