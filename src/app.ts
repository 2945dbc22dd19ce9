// The only place that wires modules together: store, ledger, admission, search and the HTTP server.

import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import type { Config } from './config/config.js';
import { systemClock, type Clock } from './core/clock.js';
import { ConfigError, SteleError } from './core/errors.js';
import { ApiKeyVerifier, createApiKey } from './auth/api-keys.js';
import { Admitter } from './ingest/admitter.js';
import type { GapListener } from './ingest/producers.js';
import { IngestMetrics } from './ingest/metrics.js';
import { DEFAULT_PERSONAL_FIELDS } from './ledger/commitment.js';
import { LedgerWriter } from './ledger/ledger.js';
import { createWorkerHasher, type LeafHasher } from './ledger/hasher.js';
import { LedgerService } from './ledger/ledger-service.js';
import { loadOrCreateSigner } from './ledger/signer-file.js';
import { createWitnessPublisher } from './ledger/witness.js';
import { startVerificationSchedule } from './ledger/verify-schedule.js';
import type { VerifyReport } from './ledger/verify.js';
import { parseDuration } from './server/routes/alerts.js';
import type { SignerKey } from './ledger/note.js';
import { defaultExportReaders } from './query/export-readers.js';
import { SearchService } from './query/search.js';
import { createHttpServer, Router } from './server/http.js';
import { registerEventRoutes } from './server/routes/events.js';
import { registerSearchRoutes } from './server/routes/search.js';
import { registerExportRoutes } from './server/routes/export.js';
import { registerInvestigateRoutes } from './server/routes/investigate.js';
import { registerLedgerRoutes } from './server/routes/ledger.js';
import { registerK8sAuditRoute } from './server/routes/k8s-audit.js';
import { registerErasureRoute } from './server/routes/erasure.js';
import { registerOpsRoutes } from './server/routes/ops.js';
import { registerAlertRoutes } from './server/routes/alerts.js';
import { registerConsoleRoutes } from './server/routes/console.js';
import { registerComplianceRoutes } from './server/routes/compliance.js';
import { admitterContext } from './compliance/context.js';
import { loadPseudonymizer, pseudonymizeAdmission } from './compliance/pseudonymize.js';
import { startComplianceSchedule } from './compliance/schedule.js';
import { parseRetention } from './compliance/retention.js';
import { parseVerifierKey } from './ledger/note.js';
import { pinnedPersonalFields } from './ledger/verify-key.js';
import { builtinRulesDir, loadDetectionRules } from './detect/rules.js';
import { createDetectionService, type DetectionService } from './detect/service.js';
import { steleEvent } from './detect/stele-events.js';
import { createDispatcher, createSinks, type SinkConfig } from './sinks/index.js';
import { isAlertStore } from './store/store.js';
import { startSources } from './sources/index.js';
import type { ServerDeps } from './server/deps.js';
import { createAdmission } from './cluster/admission.js';
import { openStore, acquireWriterLock, type WriterLock } from './store/open.js';
import type { Store } from './store/store.js';

export interface LedgerContext {
  store: Store;
  signer: SignerKey;
  writer: LedgerWriter;
  service: LedgerService;
  lock: WriterLock;
}

/**
 * Parts a caller may replace when starting a server. Only the benchmarks do (bench/serve-variant.ts):
 * a server started with another leaf hasher writes leaves that `stele verify` rejects.
 */
export interface ServerParts {
  /** Makes the ledger's leaf hasher for the pinned personal-field list (default: worker threads). */
  leafHasher?: (personalFields: readonly string[]) => LeafHasher;
}

