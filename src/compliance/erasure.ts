// Erasure of a person's data (GDPR art. 17) without breaking the ledger. In every event that names
// the person, each personal value is replaced by "[erased]" and its commitment kept in place of the
// value and salt; the event's salt seed is deleted. The entry bytes, and so every leaf hash, proof
// and checkpoint, stay exactly as they were, and the erased values cannot be recovered by guessing.

import type { AuditEvent, StoredEvent } from '../core/event.js';
import { IntegrityError, ValidationError } from '../core/errors.js';
import { commitValue, deriveSalt } from '../ledger/commitment.js';
import { getPath, setPath } from '../ledger/field-path.js';
import { ledgerLeaf } from '../ledger/entry.js';
import { fieldValues, parseCidr, TEXT_FIELDS, type Predicate } from '../query/plan.js';
import { encodeBody } from '../store/row-codec.js';
import type { ErasureUpdate, EventRow, Store } from '../store/store.js';
import { isAlertStore, rowToEvent } from '../store/store.js';

export const ERASED = '[erased]';

/** Fields that name a user: an event with the subject in any of them is the subject's. */
const USER_FIELDS = ['user.name', 'user.effective.name', 'user.target.name', 'related.user'];
const IP_FIELDS = ['source.ip', 'related.ip'];

export interface ErasureSubject {
  user: string;
  /** More addresses to erase; the addresses seen in the user's own events are added to these. */
  ips?: string[];
}

export interface ErasureReport {
  /** Events whose personal data was erased. */
  events: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** Addresses of the person (given, or found in their events) that were erased too. */
  ips: number;
  /** Events that still name the person in fields that are not personal (cannot be erased). */
  remaining: number;
}

export async function eraseSubject(
  store: Store,
  personalFields: readonly string[],
  subject: ErasureSubject,
): Promise<ErasureReport> {
  if (subject.user.trim() === '' || subject.user === ERASED)
    throw new ValidationError('a user name is required');
  const byUser: Predicate = {
    kind: 'or',
    items: USER_FIELDS.map((field) => ({ kind: 'eq' as const, field, value: subject.user })),
  };
  const rows = new Map<number, EventRow>();
  for (const row of await allRows(store, byUser)) rows.set(row.seq, row);

  // The person's addresses: those given, and those in their own events.
  const ips = new Set(subject.ips ?? []);
  for (const row of rows.values()) {
    const event = rowToEvent(row);
    if (!event) continue;
    for (const field of IP_FIELDS)
      for (const v of fieldValues(event, field)) if (typeof v === 'string') ips.add(v);
  }
  ips.delete(ERASED);
  const blocks = [...ips].map((ip) => {
    const block = parseCidr(ip);
    if (!block) throw new ValidationError(`'${ip}' is not an IP address`);
    return block;
  });
  if (blocks.length > 0) {
    const byIp: Predicate = {
      kind: 'or',
      items: blocks.flatMap((b) => IP_FIELDS.map((field) => ({ kind: 'cidr' as const, field, ...b }))),
    };
    for (const row of await allRows(store, byIp)) rows.set(row.seq, row);
  }

  // Events whose text names the person or their addresses (an audit record of a search for them).
  const mentions = [subject.user, ...ips];
  const byText: Predicate = {
    kind: 'or',
    items: mentions.map((value) => ({
      kind: 'text' as const,
      fields: [...TEXT_FIELDS],
      match: 'phrase' as const,
      value,
    })),
  };
  for (const row of await allRows(store, byText)) rows.set(row.seq, row);

  // The person's own events lose every personal value; anyone else's only the values naming them.
  const updates: ErasureUpdate[] = [];
  let remaining = 0;
  for (const row of rows.values()) {
    const event = rowToEvent(row);
    if (!event) continue;
    const actor = event.user?.name;
    const own = actor === undefined || actor === subject.user || actor === ERASED;
    const erased = eraseRow(
      row,
      personalFields,
      own ? () => true : (_field, value) => mentionsAny(value, mentions),
    );
    if (erased) updates.push(erased.update);
    if (mentionsOutside(erased ? erased.event : event, personalFields, mentions)) remaining++;
  }
  // Derived copies first (alerts, first-seen state), then the events, whose write also folds the WAL.
  if (isAlertStore(store)) await store.eraseDerived(mentions, ERASED);
  for (let i = 0; i < updates.length; i += 1000) await store.eraseEvents(updates.slice(i, i + 1000));
  if (updates.length === 0) await store.eraseEvents([]);
  const seqs = updates.map((u) => u.seq).sort((a, b) => a - b);
  return {
    events: seqs.length,
    firstSeq: seqs[0] ?? null,
    lastSeq: seqs.at(-1) ?? null,
    ips: ips.size,
    remaining,
  };
}

