// Admission when several `stele serve` share one PostgreSQL (docs/postgresql.md). Every node
// accepts events; the node holding the sequencer lease commits them (its own directly, the others'
// through the inbox), and a node answers its sender only once the events are committed with their
// seqs. Returns what startServer needs in place of the single-node Admitter.

import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import { ConfigError, SteleError } from '../core/errors.js';
import type { AdmitResult, Admitter, Candidate } from '../ingest/admitter.js';
import type { GapListener } from '../ingest/producers.js';
import type { IngestMetrics } from '../ingest/metrics.js';
import { createWorkerHasher } from '../ledger/hasher.js';
import { LedgerWriter, type LedgerOptions } from '../ledger/ledger.js';
import { LedgerService } from '../ledger/ledger-service.js';
import type { SignerKey } from '../ledger/note.js';
import { loadOrCreateSigner } from '../ledger/signer-file.js';
import { PgInbox } from '../store/postgres/postgres-cluster.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import { openStore } from '../store/open.js';
import type { EventContent, ProducerState, Store } from '../store/store.js';
import { InboxClient } from './inbox.js';
import { SequencerLease } from './sequencer-lease.js';
import { Sequencer } from './sequencer.js';

/** The part of the Admitter that the routes and sources use. */
export type AdmissionPort = Pick<
  Admitter,
  'submit' | 'backlog' | 'committedSize' | 'producerStates' | 'close'
>;

/** Started when this node becomes the sequencer; the function it returns stops it. */
export type LeaderTask = () => Promise<() => Promise<void>>;

export interface ClusterDeps {
  clock: Clock;
  metrics: IngestMetrics;
  pinPersonalFields: (store: Store, configured: readonly string[] | undefined) => Promise<string[]>;
  onCheckpoint?: (note: string) => void;
  onCommit?: (events: readonly EventContent[]) => void;
  onGap?: GapListener;
  onError?: (message: string) => void;
  /** Milliseconds between lease attempts and heartbeats (default 1000). */
  leaseIntervalMs?: number;
}

export interface ClusterBackend {
  store: PostgresStore;
  admitter: AdmissionPort;
  ledger: LedgerService;
  signer: SignerKey;
  isSequencer(): boolean;
  /**
   * Runs `task` only while this node holds the lease: work that must happen once per event across
   * the cluster (live detection from its persisted cursor, alert delivery) goes here.
   */
  whileSequencer(task: LeaderTask): void;
  close(): Promise<void>;
}

const VERIFIER_KEY_META = 'ledger_verifier_key';

