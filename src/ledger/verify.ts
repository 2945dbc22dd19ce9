// Full verification of the ledger (DESIGN.md "The ledger"): recomputes every entry from the stored
// event, rebuilds the RFC 9162 tree from the recomputed leaves, and checks it against every signed
// checkpoint, the stored tree nodes and frontier, and a checkpoint the caller saved. Stops at the
// first failure and names its index and the reason in one line a person can act on.

import { availableParallelism } from 'node:os';
import { IntegrityError, ValidationError } from '../core/errors.js';
import type { StoreTarget } from '../store/open.js';
import type { CheckpointRecord, EventRow, ExpiredRange, Store } from '../store/store.js';
import { isRetentionStore, rowToEvent } from '../store/store.js';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { CompactRange, nodeRange, type NodeId } from './merkle.js';
import { parseVerifierKey, type VerifierKey } from './note.js';
import { createRowChecker, recomputeLeaf, type CheckedRow, type RowChecker } from './verify-recompute.js';

export interface VerifyOptions {
  /** The key every checkpoint must be signed with (C2SP verifier key text, or parsed). */
  verifierKey: VerifierKey | string;
  /** The ledger's pinned personal-field list: entries were hashed with it. */
  personalFields: readonly string[];
  /** A signed checkpoint note saved earlier: the log must extend it. */
  against?: string;
  onProgress?: (done: number, total: number) => void;
  /** Worker threads reading and recomputing entries; 0 keeps it in this thread. Default: by log size and cores. */
  workers?: number;
  /** Where worker threads open their own read-only connection to the store; without it, no workers. */
  target?: StoreTarget;
  /** Entries read per range. */
  batchSize?: number;
  /** Stops verification between ranges: verifyLedger then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface VerifyReport {
  ok: boolean;
  origin: string;
  /** Entries in the log. */
  size: number;
  /** Entries checked before verification stopped (all of them when ok). */
  verified: number;
  /** Stored checkpoints whose signature and root were checked and matched. */
  checkpoints: number;
  /** Tree size of the latest matching checkpoint. */
  coveredSize: number;
  /** Entries after the latest checkpoint: not covered by a signature yet (not a failure by itself). */
  uncovered: number;
  /** Entries whose event has expired: only their stored leaf hash is in the tree. */
  expired: number;
  /** Root hash (base64) of the tree rebuilt over the `verified` entries. */
  rootHash: string;
  against?: { size: number; ok: boolean };
  /** The first ledger index found bad (or the first that may be, for a failure over a range). */
  firstBadIndex?: number;
  /** Tree size of the checkpoint the failure is about, when it is about one. */
  badCheckpoint?: number;
  /** One line: what is wrong, where, and what it means. */
  reason?: string;
  elapsedMs: number;
}

interface Failure {
  reason: string;
  index?: number | undefined;
  checkpoint?: number | undefined;
}

/** Entries to try around a mismatching entry when looking for where its event came from. */
const MOVE_WINDOW = 256;
/** Logs smaller than this are verified in this thread: starting workers would cost more. */
const WORKER_THRESHOLD = 20_000;

export async function verifyLedger(store: Store, options: VerifyOptions): Promise<VerifyReport> {
  const started = performance.now();
  const key =
    typeof options.verifierKey === 'string'
      ? parseVerifierKey(options.verifierKey.trim())
      : options.verifierKey;
  // Checkpoints first: every checkpoint listed covers rows that exist by the time the state is read.
  const checkpoints = await store.listCheckpoints();
  const state = await store.loadLedgerState();
  const count = options.workers ?? (state.size >= WORKER_THRESHOLD ? defaultWorkers() : 0);
  const checker = createRowChecker(store, options.personalFields, { count, target: options.target });
  const run = new VerificationRun(store, key, options, checkpoints, state.size, checker);
  try {
    await run.execute();
  } finally {
    await checker.close();
  }
  return run.report(performance.now() - started);
}

function defaultWorkers(): number {
  // The calling thread only compares hashes and extends the tree: every core can recompute.
  return Math.min(64, availableParallelism());
}

class VerificationRun {
  private readonly range = new CompactRange();
  private readonly fields: readonly string[];
  private total: number;
  private cpAt = 0;
  private matched = 0;
  private lastGood = 0;
  private expired = 0;
  private against: Checkpoint | undefined;
  private againstOk = false;
  private failure: Failure | undefined;
  /** A leaf mismatch held open until the next checkpoint tells whether the event or the leaf changed. */
  private suspect: number | undefined;
  /** Further mismatches seen while the first one waits: a checkpoint can then no longer tell which. */
  private laterMismatches = 0;
  private storedNodes = new Map<string, Buffer | undefined>();
  /** Every how many levels the store keeps interior nodes (store.storedLevelStride). */
  private stride = 0;
  /** Ranges a retention run expired (docs/compliance.md): the only places a missing body is allowed. */
  private expiredRanges: ExpiredRange[] = [];
  /** The ranges that expired entries fell in, to check against their ledger records at the end. */
  private usedRanges = new Set<ExpiredRange>();