/**
 * Whether a value (any JSON) names one of the strings as a whole word: `bob` is in "for bob from",
 * not in "bobby"; `10.0.0.1` is not in "10.0.0.12".
 */
function mentionsAny(value: unknown, needles: readonly string[]): boolean {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return needles.some((n) => wholeWord(n).test(text));
}

function wholeWord(needle: string): RegExp {
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w.@-])${escaped}(?![\\w@-]|\\.\\w)`, 'i');
}

/** Whether the event still names the person outside its personal fields (which cannot be erased). */
function mentionsOutside(
  event: StoredEvent,
  personalFields: readonly string[],
  needles: readonly string[],
): boolean {
  const copy = structuredClone(event) as Record<string, unknown>;
  for (const field of personalFields) if (getPath(copy, field) !== undefined) setPath(copy, field, null);
  return mentionsAny(copy, needles);
}

/**
 * The erased form of one row: each personal value `erase` selects becomes "[erased]" with its
 * commitment kept; the salts of the others are kept explicitly and the seed is deleted. Undefined
 * when nothing is selected. Throws if the erased event would not hash to the same leaf: erasure
 * must never alter the ledger.
 */
export function eraseRow(
  row: EventRow,
  personalFields: readonly string[],
  erase: (field: string, value: unknown) => boolean,
): { update: ErasureUpdate; event: StoredEvent } | undefined {
  const event = rowToEvent(row);
  if (!event) return undefined;
  const commitments: Record<string, string> = { ...(row.erased?.commitments ?? {}) };
  const salts: Record<string, string> = { ...(row.erased?.salts ?? {}) };
  let changed = false;
  for (const field of personalFields) {
    const value = getPath(event, field);
    if (value === undefined || value === null || value === ERASED) continue;
    const kept = salts[field];
    const salt = row.seed
      ? deriveSalt(row.seed, field)
      : kept === undefined
        ? undefined
        : Buffer.from(kept, 'base64');
    if (!erase(field, value)) {
      if (salt) salts[field] = salt.toString('base64');
      continue;
    }
    if (!salt) throw new IntegrityError(`event ${row.seq}: ${field} has no salt to commit with`, row.seq);
    commitments[field] = commitValue(salt, value);
    delete salts[field];
    setPath(event, field, ERASED);
    changed = true;
  }
  if (!changed) return undefined;
  const erased = { commitments, salts };
  const leaf = ledgerLeaf(event, null, personalFields, erased);
  if (!leaf.equals(row.leafHash)) {
    throw new IntegrityError(
      `event ${row.seq}: erasing would change its ledger entry; nothing was erased`,
      row.seq,
    );
  }
  const { body, columns } = encodeBody(event, row.ts);
  return { update: { seq: row.seq, body, columns, erased }, event };
}

async function allRows(store: Store, predicate: Predicate): Promise<EventRow[]> {
  const where = store.compileFilter(predicate);
  const out: EventRow[] = [];
  let after: { ts: number; seq: number } | undefined;
  for (;;) {
    const page = await store.search({ where, limit: 5000, after });
    out.push(...page);
    const last = page.at(-1);
    if (!last || page.length < 5000) return out;
    after = { ts: last.ts, seq: last.seq };
  }
}

/** The event that records an erasure in the ledger itself; it names no one. */
export function erasureEvent(report: ErasureReport, requestedBy: string, now: number): AuditEvent {
  return {
    '@timestamp': new Date(now).toISOString(),
    event: {
      action: 'stele.erasure',
      outcome: 'success',
      category: 'iam',
      type: 'deletion',
      dataset: 'stele',
    },
    message: `personal data erased in ${report.events} events`,
    labels: {
      events: String(report.events),
      first_seq: String(report.firstSeq ?? ''),
      last_seq: String(report.lastSeq ?? ''),
      requested_by: requestedBy,
    },
  };
}