export async function createAdmission(config: Config, deps: ClusterDeps): Promise<ClusterBackend> {
  const store = await openStore(config, { writer: true });
  if (!(store instanceof PostgresStore)) throw new ConfigError('a cluster needs db: postgres://...');
  try {
    return await start(config, deps, store);
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function start(config: Config, deps: ClusterDeps, store: PostgresStore): Promise<ClusterBackend> {
  const { clock } = deps;
  // Every node signs with the same key (ledger.key_file): the first node pins its verifier key.
  const keyFile = config.ledger.key_file ?? path.join(config.data, 'ledger.key');
  const { signer } = loadOrCreateSigner(keyFile, config.ledger.origin);
  const pinned = await store.setMetaOnce(VERIFIER_KEY_META, signer.verifierKey);
  if (pinned !== signer.verifierKey) {
    throw new ConfigError(
      `ledger.key_file ${keyFile} holds key '${signer.verifierKey}', but this ledger is signed with '${pinned}': give every node the same key file`,
    );
  }
  const personalFields = await deps.pinPersonalFields(store, config.ledger.personal_fields);
  const ledgerOptions: LedgerOptions = { origin: signer.name, signer, personalFields, clock };
  const inbox = new PgInbox(store);
  const node = `${os.hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  let knownSize = await store.ledgerSize();
  const client = new InboxClient({
    inbox,
    node,
    clock,
    onSeq: (next) => {
      knownSize = Math.max(knownSize, next);
    },
  });
  let sequencer: Sequencer | undefined;
  let hasher: ReturnType<typeof createWorkerHasher> | undefined;
  const tasks: LeaderTask[] = [];
  let stops: Array<() => Promise<void>> = [];
  const report = deps.onError ?? ((m: string) => console.error(`stele: ${m}`));

  const reopen = async (): Promise<{ writer: LedgerWriter; producers: ProducerState[] }> => {
    const writer = await LedgerWriter.open(store, ledgerOptions, hasher);
    return { writer, producers: (await store.loadLedgerState()).producers };
  };

  const lease = new SequencerLease({
    store,
    holder: node,
    address: config.listen,
    clock,
    retryMs: deps.leaseIntervalMs ?? 1000,
    heartbeatMs: deps.leaseIntervalMs ?? 1000,
    onError: report,
    onAcquired: async () => {
      hasher = createWorkerHasher(personalFields);
      // The frontier, size and producers as the last sequencer committed them.
      const { writer, producers } = await reopen();
      const seq = new Sequencer({
        store,
        inbox,
        reopen,
        writer,
        producers,
        clock,
        metrics: deps.metrics,
        maxBatchEvents: config.limits.max_batch_events,
        checkpointIntervalMs: config.ledger.checkpoint_interval_ms,
        onError: report,
        ...(deps.onCommit ? { onCommit: deps.onCommit } : {}),
        ...(deps.onCheckpoint ? { onCheckpoint: deps.onCheckpoint } : {}),
        ...(deps.onGap ? { onGap: deps.onGap } : {}),
      });
      seq.start();
      sequencer = seq;
      report(`sequencer: this node (${node}) holds the lease at ledger size ${writer.size}`);
      for (const task of tasks) stops.push(await task());
    },
    onLost: async () => {
      const seq = sequencer;
      sequencer = undefined;
      const running = stops;
      stops = [];
      for (const stop of running) await stop().catch((err: Error) => report(err.message));
      if (seq) {
        knownSize = Math.max(knownSize, seq.size);
        await seq.stop();
      }
      await hasher?.close();
      hasher = undefined;
      report(`sequencer: this node (${node}) gave up the lease`);
    },
  });
  lease.start();

  // Nodes that do not sequence learn the ledger size for search snapshots.
  const sizeTimer = setInterval(() => {
    if (sequencer) return;
    store.ledgerSize().then(
      (n) => (knownSize = Math.max(knownSize, n)),
      () => undefined,
    );
  }, 250);
  sizeTimer.unref();

  let closed = false;
  const admitter: AdmissionPort = {
    submit(candidates: Candidate[], source: string): Promise<AdmitResult> {
      if (closed) return Promise.reject(new SteleError('unavailable', 'server is shutting down'));
      if (candidates.length === 0) return Promise.resolve({ accepted: [], duplicates: [] });
      return sequencer ? sequencer.submit(candidates, source) : client.submit(candidates, source);
    },
    get backlog() {
      return (sequencer?.backlog ?? 0) + client.backlog;
    },
    committedSize: () => (sequencer ? sequencer.size : knownSize),
    get producerStates() {
      return sequencer?.producerStates ?? new Map<string, ProducerState>();
    },
    async close() {
      closed = true;
      await client.close();
      // What this node queued for itself as sequencer is committed before it lets go of the lease.
      const deadline = clock.now() + 10_000;
      while (sequencer && sequencer.backlog > 0 && clock.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };

  return {
    store,
    admitter,
    ledger: new LedgerService(store, personalFields),
    signer,
    isSequencer: () => sequencer !== undefined,
    whileSequencer(task) {
      tasks.push(task);
      if (sequencer)
        void task().then(
          (stop) => stops.push(stop),
          (err: Error) => report(err.message),
        );
    },
    async close() {
      closed = true;
      clearInterval(sizeTimer);
      await client.close();
      await lease.stop();
      await store.close();
    },
  };
}