  constructor(
    private readonly store: Store,
    private readonly key: VerifierKey,
    private readonly options: VerifyOptions,
    private readonly checkpoints: CheckpointRecord[],
    size: number,
    private readonly checker: RowChecker,
  ) {
    this.fields = options.personalFields;
    this.total = size;
  }

  async execute(): Promise<void> {
    this.stride = await this.store.storedLevelStride();
    if (this.options.against !== undefined) this.openAgainst(this.options.against);
    if (this.failure) return;
    if (isRetentionStore(this.store)) this.expiredRanges = await this.store.listExpiredRanges();
    this.checkRootsAt(0);
    // Rows that arrive while a live log is verified are checked too, up to the writer's frontier.
    for (let pass = 0; pass < 3 && !this.failure; pass++) {
      await this.scan();
      if (this.failure || !(await this.frontierIsAhead())) break;
    }
    if (this.suspect !== undefined) this.resolveSuspect(undefined);
    if (!this.failure) await this.checkExpiryRecords();
    if (!this.failure) await this.checkEnd();
  }

  /** Each range an expired entry fell in must be listed by an intact stele.retention entry of this log. */
  private async checkExpiryRecords(): Promise<void> {
    for (const range of this.usedRanges) {
      const problem =
        range.record >= this.range.size
          ? `its record (entry ${range.record}) is not in the log`
          : await expiryRecordProblem(this.store, range, this.fields);
      if (problem !== undefined) {
        return this.fail({
          reason: `entry ${range.first}: its event body is missing and the retention range ${range.first}..${range.last} is not backed by the ledger (${problem})`,
          index: range.first,
        });
      }
    }
  }

  private expiredRangeOf(index: number): ExpiredRange | undefined {
    let lo = 0;
    let hi = this.expiredRanges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.expiredRanges[mid]!;
      if (index < r.first) hi = mid - 1;
      else if (index > r.last) lo = mid + 1;
      else return r;
    }
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // The scan

  private async scan(): Promise<void> {
    for await (const { from, to, rows } of this.ranges(this.range.size)) {
      this.options.signal?.throwIfAborted();
      await this.prefetchNodes(to - from);
      for (const row of rows) {
        const verdict = this.check(row);
        if (verdict === 'stop') return;
        if (verdict === 'mismatch') {
          const moved = await this.findMove(row.seq);
          if (moved) return this.fail(moved);
          this.suspect = row.seq;
        }
        const { recomputed } = row;
        this.range.append(recomputed.kind === 'leaf' ? recomputed.leaf : row.leafHash, this.onNode);
        this.checkRootsAt(this.range.size);
        if (this.failure) return;
      }
      this.total = Math.max(this.total, this.range.size);
      this.options.onProgress?.(this.range.size, this.total);
      if (this.range.size < to) {
        // The range came back short: the end of the log, or a gap before the next stored entry.
        // (An entry at exactly the next index arrived meanwhile: execute() scans again.)
        const [next] = await this.store.scanEvents(this.range.size, 1);
        if (next && next.seq > this.range.size) this.check({ ...next, recomputed: { kind: 'expired' } });
        return;
      }
    }
  }

  /** Consecutive ranges of checked rows, a few read and recomputed ahead of the one in hand. */
  private async *ranges(start: number) {
    const size = this.options.batchSize ?? 4096;
    const queue: Array<Promise<{ from: number; to: number; rows: CheckedRow[] }>> = [];
    let next = start;
    for (;;) {
      while (queue.length < this.checker.depth) {
        const from = next;
        const to = (next += size);
        const job = this.checker.read(from, to).then((rows) => ({ from, to, rows }));
        job.catch(() => undefined); // awaited below, or abandoned when verification stops
        queue.push(job);
      }
      yield await queue.shift()!;
    }
  }

