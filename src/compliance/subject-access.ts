// GDPR art. 15 subject access: everything Stele holds about one person, i.e. every event where they
// are the actor, the identity acted as or upon, or among the users the event mentions, as JSON and
// CSV (formula-injection safe) with a summary. Expired events are gone and erased values read
// "[erased]": the export shows what is held now, which is what the right of access covers.

import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import type { StoredEvent } from '../core/event.js';
import { ValidationError } from '../core/errors.js';
// The same formula-safe CSV as the API export and src/cli/output.ts csvCell (compliance may not import cli/).
import { csvLine as csvRow } from '../query/investigate-output.js';
import { fieldValues, type Predicate } from '../query/plan.js';
import { rowToEvent, type Store } from '../store/store.js';

/** The fields that make an event someone's, and the role each gives them. */
const ROLES: Array<[field: string, role: string]> = [
  ['user.name', 'actor'],
  ['user.effective.name', 'effective'],
  ['user.target.name', 'target'],
  ['related.user', 'related'],
];
const PAGE = 5000;
export const MAX_SUBJECT_EVENTS = 500_000;

export interface SubjectAccessSummary {
  user: string;
  generated: string;
  events: number;
  first: string | null;
  last: string | null;
  roles: Record<string, number>;
  actions: Record<string, number>;
  outcomes: Record<string, number>;
  hosts: Record<string, number>;
  datasets: Record<string, number>;
  sourceIps: Record<string, number>;
}

export interface SubjectAccessResult {
  summary: SubjectAccessSummary;
  events: StoredEvent[];
}

export function subjectPredicate(user: string): Predicate {
  return { kind: 'or', items: ROLES.map(([field]) => ({ kind: 'eq' as const, field, value: user })) };
}

/** The roles `user` has in `event` (actor, effective, target, related). */
export function rolesOf(event: StoredEvent, user: string): string[] {
  return ROLES.filter(([field]) => fieldValues(event, field).includes(user)).map(([, role]) => role);
}

export async function subjectAccess(store: Store, user: string, clock: Clock): Promise<SubjectAccessResult> {
  if (user.trim() === '' || user === '[erased]') throw new ValidationError('a user name is required');
  const where = store.compileFilter(subjectPredicate(user));
  const events: StoredEvent[] = [];
  let after: { ts: number; seq: number } | undefined;
  for (;;) {
    const page = await store.search({ where, limit: PAGE, after, order: 'asc' });
    for (const row of page) {
      const event = rowToEvent(row);
      if (event) events.push(event);
    }
    if (events.length > MAX_SUBJECT_EVENTS)
      throw new ValidationError(`more than ${MAX_SUBJECT_EVENTS} events name ${user}: export by time range`);
    const last = page.at(-1);
    if (!last || page.length < PAGE) break;
    after = { ts: last.ts, seq: last.seq };
  }
  return { summary: summarize(user, events, clock.now()), events };
}

function summarize(user: string, events: StoredEvent[], now: number): SubjectAccessSummary {
  const tally = (into: Record<string, number>, key: unknown) => {
    if (typeof key !== 'string' || key === '') return;
    into[key] = (into[key] ?? 0) + 1;
  };
  const s: SubjectAccessSummary = {
    user,
    generated: new Date(now).toISOString(),
    events: events.length,
    first: events[0]?.['@timestamp'] ?? null,
    last: events.at(-1)?.['@timestamp'] ?? null,
    roles: {},
    actions: {},
    outcomes: {},
    hosts: {},
    datasets: {},
    sourceIps: {},
  };
  for (const e of events) {
    for (const role of rolesOf(e, user)) tally(s.roles, role);
    tally(s.actions, e.event?.action);
    tally(s.outcomes, e.event?.outcome);
    tally(s.hosts, e.host?.name);
    tally(s.datasets, e.event?.dataset);
    if (rolesOf(e, user).includes('actor')) tally(s.sourceIps, e.source?.ip);
  }
  return s;
}

const CSV_COLUMNS: Array<[string, (e: StoredEvent, user: string) => unknown]> = [
  ['timestamp', (e) => e['@timestamp']],
  ['seq', (e) => e.stele.seq],
  ['role', (e, user) => rolesOf(e, user).join(' ')],
  ['action', (e) => e.event?.action],
  ['outcome', (e) => e.event?.outcome],
  ['user', (e) => e.user?.name],
  ['effective_user', (e) => e.user?.effective?.name],
  ['target_user', (e) => e.user?.target?.name],
  ['source.ip', (e) => e.source?.ip],
  ['host', (e) => e.host?.name],
  ['dataset', (e) => e.event?.dataset],
  ['message', (e) => e.message],
];

export function subjectCsv(result: SubjectAccessResult): string {
  const user = result.summary.user;
  return (
    csvRow(CSV_COLUMNS.map(([h]) => h)) +
    result.events.map((e) => csvRow(CSV_COLUMNS.map(([, pick]) => pick(e, user)))).join('')
  );
}

/** Writes events.json, events.csv, summary.json and README.md into `dir` (new or empty). */
export function writeSubjectAccess(dir: string, result: SubjectAccessResult): string[] {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0)
    throw new ValidationError(`--out: ${dir} is not empty; give a new directory`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const s = result.summary;
  const files: Record<string, string> = {
    'events.json': JSON.stringify(result.events, null, 2) + '\n',
    'events.csv': subjectCsv(result),
    'summary.json': JSON.stringify(s, null, 2) + '\n',
    'README.md': [
      `# Subject access export: ${s.user}`,
      '',
      `Generated ${s.generated} by Stele. ${s.events} events name this person as the actor, the`,
      'identity acted as (effective user), the identity acted upon (target user), or among the users',
      `an event mentions (related.user), from ${s.first ?? '-'} to ${s.last ?? '-'}.`,
      '',
      '- `events.json`: every event in full, as stored (oldest first).',
      '- `events.csv`: one line per event with the main fields and the role of the person in it.',
      '- `summary.json`: counts by role, action, outcome, host, data source and source address.',
      '',
      'Values shown as "[erased]" were erased on request; events past their retention period are',
      'no longer held and so are not included.',
      '',
    ].join('\n'),
  };
  for (const [name, text] of Object.entries(files))
    fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });
  return Object.keys(files);
}
