// Search over the store: parses and plans a query, has the store compile it for its dialect, and
// turns rows back into events. Used by the HTTP API and the CLI alike.

import type { Clock } from '../core/clock.js';
import type { StoredEvent } from '../core/event.js';
import { SteleError } from '../core/errors.js';
import type { SqlFilter, Store } from '../store/store.js';
import { rowToEvent } from '../store/store.js';
import { parseQuery } from './parser.js';
import { planQuery, type Predicate } from './plan.js';
import { resolveTime } from './time.js';

export interface PreparedSearch {
  text: string;
  predicate: Predicate;
  filter: SqlFilter | undefined;
  from?: number;
  to?: number;
}

export class SearchService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  prepare(q: string, from?: string | null, to?: string | null): PreparedSearch {
    const now = this.clock.now();
    const predicate = planQuery(parseQuery(q), { now });
    const prepared: PreparedSearch = { text: q, predicate, filter: this.store.compileFilter(predicate) };
    if (from) prepared.from = timeParam('from', from, now);
    if (to) prepared.to = timeParam('to', to, now);
    return prepared;
  }

  async page(
    search: PreparedSearch,
    options: { limit: number; after?: { ts: number; seq: number } | undefined; maxSeq?: number },
  ): Promise<StoredEvent[]> {
    const rows = await this.store.search({
      where: search.filter,
      from: search.from,
      to: search.to,
      limit: options.limit,
      after: options.after,
      maxSeq: options.maxSeq,
    });
    return rows.map(rowToEvent).filter((e): e is StoredEvent => e !== undefined);
  }

  count(search: PreparedSearch): Promise<number> {
    return this.store.count(search.filter, search.from, search.to);
  }

  async get(seq: number): Promise<StoredEvent | undefined> {
    const row = await this.store.getEvent(seq);
    return row && rowToEvent(row);
  }
}

function timeParam(name: string, value: string, now: number): number {
  try {
    return resolveTime(value, now);
  } catch (err) {
    throw new SteleError('validation', `${name}: ${(err as Error).message}`);
  }
}