  /** Checks one row at the next index; 'mismatch' = its event does not match its stored leaf hash. */
  private check(row: CheckedRow): 'ok' | 'mismatch' | 'stop' {
    const leaf = row.recomputed;
    const index = this.range.size;
    if (row.seq !== index) {
      return this.stop({
        reason: `entry ${index}: missing (the event was deleted; the next stored entry is ${row.seq})`,
        index,
      });
    }
    if (leaf.kind === 'unreadable') return this.stop({ reason: `entry ${index}: ${leaf.reason}`, index });
    if (leaf.kind === 'expired') {
      // A body may be missing only where a retention run recorded, in the ledger, that it removed it.
      const range = this.expiredRangeOf(index);
      if (!range) {
        return this.stop({
          reason: `entry ${index}: its event body is missing but no retention run expired it (deleted or emptied outside retention)`,
          index,
        });
      }
      this.usedRanges.add(range);
      this.expired++;
      return 'ok';
    }
    if (!leaf.leaf.equals(row.leafHash)) {
      if (this.suspect === undefined) return 'mismatch';
      this.laterMismatches++;
    }
    if (this.suspect !== undefined) return 'ok';
    if (!leaf.timeMatches) {
      return this.stop({
        reason: `entry ${index}: its indexed time (ts ${row.ts}) is not its @timestamp: the search index was changed`,
        index,
      });
    }
    return 'ok';
  }

  private stop(failure: Failure): 'stop' {
    // A later problem ends the wait for a checkpoint; the earlier mismatch is what gets reported.
    if (this.suspect !== undefined) this.resolveSuspect(undefined);
    else this.fail(failure);
    return 'stop';
  }

  private fail(failure: Failure): void {
    this.failure ??= failure;
  }

  // ---------------------------------------------------------------------------------------------
  // Signed roots: stored checkpoints and the caller's saved checkpoint

  private openAgainst(note: string): void {
    let opened;
    try {
      opened = openCheckpoint(note, [this.key]);
    } catch (err) {
      if (!(err instanceof IntegrityError)) {
        throw new ValidationError(`--against: ${(err as Error).message}`, { cause: err });
      }
      return this.fail({
        reason: `the saved checkpoint is not signed by the ledger key ${keyName(this.key)} (another log's, or forged)`,
      });
    }
    if (opened.checkpoint.origin !== this.key.name) {
      return this.fail({
        reason: `the saved checkpoint is for log '${opened.checkpoint.origin}', not '${this.key.name}'`,
      });
    }
    this.against = opened.checkpoint;
  }

  /** Checks every stored checkpoint and the saved one of tree size `size` against the rebuilt root. */
  private checkRootsAt(size: number): void {
    while (!this.failure && this.checkpoints[this.cpAt] && this.checkpoints[this.cpAt]!.size <= size) {
      const record = this.checkpoints[this.cpAt++]!;
      if (record.size === size) this.checkCheckpoint(record);
    }
    if (!this.failure && this.against?.size === size) this.checkAgainst(this.against);
  }

  private checkCheckpoint(record: CheckpointRecord): void {
    const signed = this.openStored(record);
    if (typeof signed === 'string') {
      // While a mismatch waits for a trustworthy root, an untrustworthy checkpoint is skipped.
      if (this.suspect === undefined) this.fail({ reason: signed, checkpoint: record.size });
      return;
    }
    const root = this.range.root();
    if (this.suspect !== undefined)
      return this.resolveSuspect(signed.rootHash.equals(root) ? record.size : -1);
    if (!signed.rootHash.equals(root)) {
      return this.fail({
        reason:
          `checkpoint of size ${record.size}: the entries do not reproduce its signed root; an entry in ` +
          `${this.lastGood}..${record.size - 1} was changed, inserted, deleted or reordered`,
        index: this.lastGood,
        checkpoint: record.size,
      });
    }
    this.matched++;
    this.lastGood = record.size;
  }

  /** The signed checkpoint of a stored record, or why it cannot be trusted. */
  private openStored(record: CheckpointRecord): Checkpoint | string {
    const at = `checkpoint of size ${record.size}`;
    let checkpoint;
    try {
      checkpoint = openCheckpoint(record.note, [this.key]).checkpoint;
    } catch (err) {
      if (err instanceof IntegrityError) {
        return `${at}: not signed by the ledger key ${keyName(this.key)} (forged, or re-signed with another key)`;
      }
      if (err instanceof ValidationError) return `${at}: its note is malformed (${err.message})`;
      throw err;
    }
    if (checkpoint.origin !== this.key.name) return `${at}: it is for log '${checkpoint.origin}'`;
    if (checkpoint.size !== record.size || !checkpoint.rootHash.equals(record.rootHash)) {
      return `${at}: its stored size or root differs from its signed note (size ${checkpoint.size})`;
    }
    return checkpoint;
  }

