// Investigation helpers for responders: the timeline of a session or of a user on a host, pivots
// from an IP through related.*, first-seen facts, and what else happened on a host around an event.

import type { StoredEvent } from '../core/event.js';
import { SteleError } from '../core/errors.js';
import type { AggregateGroup, Store } from '../store/store.js';
import { rowToEvent } from '../store/store.js';
import { parseCidr, type Predicate } from './plan.js';

export const MAX_TIMELINE = 10_000;

export interface TimelineRequest {
  session?: string;
  user?: string;
  host?: string;
  from?: number;
  to?: number;
  limit: number;
  /** Continue after this event (oldest first). */
  after?: { ts: number; seq: number };
}

/** A first-seen fact about one timeline event. */
export type Annotation = 'first_login_to_host' | 'first_ip_for_user';

export interface TimelineEntry {
  event: StoredEvent;
  annotations: Annotation[];
}

export interface PivotValue {
  value: string;
  events: number;
  first: string;
  last: string;
}

export interface FirstSeen {
  user: string;
  host?: string;
  /** The first successful login of the user (to the host, when given). */
  first_login: { '@timestamp': string; seq: number; action: string } | null;
  /** Each source IP the user came from, earliest first. */
  ips: PivotValue[];
}

const eq = (field: string, value: string): Predicate => ({ kind: 'eq', field, value });
const and = (...items: Predicate[]): Predicate => (items.length === 1 ? items[0]! : { kind: 'and', items });

/** Actions that start a session somewhere (a login, a database connection, a console sign-in). */
const LOGIN: Predicate = {
  kind: 'or',
  items: [
    {
      kind: 'wildcard',
      field: 'event.action',
      pattern: { parts: [{ kind: 'any' }, { kind: 'literal', text: 'login' }], prefix: '' },
    },
    eq('event.action', 'db.connect'),
  ],
};
const SUCCESS = eq('event.outcome', 'success');

export class InvestigationService {
  constructor(private readonly store: Store) {}

  /** Events of one session, or of one user and/or host, oldest first, with first-seen annotations. */
  async timeline(r: TimelineRequest): Promise<TimelineEntry[]> {
    const parts: Predicate[] = [];
    if (r.session !== undefined) parts.push(eq('session.id', r.session));
    if (r.user !== undefined) parts.push(eq('user.name', r.user));
    if (r.host !== undefined) parts.push(eq('host.name', r.host));
    if (parts.length === 0)
      throw new SteleError('validation', 'a timeline needs a session, a user or a host');
    const events = await this.events(and(...parts), r);
    return this.annotate(events);
  }

  /** Events on the same host within ± `minutes` of event `seq`, oldest first. */
  async around(
    seq: number,
    minutes: number,
    limit: number,
  ): Promise<{ event: StoredEvent; events: StoredEvent[] }> {
    if (!(minutes > 0 && minutes <= 24 * 60))
      throw new SteleError('validation', 'minutes must be from 1 to 1440');
    const row = await this.store.getEvent(seq);
    const event = row && rowToEvent(row);
    if (!row || !event) throw new SteleError('not_found', `no event with seq ${seq}`);
    const host = event.host?.name;
    if (typeof host !== 'string') throw new SteleError('validation', `event ${seq} names no host.name`);
    const span = minutes * 60_000;
    const events = await this.events(eq('host.name', host), {
      from: row.ts - span,
      to: row.ts + span + 1,
      limit,
    });
    return { event, events };
  }

  /** Users and hosts seen with an IP (or CIDR block) as source.ip or in related.ip. */
  async pivot(
    ip: string,
    from?: number,
    to?: number,
    top = 100,
  ): Promise<{ users: PivotValue[]; hosts: PivotValue[]; events: number }> {
    const block = parseCidr(ip);
    if (!block) throw new SteleError('validation', `'${ip}' is not an IP address or CIDR block`);
    const predicate: Predicate = {
      kind: 'or',
      items: ['source.ip', 'related.ip'].map((field) => ({ kind: 'cidr', field, ...block })),
    };
    const values = async (fields: string[]) => {
      const merged = new Map<string, PivotValue & { firstMs: number; lastMs: number }>();
      for (const field of fields) {
        const { groups } = await this.store.aggregate({ predicate, from, to, by: [field], limit: top });
        for (const g of groups) mergeGroup(merged, g);
      }
      // An event can name a value in both fields: count each event once, exactly.
      for (const v of merged.values()) {
        const named: Predicate = { kind: 'or', items: fields.map((f) => eq(f, v.value)) };
        v.events = await this.store.count(this.store.compileFilter(and(predicate, named)), from, to);
      }
      return [...merged.values()]
        .sort((a, b) => b.events - a.events || (a.value < b.value ? -1 : 1))
        .slice(0, top)
        .map(({ firstMs: _f, lastMs: _l, ...v }) => v);
    };
    const users = await values(['user.name', 'related.user']);
    const hosts = await values(['host.name', 'related.hosts']);
    const { total } = await this.store.aggregate({ predicate, from, to, by: [], limit: 1 });
    return { users, hosts, events: total };
  }