/** Opens the store and the ledger for writing; only one process may hold a data dir this way. */
export async function openLedger(
  config: Config,
  clock: Clock = systemClock,
  parts: ServerParts = {},
): Promise<LedgerContext> {
  const lock = acquireWriterLock(config);
  try {
    const store = await openStore(config, { writer: true, maxBatchEvents: config.limits.max_batch_events });
    const keyFile = config.ledger.key_file ?? path.join(config.data, 'ledger.key');
    const { signer } = loadOrCreateSigner(keyFile, config.ledger.origin);
    const personalFields = await pinPersonalFields(store, config.ledger.personal_fields);
    const writer = await LedgerWriter.open(
      store,
      { origin: signer.name, signer, personalFields, clock },
      (parts.leafHasher ?? createWorkerHasher)(personalFields),
    );
    const service = new LedgerService(store, personalFields);
    return { store, signer, writer, service, lock };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/**
 * The personal-field list is part of the ledger format: entries hashed with one list cannot be
 * verified with another. It is fixed when the ledger is created and may not change afterwards.
 */
export async function pinPersonalFields(
  store: Store,
  configured: readonly string[] | undefined,
): Promise<string[]> {
  const stored = await store.getMeta('personal_fields');
  if (stored !== undefined) {
    const pinned = JSON.parse(stored) as string[];
    if (configured && JSON.stringify([...configured].sort()) !== JSON.stringify([...pinned].sort())) {
      throw new ConfigError(
        `ledger.personal_fields differs from the list this ledger was created with (${pinned.join(', ')}); it cannot change`,
      );
    }
    return pinned;
  }
  const fields = [...(configured ?? DEFAULT_PERSONAL_FIELDS)];
  await store.setMeta('personal_fields', JSON.stringify(fields));
  return fields;
}

export interface RunningServer {
  server: Server;
  address: string;
  /** Set when this start created the first admin key: print it once. */
  bootstrapToken?: string;
  /** Runs the scheduled verification now (on this node if it runs it); recorded like a scheduled one. */
  verifyNow?: () => Promise<VerifyReport>;
  close(): Promise<void>;
}

export async function startServer(
  config: Config,
  clock: Clock = systemClock,
  parts: ServerParts = {},
): Promise<RunningServer> {
  const witnesses = createWitnessPublisher(config.ledger.witnesses ?? []);
  const metrics = new IngestMetrics();
  const onCheckpoint = (note: string) => {
    witnesses.publish(note).catch((err: Error) => console.error(`stele: ${err.message}`));
  };
  let detection: DetectionService | undefined;
  // A producer skipped sequence numbers: recorded as a stele event, which the built-in rule alerts on.
  const onGap: GapListener = (producer, missing, lastSeq) => {
    const event = steleEvent('stele.producer_gap', 'failure', clock.now(), {
      producer,
      missing,
      last_seq: lastSeq,
    });
    admitter.submit([{ index: 0, event, ts: clock.now() }], 'stele').catch(() => undefined);
  };
  // PostgreSQL: several nodes, one sequencer at a time (src/cluster/); SQLite: this process alone.
  const cluster = config.db
    ? await createAdmission(config, {
        clock,
        metrics,
        pinPersonalFields,
        onCheckpoint,
        onCommit: (rows) => detection?.committed(rows),
        onGap,
      })
    : undefined;
  const ledger = cluster ? undefined : await openLedger(config, clock, parts);
  const store = cluster?.store ?? ledger!.store;
  const state = ledger ? await store.loadLedgerState() : { producers: [] };
  // Live detection (docs/detection.md): rules run after each commit; alerts go to the sinks.
  const sinks = createSinks(config.sinks as SinkConfig[]);
  const loadedRules = loadDetectionRules(config.rules.length > 0 ? config.rules : [builtinRulesDir()], {
    placeholders: config.detection?.placeholders ?? {},
  });
  for (const e of loadedRules.errors) console.error(`stele: rule ${e.title ?? ''} (${e.path}): ${e.reason}`);
  const admitter = cluster
    ? (cluster.admitter as Admitter)
    : new Admitter(
        {
          onCommit: (rows, events) => detection?.committed(rows, events),
          onGap,
          store,
          ledger: ledger!.writer,
          clock,
          metrics,
          maxBatchEvents: config.limits.max_batch_events,
          checkpointIntervalMs: config.ledger.checkpoint_interval_ms,
          onCheckpoint,
        },
        state.producers,
      );
  let bootstrapToken: string | undefined;
  if ((await store.listApiKeys()).length === 0) {
    bootstrapToken = (await createApiKey(store, { name: 'admin', scopes: ['admin'], clock })).token;
  }
  let shuttingDown = false;
  const deps: ServerDeps = {
    config,
    store,
    admitter,
    search: new SearchService(store, clock, {
      count: config.search?.export_readers ?? defaultExportReaders(),
      target: { data: config.data, db: config.db, db_schema: config.db_schema },
    }),
    ledger: cluster?.ledger ?? ledger!.service,
    metrics,
    shuttingDown: () => shuttingDown,
  };
  const signer = cluster?.signer ?? ledger!.signer;
  deps.ledgerKey = { verifierKey: signer.verifierKey, origin: signer.name };
  // Compliance (docs/compliance.md): pseudonymization before admission, retention and reports on a schedule.
  if (config.pseudonymize) pseudonymizeAdmission(admitter, loadPseudonymizer(config.pseudonymize));
  const compliance = async () =>
    admitterContext(admitter, store, await pinnedPersonalFields(store), clock, config);
  const startSchedule = async () =>
    startComplianceSchedule(
      await compliance(),
      { signer, verifierKey: parseVerifierKey(signer.verifierKey) },
      (m) => console.error(`stele: ${m}`),
    );
  // Scheduled verification, recorded in the ledger as stele.verify events (docs/ledger.md).
  const everyText = config.ledger.verify_every ?? '24h';
  const startVerification = async () =>
    startVerificationSchedule({
      store,
      target: { data: config.data, db: config.db, db_schema: config.db_schema },
      verifierKey: signer.verifierKey,
      personalFields: await pinnedPersonalFields(store),
      everyMs: everyText === '0' ? 0 : parseDuration(everyText),
      firstAfterMs: 60_000,
      onResult: (report) => {
        const labels: Record<string, string | number> = {
          size: report.size,
          verified: report.verified,
          checkpoints: report.checkpoints,
          elapsed_ms: report.elapsedMs,
        };
        if (report.firstBadIndex !== undefined) labels.first_bad_index = report.firstBadIndex;
        if (report.reason) labels.reason = report.reason;
        const event = steleEvent('stele.verify', report.ok ? 'success' : 'failure', clock.now(), labels);
        admitter.submit([{ index: 0, event, ts: clock.now() }], 'stele').catch(() => undefined);
        if (!report.ok) console.error(`stele: VERIFICATION FAILED: ${report.reason ?? 'unknown reason'}`);
      },
      onError: (m) => console.error(`stele: ${m}`),
    });
  // With several nodes, scheduled retention, reports and verification run on the sequencer only.
  parseRetention(config.retention ?? []); // a bad rule stops start-up on every node
  let schedule = cluster ? undefined : await startSchedule();
  let verification = cluster ? undefined : await startVerification();
  cluster?.whileSequencer(async () => {
    schedule = await startSchedule();
    verification = await startVerification();
    return async () => {
      const [c, v] = [schedule, verification];
      [schedule, verification] = [undefined, undefined];
      await c?.close();
      await v?.close();
    };
  });
  deps.detectionIdle = async () => {
    await detection?.idle();
  };
  deps.status = () => ({ verification: verification?.last() ?? null, witnesses: witnesses.status() });
  // A dialect without alert tables (isAlertStore false) runs without live detection.
  const alertStore = isAlertStore(store) ? store : undefined;
  const startDispatcher = () =>
    alertStore &&
    createDispatcher({
      store: alertStore,
      sinks,
      clock,
      onError: (m) => console.error(`stele: alert delivery: ${m}`),
    });
  const startDetection = () =>
    alertStore &&
    createDetectionService({
      store: alertStore,
      rules: loadedRules.rules,
      clock,
      sinks: sinks.map((s) => s.sink.name),
      timezone: config.timezone,
      ...(config.detection?.working_hours ? { workingHours: config.detection.working_hours } : {}),
      ...(config.detection?.dedup_window_ms === undefined
        ? {}
        : { dedupWindowMs: config.detection.dedup_window_ms }),
      ...(config.detection?.warmup_events === undefined
        ? {}
        : { warmupEvents: config.detection.warmup_events }),
      suppress: config.detection?.suppress ?? [],
      onAlerts: () => dispatcher?.kick(),
      onError: (m) => console.error(`stele: ${m}`),
    });
  // With several nodes, detection and alert delivery run on the sequencer only: once per event.
  let dispatcher = cluster ? undefined : startDispatcher();
  if (!cluster) {
    detection = startDetection();
    await detection?.start();
  }
  cluster?.whileSequencer(async () => {
    dispatcher = startDispatcher();
    detection = startDetection();
    await detection?.start();
    return async () => {
      const [d, s] = [detection, dispatcher];
      [detection, dispatcher] = [undefined, undefined];
      await d?.close();
      await s?.close();
    };
  });
  const router = new Router();
  if (alertStore) registerAlertRoutes(router, { store: alertStore, clock });
  registerEventRoutes(router, deps);
  registerSearchRoutes(router, deps); // before the ledger routes: it serves audited proofs
  registerExportRoutes(router, deps);
  registerInvestigateRoutes(router, deps);
  registerLedgerRoutes(router, deps);
  registerK8sAuditRoute(router, deps);
  registerErasureRoute(router, deps);
  registerComplianceRoutes(router, compliance);
  registerOpsRoutes(router, deps, admitter);
  registerConsoleRoutes(router); // last: the console takes only paths the API leaves free
  const server = createHttpServer({
    router,
    verifier: new ApiKeyVerifier(store, clock),
    closing: () => shuttingDown,
  });
  const [host, port] = splitHostPort(config.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new ConfigError(`cannot listen on ${config.listen}: ${err.code ?? err.message}`)),
    );
    server.listen(port, host, () => resolve());
  });
  const sources = await startSources(config.sources, {
    admitter,
    registry: metrics.registry,
    timezone: config.timezone,
    clock,
    dataDir: config.data,
  }).catch(async (err: unknown) => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await admitter.close();
    await closeBackend();
    throw err;
  });
  async function closeBackend(): Promise<void> {
    if (cluster) return cluster.close();
    await ledger!.writer.close();
    await store.close();
    ledger!.lock.release();
  }
  const bound = server.address();
  const address =
    typeof bound === 'object' && bound
      ? `${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`
      : config.listen;
  const running: RunningServer = {
    server,
    address,
    async close() {
      // Stop accepting, finish every in-flight commit, then close the database.
      shuttingDown = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await sources.close();
      await schedule?.close();
      await admitter.close();
      // Requests still open now were answered 503 or are stuck sending: give them a moment, then cut.
      const grace = setTimeout(() => server.closeAllConnections(), 2000);
      await closed;
      clearTimeout(grace);
      await detection?.close();
      await dispatcher?.close();
      await verification?.close();
      await witnesses.close();
      await deps.search.close();
      await closeBackend();
    },
  };
  if (bootstrapToken !== undefined) running.bootstrapToken = bootstrapToken;
  running.verifyNow = async () => {
    if (!verification)
      throw new SteleError('unavailable', 'scheduled verification runs on the sequencer only');
    return verification.runNow();
  };
  return running;
}

export function splitHostPort(listen: string): [string, number] {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`listen: bad port in '${listen}'`);
  return [host, port];
}

export function ensureDataDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new SteleError('config', `cannot create data directory ${dir}: ${(err as Error).message}`);
  }
}