  private checkAgainst(saved: Checkpoint): void {
    const root = this.range.root();
    if (this.suspect !== undefined) return this.resolveSuspect(saved.rootHash.equals(root) ? saved.size : -1);
    if (!saved.rootHash.equals(root)) {
      return this.fail({
        reason:
          `the log does not extend the saved checkpoint of size ${saved.size}: its root at that size ` +
          'differs (the log was rolled back and rewritten, or forked)',
      });
    }
    this.againstOk = true;
  }

  /**
   * Turns the held leaf mismatch into the failure. `confirmedBy` is the size of a signed root that
   * the rebuilt tree reproduces (so only the stored leaf hash changed), -1 for one it does not
   * reproduce (so the event changed), undefined when no signed root came to tell.
   */
  private resolveSuspect(confirmedBy: number | undefined): void {
    const index = this.suspect!;
    this.suspect = undefined;
    const at = `entry ${index}: stored event does not match its leaf hash`;
    if (confirmedBy === undefined || (confirmedBy < 0 && this.laterMismatches > 0)) {
      const why = confirmedBy === undefined ? 'no later checkpoint tells which' : 'later entries differ too';
      this.fail({
        reason: `${at} (edited, a personal value changed, or the leaf hash changed; ${why})`,
        index,
      });
    } else if (confirmedBy < 0) {
      this.fail({ reason: `${at} (edited or a personal value changed)`, index });
    } else {
      this.fail({
        reason: `entry ${index}: its stored leaf hash was changed (the event itself still matches the signed checkpoint of size ${confirmedBy})`,
        index,
      });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Where a mismatching event came from

  /** A mismatching row whose event matches its stored leaf at another index was moved or copied. */
  private async findMove(i: number): Promise<Failure | undefined> {
    const row = (await this.store.getEvent(i))!;
    const from = this.originalIndex(row);
    if (from !== undefined && from > i) {
      return {
        reason: `entry ${i}: holds the event that was entry ${from} (events reordered, or an event deleted before it)`,
        index: i,
      };
    }
    if (from !== undefined) {
      const there = await this.store.getEvent(from);
      if (there?.leafHash.equals(row.leafHash)) {
        return { reason: `entry ${i}: is a copy of entry ${from} (an event duplicated)`, index: i };
      }
      return inserted(from, i);
    }
    const next = await this.store.getEvent(i + 1);
    const shifted = next && recomputeLeaf(next, this.fields, i);
    if (shifted?.kind === 'leaf' && shifted.leaf.equals(next!.leafHash)) return inserted(i, i + 1);
    return undefined;
  }

  private originalIndex(row: EventRow): number | undefined {
    for (let d = 1; d <= MOVE_WINDOW; d++) {
      for (const j of [row.seq + d, row.seq - d]) {
        if (j < 0) continue;
        const leaf = recomputeLeaf(row, this.fields, j);
        if (leaf.kind === 'leaf' && leaf.leaf.equals(row.leafHash)) return j;
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Stored interior nodes

  /** Reads the stored nodes that the next `count` leaves will complete, in one batch. */
  private async prefetchNodes(count: number): Promise<void> {
    const start = this.range.size;
    const end = start + count;
    const ids: NodeId[] = [];
    for (let level = this.stride; 2 ** level <= end; level += this.stride) {
      const width = 2 ** level;
      for (let index = Math.ceil((start + 1) / width) - 1; index < Math.floor(end / width); index++) {
        ids.push({ level, index });
      }
    }
    const hashes = ids.length > 0 ? await this.store.readNodes(ids) : [];
    this.storedNodes = new Map(ids.map((id, i) => [`${id.level}/${id.index}`, hashes[i]]));
  }

  private readonly onNode = (id: NodeId, hash: Buffer): void => {
    if (id.level === 0 || id.level % this.stride !== 0 || this.suspect !== undefined) return;
    const stored = this.storedNodes.get(`${id.level}/${id.index}`);
    if (stored?.equals(hash)) return;
    const [first, end] = nodeRange(id);
    this.fail({
      reason:
        `stored tree node ${id.level}/${id.index} (entries ${first}..${end - 1}) ` +
        (stored
          ? 'does not match the entries: the node table, or an entry in that range with its leaf hash, was changed'
          : 'is missing: inclusion proofs through it cannot be built'),
    });
  };

  // ---------------------------------------------------------------------------------------------
  // The end of the log

  /** True when the writer's frontier counts more entries than were scanned and more rows arrived. */
  private async frontierIsAhead(): Promise<boolean> {
    const frontier = (await this.store.loadLedgerState()).frontier;
    if (frontier === null) return false;
    let size: unknown;
    try {
      size = (JSON.parse(frontier) as { size?: unknown }).size;
    } catch {
      return false; // checkFrontier reports it
    }
    if (typeof size !== 'number' || size <= this.range.size) return false;
    return (await this.store.scanEvents(this.range.size, 1)).length > 0;
  }

  private async checkEnd(): Promise<void> {
    const size = this.range.size;
    const beyond = this.checkpoints.slice(this.cpAt).find((cp) => cp.size > size);
    if (beyond) {
      const signed = this.openStored(beyond);
      if (typeof signed === 'string') return this.fail({ reason: signed, checkpoint: beyond.size });
      return this.fail({
        reason: `log truncated: the checkpoint of size ${beyond.size} is signed but the log ends at entry ${size - 1}; entry ${size} is missing`,
        index: size,
        checkpoint: beyond.size,
      });
    }
    if (this.against && this.against.size > size) {
      return this.fail({
        reason: `the log was rolled back or truncated: the saved checkpoint has ${this.against.size} entries but the log has ${size}; entry ${size} is missing`,
        index: size,
      });
    }
    await this.checkFrontier();
  }

  /** The writer resumes from its stored frontier: it must describe exactly the rebuilt tree. */
  private async checkFrontier(): Promise<void> {
    const size = this.range.size;
    const text = (await this.store.loadLedgerState()).frontier;
    if (text === null) {
      if (size > 0)
        this.fail({ reason: `the ledger's stored frontier is missing but the log has ${size} entries` });
      return;
    }
    let frontier;
    try {
      frontier = CompactRange.fromJSON(text);
    } catch (err) {
      return this.fail({ reason: `the ledger's stored frontier is unreadable (${(err as Error).message})` });
    }
    if (frontier.size > size) {
      // More entries than were scanned: a live log that kept growing, unless they are gone.
      if ((await this.store.scanEvents(size, 1)).length > 0) return;
      return this.fail({
        reason: `log truncated: the ledger's frontier counts ${frontier.size} entries but the log ends at entry ${size - 1}; entry ${size} is missing`,
        index: size,
      });
    }
    if (frontier.size < size) {
      return this.fail({
        reason: `entry ${frontier.size}: not written by the ledger (its frontier ends at ${frontier.size} entries): events were added outside it`,
        index: frontier.size,
      });
    }
    if (!frontier.root().equals(this.range.root())) {
      this.fail({
        reason: "the ledger's stored frontier does not match the entries (its tree state was changed)",
      });
    }
  }

  report(elapsedMs: number): VerifyReport {
    const failure = this.failure;
    const report: VerifyReport = {
      ok: failure === undefined,
      origin: this.key.name,
      size: Math.max(this.total, this.range.size),
      verified: this.range.size,
      checkpoints: this.matched,
      coveredSize: this.lastGood,
      uncovered: this.range.size - this.lastGood,
      expired: this.expired,
      rootHash: this.range.root().toString('base64'),
      elapsedMs: Math.round(elapsedMs),
    };
    if (this.against) report.against = { size: this.against.size, ok: this.againstOk };
    if (failure?.index !== undefined) report.firstBadIndex = failure.index;
    if (failure?.checkpoint !== undefined) report.badCheckpoint = failure.checkpoint;
    if (failure) report.reason = failure.reason;
    return report;
  }
}

function inserted(at: number, nowAt: number): Failure {
  return {
    reason: `entry ${at}: an event was inserted here or events reordered (the event that was entry ${at} is now entry ${nowAt})`,
    index: at,
  };
}

/**
 * Why the ledger does not back an expired range: its record must be an intact (recomputed leaf =
 * stored leaf) `stele.retention` event written by Stele whose `labels.ranges` lists exactly the range.
 */
async function expiryRecordProblem(
  store: Store,
  range: ExpiredRange,
  fields: readonly string[],
): Promise<string | undefined> {
  const row = await store.getEvent(range.record);
  if (!row) return `its record, entry ${range.record}, is missing`;
  const leaf = recomputeLeaf(row, fields);
  if (leaf.kind !== 'leaf' || !leaf.leaf.equals(row.leafHash)) {
    return `its record, entry ${range.record}, does not match its leaf hash`;
  }
  const event = rowToEvent(row)!;
  const listed = (event.labels?.ranges ?? '').split(',');
  if (event.event?.action !== 'stele.retention' || row.source !== 'stele') {
    return `entry ${range.record} is not a retention record`;
  }
  if (!listed.includes(`${range.first}-${range.last}`)) {
    return `the retention record, entry ${range.record}, does not list it`;
  }
  return undefined;
}

function keyName(key: VerifierKey): string {
  return `${key.name}+${key.keyId}`;
}