  /** The first login of a user (to a host), and when each of the user's source IPs was first seen. */
  async firstSeen(user: string, host?: string): Promise<FirstSeen> {
    const scope =
      host === undefined ? [eq('user.name', user)] : [eq('user.name', user), eq('host.name', host)];
    const [login] = await this.events(and(...scope, LOGIN, SUCCESS), { limit: 1 });
    const { groups } = await this.store.aggregate({
      predicate: and(...scope),
      by: ['source.ip'],
      limit: 1000,
    });
    const ips = groups
      .filter((g) => g.keys[0] !== null)
      .map((g) => pivotValue(g.keys[0]!, g))
      .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    const result: FirstSeen = {
      user,
      first_login: login
        ? { '@timestamp': login['@timestamp'], seq: login.stele.seq, action: String(login.event?.action) }
        : null,
      ips,
    };
    if (host !== undefined) result.host = host;
    return result;
  }

  private async events(
    predicate: Predicate,
    r: {
      from?: number | undefined;
      to?: number | undefined;
      limit: number;
      after?: { ts: number; seq: number } | undefined;
    },
  ): Promise<StoredEvent[]> {
    if (!Number.isInteger(r.limit) || r.limit < 1 || r.limit > MAX_TIMELINE) {
      throw new SteleError('validation', `limit must be an integer from 1 to ${MAX_TIMELINE}`);
    }
    const rows = await this.store.search({
      where: this.store.compileFilter(predicate),
      from: r.from,
      to: r.to,
      limit: r.limit,
      after: r.after,
      order: 'asc',
    });
    return rows.map(rowToEvent).filter((e): e is StoredEvent => e !== undefined);
  }

  /** Marks the first successful login of a user to a host and the first event of a user from an IP. */
  private async annotate(events: StoredEvent[]): Promise<TimelineEntry[]> {
    const seen = new Map<string, boolean>();
    const isFirst = async (key: string, predicate: Predicate, event: StoredEvent) => {
      if (seen.has(key)) return false; // an earlier event of this timeline came first
      const ts = Date.parse(event['@timestamp']);
      const earlier = await this.store.search({
        where: this.store.compileFilter(predicate),
        to: ts + 1,
        limit: 1,
        order: 'asc',
      });
      const first = earlier[0] === undefined || earlier[0].seq === event.stele.seq;
      seen.set(key, first);
      return first;
    };
    const out: TimelineEntry[] = [];
    for (const event of events) {
      const annotations: Annotation[] = [];
      const user = event.user?.name;
      const host = event.host?.name;
      const ip = event.source?.ip;
      const action = event.event?.action ?? '';
      if (
        user &&
        host &&
        event.event?.outcome === 'success' &&
        (action.endsWith('login') || action === 'db.connect')
      ) {
        const key = `login\u0000${user}\u0000${host}`;
        if (await isFirst(key, and(eq('user.name', user), eq('host.name', host), LOGIN, SUCCESS), event)) {
          annotations.push('first_login_to_host');
        }
      }
      if (user && typeof ip === 'string') {
        const key = `ip\u0000${user}\u0000${ip}`;
        if (await isFirst(key, and(eq('user.name', user), eq('source.ip', ip)), event)) {
          annotations.push('first_ip_for_user');
        }
      }
      out.push({ event, annotations });
    }
    return out;
  }
}

function pivotValue(value: string, g: AggregateGroup): PivotValue {
  return {
    value,
    events: g.count,
    first: new Date(g.first).toISOString(),
    last: new Date(g.last).toISOString(),
  };
}

function mergeGroup(
  merged: Map<string, PivotValue & { firstMs: number; lastMs: number }>,
  g: AggregateGroup,
): void {
  const value = g.keys[0];
  if (value === null || value === undefined) return;
  const m = merged.get(value);
  if (!m) {
    merged.set(value, { ...pivotValue(value, g), firstMs: g.first, lastMs: g.last });
    return;
  }
  m.firstMs = Math.min(m.firstMs, g.first);
  m.lastMs = Math.max(m.lastMs, g.last);
  m.first = new Date(m.firstMs).toISOString();
  m.last = new Date(m.lastMs).toISOString();
}
