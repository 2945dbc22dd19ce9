// Live detection inside `stele serve`: after each commit, events are taken in seq order from the
// persisted cursor, run through the rules, and the alerts, first-seen keys and new cursor are
// written in one transaction, so a restart resumes without missing or re-alerting. The rows of a
// commit are handed over in memory, with the admitted events they were encoded from
// (committed-event.ts); whatever is not (before the first hand-over, past a gap, or beyond what is
// held) is read back from the store. Correlation windows are rebuilt at start by
// replaying the events just before the cursor with alerts discarded.

import type { Clock } from '../core/clock.js';
import type { AuditEvent } from '../core/event.js';
import {
  rowToEvent,
  type AlertStore,
  type EventContent,
  type EventRow,
  type AlertSuppression,
  type NewAlert,
  type Store,
} from '../store/store.js';
import type { Alert, SigmaRule } from './sigma/index.js';
import { seenPairKey, seenUserKey, trackedLogin, type SeenSet, type WorkingHours } from './derived.js';
import { committedEvent } from './committed-event.js';
import { createDetectionPipeline } from './pipeline.js';

export const CURSOR_KEY = 'detect_cursor';

export interface ConfiguredSuppression {
  rule: string;
  group?: Record<string, unknown>;
  /** RFC 3339; absent = until removed from the config. */
  until?: string;
}

export interface DetectionServiceOptions {
  store: Store & AlertStore;
  rules: readonly SigmaRule[];
  clock: Clock;
  /** Sink names each new alert is queued for. */
  sinks: string[];
  timezone?: string;
  workingHours?: WorkingHours;
  dedupWindowMs?: number;
  suppress?: readonly ConfiguredSuppression[];
  /** Events before the cursor replayed at start to rebuild correlation windows. */
  warmupEvents?: number;
  batchSize?: number;
  /** Most time between a commit and the detection pass that reads it (default 100 ms). */
  delayMs?: number;
  /** Called after a batch created alerts (the dispatcher delivers them). */
  onAlerts?: () => void;
  onError?: (message: string) => void;
}

export interface DetectionService {
  start(): Promise<void>;
  /** New events were committed (read back from the store). */
  kick(): void;
  /**
   * These rows, consecutive by seq, were durably committed: taken from memory, not read back.
   * `events`, when given, are the admitted events the rows were encoded from, in the same order.
   */
  committed(rows: readonly EventContent[], events?: readonly AuditEvent[]): void;
  /** Resolves when every committed event has been processed. */
  idle(): Promise<void>;
  close(): Promise<void>;
  readonly cursor: number;
}

/** Group of an alert: the correlation's group-by values, else who did it where. */
export function alertGroup(alert: Alert, event: Record<string, unknown>): Record<string, unknown> | null {
  if (alert.group) return alert.group;
  const pick = (path: string) =>
    path
      .split('.')
      .reduce<unknown>(
        (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
        event,
      );
  const out: Record<string, unknown> = {};
  for (const f of ['user.name', 'host.name', 'source.ip']) {
    const v = pick(f);
    if (v !== undefined && v !== null) out[f] = v;
  }
  return Object.keys(out).length > 0 ? out : null;
}

export function groupKey(group: Record<string, unknown> | null): string {
  if (group === null) return '';
  return JSON.stringify(
    Object.keys(group)
      .sort()
      .map((k) => [k, group[k]]),
  );
}

const ruleKeyOf = (a: Alert) => a.rule.id ?? a.rule.title;

/** A row as detection reads it: from the store (its body gone once erased) or just committed. */
type DetectRow = Pick<EventRow, 'seq' | 'ts' | 'received' | 'source' | 'body' | 'columns'>;

/** A committed row handed over in memory, with the admitted event it was encoded from if known. */
interface HeldRow {
  seq: number;
  row: EventContent;
  event: AuditEvent | undefined;
}

/** The event of a row: from its admitted event when that gives the same, else decoded. */
function eventOf(r: DetectRow | HeldRow): Record<string, unknown> | undefined {
  if (!('row' in r)) return rowToEvent(r);
  return (r.event && committedEvent(r.event, r.row)) ?? rowToEvent(r.row);
}

/** Events handled between two turns of the event loop (a few milliseconds of rules). */
const SLICE = 500;

/**
 * Calls `fn` on every item, letting the event loop run between slices of SLICE items. Detection
 * shares its thread with the API: catching up on a large backlog (after a bulk import, say) must
 * not hold ingest requests for the whole of a batch.
 */
async function inSlices<T>(items: readonly T[], fn: (item: T) => void): Promise<void> {
  for (let i = 0; i < items.length; i += SLICE) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const end = Math.min(items.length, i + SLICE);
    for (let j = i; j < end; j++) fn(items[j]!);
  }
}

