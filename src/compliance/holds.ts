// Legal holds (docs/compliance.md): a query and an optional time range whose events retention must
// never expire until the hold is released. Kept in the store's meta table (one small JSON list, so
// every dialect has it); placing and releasing are each recorded as a ledger event naming the hold
// by id and reason (the query is kept in the hold list, not in the ledger: it may name a person).

import { randomBytes } from 'node:crypto';
import { SteleError, ValidationError } from '../core/errors.js';
import { parseQuery } from '../query/parser.js';
import { planQuery, type Predicate } from '../query/plan.js';
import { resolveTime } from '../query/time.js';
import { complianceEvent, type ComplianceContext } from './context.js';

const META_KEY = 'legal_holds';

export interface LegalHold {
  id: string;
  /** Query text (docs/query-language.md); '' holds every event of the time range. */
  query: string;
  /** Held time range of @timestamp (RFC 3339), either end open. */
  from: string | null;
  to: string | null;
  reason: string;
  created: string;
  createdBy: string;
  released: string | null;
  releasedBy: string | null;
  /** Ledger seqs of the events that recorded placing and releasing the hold. */
  placedSeq: number;
  releasedSeq: number | null;
}

export interface NewHold {
  query?: string;
  from?: string;
  to?: string;
  reason: string;
}

let chain: Promise<unknown> = Promise.resolve();

/** Serializes hold changes and retention runs within this process (a run sees every hold placed before it). */
export function serialized<T>(fn: () => Promise<T>): Promise<T> {
  const next = chain.then(fn, fn);
  chain = next.catch(() => undefined);
  return next;
}

export async function listHolds(ctx: Pick<ComplianceContext, 'store'>): Promise<LegalHold[]> {
  const text = await ctx.store.getMeta(META_KEY);
  if (text === undefined) return [];
  return JSON.parse(text) as LegalHold[];
}

export function placeHold(ctx: ComplianceContext, hold: NewHold, by: string): Promise<LegalHold> {
  const query = hold.query ?? '';
  const reason = hold.reason.trim();
  if (reason === '') throw new ValidationError('a hold needs a reason');
  if (reason.length > 1000) throw new ValidationError('reason: at most 1000 characters');
  if (query === '' && hold.from === undefined && hold.to === undefined)
    throw new ValidationError('a hold needs a query or a time range (--from/--to)');
  const now = ctx.clock.now();
  const from = hold.from === undefined ? null : absolute('from', hold.from, now);
  const to = hold.to === undefined ? null : absolute('to', hold.to, now);
  holdPredicate({ query, from, to }, now); // rejects a bad query before anything is written
  return serialized(async () => {
    const id = `hold-${randomBytes(6).toString('hex')}`;
    const placedSeq = await ctx.record(
      complianceEvent(
        'stele.hold.place',
        now,
        `legal hold ${id} placed`,
        { hold: id, reason, by },
        'creation',
      ),
    );
    const record: LegalHold = {
      id,
      query,
      from,
      to,
      reason,
      created: new Date(now).toISOString(),
      createdBy: by,
      released: null,
      releasedBy: null,
      placedSeq,
      releasedSeq: null,
    };
    const holds = await listHolds(ctx);
    await ctx.store.setMeta(META_KEY, JSON.stringify([...holds, record]));
    return record;
  });
}

export function releaseHold(ctx: ComplianceContext, id: string, by: string): Promise<LegalHold> {
  return serialized(async () => {
    const holds = await listHolds(ctx);
    const hold = holds.find((h) => h.id === id);
    if (!hold) throw new SteleError('not_found', `no legal hold ${id}`);
    if (hold.released !== null) throw new SteleError('conflict', `legal hold ${id} was already released`);
    const now = ctx.clock.now();
    hold.releasedSeq = await ctx.record(
      complianceEvent('stele.hold.release', now, `legal hold ${id} released`, { hold: id, by }, 'deletion'),
    );
    hold.released = new Date(now).toISOString();
    hold.releasedBy = by;
    await ctx.store.setMeta(META_KEY, JSON.stringify(holds));
    return hold;
  });
}

/** The events a hold covers, as a predicate (its query within its time range). */
export function holdPredicate(hold: Pick<LegalHold, 'query' | 'from' | 'to'>, now: number): Predicate {
  let predicate: Predicate;
  try {
    predicate = planQuery(parseQuery(hold.query), { now });
  } catch (err) {
    throw new ValidationError(`hold query: ${(err as Error).message}`, { cause: err });
  }
  const range: Predicate = {
    kind: 'range',
    field: '@timestamp',
    type: 'date',
    ...(hold.from === null ? {} : { gte: Date.parse(hold.from) }),
    ...(hold.to === null ? {} : { lt: Date.parse(hold.to) }),
  };
  if (hold.from === null && hold.to === null) return predicate;
  return predicate.kind === 'all' ? range : { kind: 'and', items: [predicate, range] };
}

/** Every event under an active hold, or undefined when no hold is active. */
export function heldPredicate(holds: readonly LegalHold[], now: number): Predicate | undefined {
  const active = holds.filter((h) => h.released === null);
  if (active.length === 0) return undefined;
  return { kind: 'or', items: active.map((h) => holdPredicate(h, now)) };
}

function absolute(name: string, value: string, now: number): string {
  try {
    return new Date(resolveTime(value, now)).toISOString();
  } catch (err) {
    throw new ValidationError(`${name}: ${(err as Error).message}`, { cause: err });
  }
}
