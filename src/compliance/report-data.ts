// Computes a compliance report: for each section, counts and group tables over the events of the
// period that the latest signed checkpoint covers (so every number is about events provably in the
// ledger), plus the integrity and alert state. Rendering (HTML, PDF, CSV) is in report-render*.ts.

import fs from 'node:fs';
import type { Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import { SteleError, ValidationError } from '../core/errors.js';
import { openCheckpoint } from '../ledger/checkpoint.js';
import type { VerifierKey } from '../ledger/note.js';
import { verifyLedger } from '../ledger/verify.js';
import { parseQuery } from '../query/parser.js';
import { planQuery, type Predicate } from '../query/plan.js';
import { resolveTime } from '../query/time.js';
import { isAlertStore, isRetentionStore, type Store } from '../store/store.js';
import { listHolds } from './holds.js';
import { SECTIONS, type ReportType } from './report-sections.js';

export interface ReportTable {
  title: string;
  columns: string[];
  rows: Array<Array<string | number | null>>;
  /** Rows left out beyond the table's limit. */
  more?: number;
}

export interface ReportSection {
  type: ReportType;
  title: string;
  purpose: string;
  controls: string[];
  query?: string;
  facts: Array<[string, string | number]>;
  tables: ReportTable[];
}

export interface ReportCheckpoint {
  origin: string;
  size: number;
  /** Base64 root hash. */
  root: string;
  note: string;
}

export interface ReportData {
  types: ReportType[];
  from: string;
  to: string;
  generated: string;
  checkpoint: ReportCheckpoint;
  sections: ReportSection[];
}

export interface ReportInput {
  store: Store;
  types: ReportType[];
  from: string;
  to: string;
  clock: Clock;
  config: Config;
  verifierKey: VerifierKey;
  personalFields: readonly string[];
  /** Verify the whole ledger for the integrity section (default true). */
  verify?: boolean;
}

const TABLE_ROWS = 50;

export async function buildReport(input: ReportInput): Promise<ReportData> {
  const now = input.clock.now();
  const from = time('from', input.from, now);
  const to = time('to', input.to, now);
  if (from >= to) throw new ValidationError('--from must be before --to');
  const record = await input.store.latestCheckpoint();
  if (!record) throw new SteleError('not_found', 'no checkpoint yet: the ledger is empty');
  const { checkpoint } = openCheckpoint(record.note, [input.verifierKey]);
  const at: ReportCheckpoint = {
    origin: checkpoint.origin,
    size: checkpoint.size,
    root: checkpoint.rootHash.toString('base64'),
    note: record.note,
  };
  const scope = { from, to, size: at.size };
  const sections: ReportSection[] = [];
  for (const type of input.types) {
    const section = await eventSection(input, type, scope, now);
    if (type === 'integrity') await addIntegrity(input, section, at);
    if (type === 'alerts') await addAlerts(input, section, scope);
    sections.push(section);
  }
  return {
    types: input.types,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    generated: new Date(now).toISOString(),
    checkpoint: at,
    sections,
  };
}

function time(name: string, value: string, now: number): number {
  try {
    return resolveTime(value, now);
  } catch (err) {
    throw new ValidationError(`${name}: ${(err as Error).message}`, { cause: err });
  }
}

/** The section's query, limited to the entries the report's checkpoint covers. */
export function sectionPredicate(query: string, size: number, now: number): Predicate {
  return {
    kind: 'and',
    items: [
      planQuery(parseQuery(query), { now }),
      { kind: 'range', field: 'stele.seq', type: 'number', lt: size },
    ],
  };
}

async function eventSection(
  input: ReportInput,
  type: ReportType,
  scope: { from: number; to: number; size: number },
  now: number,
): Promise<ReportSection> {
  const spec = SECTIONS[type];
  const section: ReportSection = {
    type,
    title: spec.title,
    purpose: spec.purpose,
    controls: spec.controls,
    facts: [],
    tables: [],
  };
  if (spec.query === undefined) return section;
  section.query = spec.query;
  const predicate = sectionPredicate(spec.query, scope.size, now);
  const base = { predicate, from: scope.from, to: scope.to };
  const totals = await input.store.aggregate({ ...base, by: [], limit: 1 });
  section.facts.push(['Events', totals.total], ['Of which failed', totals.failures]);
  if (totals.total > 0) {
    const users = await input.store.aggregate({ ...base, by: [], distinct: 'user.name', limit: 1 });
    section.facts.push(['Distinct identities', users.groups[0]?.distinct ?? 0]);
  }
  for (const g of spec.groupings ?? []) {
    const result = await input.store.aggregate({ ...base, by: g.by, limit: TABLE_ROWS + 1 });
    const rows = result.groups
      .slice(0, TABLE_ROWS)
      .map((group) => [...group.keys, group.count, group.failures, minute(group.first), minute(group.last)]);
    const table: ReportTable = {
      title: g.title,
      columns: [...g.by, 'events', 'failed', 'first', 'last'],
      rows,
    };
    if (result.groups.length > TABLE_ROWS) table.more = result.groups.length - TABLE_ROWS;
    section.tables.push(table);
  }
  return section;
}

async function addIntegrity(input: ReportInput, section: ReportSection, at: ReportCheckpoint): Promise<void> {
  const store = input.store;
  const checkpoints = await store.listCheckpoints();
  const first = checkpoints[0];
  section.facts.push(
    ['Ledger', at.origin],
    ['Entries (report checkpoint)', at.size],
    ['Root hash (report checkpoint)', at.root],
    ['Signed checkpoints kept', checkpoints.length],
    ['First checkpoint', first ? new Date(first.created).toISOString() : '-'],
  );
  if (input.verify ?? true) {
    const report = await verifyLedger(store, {
      verifierKey: input.verifierKey,
      personalFields: input.personalFields,
      workers: 0,
    });
    section.facts.push(
      ['Ledger verification', report.ok ? 'PASSED' : `FAILED: ${report.reason ?? ''}`],
      ['Entries recomputed', report.verified],
      ['Checkpoints verified', report.checkpoints],
      ['Entries expired by retention', report.expired],
    );
  } else {
    section.facts.push(['Ledger verification', 'not run for this report (run stele verify)']);
  }
  section.tables.push(witnessTable(input, checkpoints));
  const ranges = isRetentionStore(store) ? await store.listExpiredRanges() : [];
  const holds = await listHolds({ store });
  section.facts.push(
    [
      'Retention rules',
      (input.config.retention ?? [])
        .map((r) => `${r.dataset ?? r.category ?? 'default'}: ${r.keep}`)
        .join('; ') || 'none (events kept indefinitely)',
    ],
    ['Expired ranges recorded', ranges.length],
    ['Legal holds active', holds.filter((h) => h.released === null).length],
  );
}

/** File witnesses are compared with the ledger's own checkpoints; URL witnesses are listed. */
function witnessTable(
  input: ReportInput,
  checkpoints: ReadonlyArray<{ size: number; rootHash: Buffer }>,
): ReportTable {
  const rows: ReportTable['rows'] = [];
  for (const w of input.config.ledger.witnesses ?? []) {
    if (w.type === 'url') {
      rows.push([`url ${w.url}`, '-', 'pushed on every checkpoint; the witness keeps its own record']);
      continue;
    }
    let status: string;
    let size: number | string = '-';
    try {
      const { checkpoint } = openCheckpoint(fs.readFileSync(w.path, 'utf8'), [input.verifierKey]);
      size = checkpoint.size;
      const ours = checkpoints.find((c) => c.size === checkpoint.size);
      status = ours?.rootHash.equals(checkpoint.rootHash)
        ? 'consistent: the ledger has this checkpoint'
        : 'MISMATCH: the ledger has no checkpoint with this size and root';
    } catch (err) {
      status = `unreadable: ${(err as Error).message}`;
    }
    rows.push([`file ${w.path}`, size, status]);
  }
  return { title: 'Witnesses', columns: ['witness', 'kept checkpoint size', 'status'], rows };
}

async function addAlerts(
  input: ReportInput,
  section: ReportSection,
  scope: { from: number; to: number },
): Promise<void> {
  const store = input.store;
  if (!isAlertStore(store)) {
    section.facts.push(['Alerts', 'not available on this store']);
    return;
  }
  const alerts = (await store.listAlerts({ limit: 100_000 })).filter(
    (a) => a.created >= scope.from && a.created < scope.to,
  );
  const by = (s: string) => alerts.filter((a) => a.status === s).length;
  // Stele keeps one status time per alert (updated): for a handled alert, the time to its latest change.
  const handled = alerts.filter((a) => a.status !== 'open').map((a) => a.updated - a.created);
  handled.sort((a, b) => a - b);
  const median = handled.length > 0 ? handled[Math.floor(handled.length / 2)]! : undefined;
  section.facts.push(
    ['Alerts raised', alerts.length],
    ['Open', by('open')],
    ['Acknowledged', by('acknowledged')],
    ['Closed', by('closed')],
    ['Median time to acknowledge or close', median === undefined ? '-' : formatDuration(median)],
    ['Longest time to acknowledge or close', handled.length > 0 ? formatDuration(handled.at(-1)!) : '-'],
  );
  const byRule = new Map<string, { level: string; open: number; ack: number; closed: number }>();
  for (const a of alerts) {
    const r = byRule.get(a.title) ?? { level: a.level ?? '-', open: 0, ack: 0, closed: 0 };
    if (a.status === 'open') r.open++;
    else if (a.status === 'acknowledged') r.ack++;
    else r.closed++;
    byRule.set(a.title, r);
  }
  const rows = [...byRule.entries()]
    .sort((a, b) => b[1].open + b[1].ack + b[1].closed - (a[1].open + a[1].ack + a[1].closed))
    .map(([title, r]) => [title, r.level, r.open, r.ack, r.closed]);
  section.tables.push({
    title: 'Alerts by rule',
    columns: ['rule', 'level', 'open', 'acknowledged', 'closed'],
    rows: rows.slice(0, TABLE_ROWS),
    ...(rows.length > TABLE_ROWS ? { more: rows.length - TABLE_ROWS } : {}),
  });
}

/** A table time, to the minute (UTC): the exact times are in the events. */
function minute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = minutes / 60;
  return hours < 48 ? `${hours.toFixed(1)} h` : `${(hours / 24).toFixed(1)} d`;
}