export function createDetectionService(o: DetectionServiceOptions): DetectionService {
  const { store, clock } = o;
  const batchSize = o.batchSize ?? 5000;
  const delay = o.delayMs ?? 100;
  let timer: NodeJS.Timeout | undefined;
  const pipeline = createDetectionPipeline({
    rules: o.rules,
    ...(o.timezone ? { timezone: o.timezone } : {}),
    ...(o.workingHours ? { workingHours: o.workingHours } : {}),
  });
  const configured: AlertSuppression[] = (o.suppress ?? []).map((s) => ({
    ruleKey: s.rule,
    groupKey: s.group === undefined ? null : groupKey(s.group),
    until: s.until === undefined ? Number.MAX_SAFE_INTEGER : Date.parse(s.until),
    reason: 'config',
    created: 0,
  }));
  let cursor = -1;
  /** Committed rows not yet processed, consecutive by seq; at most 4 batches (older ones are read back). */
  let held: HeldRow[] = [];
  const maxHeld = 4 * batchSize;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const suppressed = (list: AlertSuppression[], a: NewAlert) =>
    list.some(
      (s) =>
        (s.ruleKey === a.ruleKey || s.ruleKey === a.title) &&
        (s.groupKey === null || s.groupKey === a.groupKey),
    );

  /** The next rows after the cursor: the held ones when they continue it, else from the store. */
  const nextRows = async (): Promise<Array<DetectRow | HeldRow>> => {
    const from = cursor + 1;
    const first = held[0];
    if (first && held.at(-1)!.seq < from) held = [];
    else if (first && first.seq <= from) {
      const start = from - first.seq;
      const rows = held.slice(start, start + batchSize);
      held = held.slice(start + rows.length);
      return rows;
    }
    // Up to the first held row, which the next step then takes from memory.
    return store.scanEvents(from, held[0] ? Math.min(batchSize, held[0].seq - from) : batchSize);
  };

  /** One batch: returns false when there was nothing to read. */
  const step = async (): Promise<boolean> => {
    const rows = await nextRows();
    if (rows.length === 0) return false;
    const events: Array<{ seq: number; ts: number; event: Record<string, unknown> | undefined }> = [];
    await inSlices(rows, (r) => {
      const row = 'row' in r ? r.row : r;
      events.push({ seq: row.seq, ts: row.ts, event: eventOf(r) });
    });
    // First-seen state for this batch: what the database knows, plus what the batch adds.
    const keys = events.flatMap(({ event }) => {
      const login = event && trackedLogin(event);
      return login ? [seenUserKey(login.user), seenPairKey(login.user, login.ip)] : [];
    });
    const known = await store.seenKeys([...new Set(keys)]);
    const added = new Set<string>();
    const seen: SeenSet = { has: (k) => known.has(k) || added.has(k), add: (k) => void added.add(k) };
    pipeline.useSeen(seen);
    const now = clock.now();
    const active = [...configured.filter((s) => s.until > now), ...(await store.listSuppressions(now))];
    const alerts: NewAlert[] = [];
    await inSlices(events, ({ seq, ts, event }) => {
      if (!event) return; // body expired (erased): nothing to match
      for (const a of pipeline.process(event, seq)) {
        const group = alertGroup(a, event);
        const candidate: NewAlert = {
          ruleKey: ruleKeyOf(a),
          ruleId: a.rule.id,
          title: a.rule.title,
          level: a.rule.level,
          groupKey: groupKey(group),
          group,
          seq,
          ts,
        };
        if (!suppressed(active, candidate)) alerts.push(candidate);
      }
    });
    const last = rows[rows.length - 1]!.seq;
    const result = await store.recordDetections({
      alerts,
      cursor: last,
      seen: [...added],
      sinks: o.sinks,
      dedupWindowMs: o.dedupWindowMs ?? 15 * 60_000,
      now,
    });
    cursor = last;
    if (result.created.length > 0) o.onAlerts?.();
    return true;
  };

  const loop = async () => {
    while (!closed && (await step()));
  };

  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = loop()
      .catch((err: unknown) =>
        o.onError?.(`detection stopped at seq ${cursor + 1}: ${(err as Error).message}`),
      )
      .finally(() => {
        running = undefined;
        if (again && !closed) {
          again = false;
          void run();
        }
      });
    return running;
  };

  const kick = () => {
    // Commits arrive many times a second under load; one pass every `delay` reads them all in
    // large batches, so detection adds a few transactions a second instead of one per commit.
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void run();
    }, delay);
    timer.unref();
  };

  return {
    get cursor() {
      return cursor;
    },
    async start() {
      const saved = await store.getMeta(CURSOR_KEY);
      cursor = saved === undefined ? -1 : Number(saved);
      // Warm-up: rebuild correlation windows from the events just before the cursor, alerts dropped;
      // first-seen state is read but not written (those events already updated it).
      const warm = Math.max(0, cursor + 1 - (o.warmupEvents ?? 10_000));
      for (let from = warm; from <= cursor;) {
        const rows = await store.scanEvents(from, Math.min(batchSize, cursor + 1 - from));
        if (rows.length === 0) break;
        const keys = rows.flatMap((r) => {
          const e = rowToEvent(r) as Record<string, unknown> | undefined;
          const login = e && trackedLogin(e);
          return login ? [seenUserKey(login.user), seenPairKey(login.user, login.ip)] : [];
        });
        const known = await store.seenKeys(keys);
        pipeline.useSeen({ has: (k) => known.has(k), add: () => undefined });
        for (const r of rows) {
          const e = rowToEvent(r);
          if (e) pipeline.process(e, r.seq);
        }
        from = rows[rows.length - 1]!.seq + 1;
      }
      void run();
    },
    kick,
    committed(rows, events) {
      if (closed || rows.length === 0) return;
      const last = held.at(-1);
      // Not continuing the held rows (a commit missed): the store has them all, in order.
      if (last && rows[0]!.seq !== last.seq + 1) held = [];
      rows.forEach((row, i) => held.push({ seq: row.seq, row, event: events?.[i] }));
      if (held.length > maxHeld) held = held.slice(held.length - maxHeld);
      kick();
    },
    async idle() {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
        void run();
      }
      while (running) await running;
    },
    async close() {
      closed = true;
      held = [];
      if (timer) clearTimeout(timer);
      timer = undefined;
      while (running) await running;
    },
  };
}
