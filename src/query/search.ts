// Search over the store: parses and plans a query, has the store compile it for its dialect, and
// turns rows back into events. Used by the HTTP API and the CLI alike.

import type { Clock } from '../core/clock.js';
import type { StoredEvent } from '../core/event.js';
import { SteleError } from '../core/errors.js';
import { Utf8Builder } from '../core/utf8-builder.js';
import { countedAggregate } from '../store/aggregate-sql.js';
import type { AggregateRequest, EventContent, SqlFilter, Store } from '../store/store.js';
import { rowToEvent } from '../store/store.js';
import { appendEventJson, decodeRow } from '../store/row-codec.js';
import { csvEvent, csvHeader } from './investigate-output.js';
import { parseQuery } from './parser.js';
import { planQuery, type Predicate } from './plan.js';
import { resolveTime } from './time.js';

export type ExportFormat = 'ndjson' | 'csv';

/** Most events per export page: the per-query cost spread thin. */
const EXPORT_PAGE = 1000;
/** Bytes of output a page aims at: pages of large events get fewer of them, so memory stays flat. */
const EXPORT_PAGE_BYTES = 2 * 1024 * 1024;

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

  /**
   * Every matching event as NDJSON or CSV (UTF-8), newest first, one chunk per page (keyset paging
   * over the snapshot `maxSeq`): the caller writes a chunk and waits for it to drain before asking
   * for the next, so memory stays at about a page whatever the result size. NDJSON lines are the
   * stored JSON with the column values spliced in (row-codec.ts eventJson), never re-serialized;
   * each page is written into one reused buffer and copied out.
   */
  async *export(
    search: PreparedSearch,
    format: ExportFormat,
    options: { maxSeq?: number; pageSize?: number } = {},
  ): AsyncGenerator<{ data: Buffer; events: number }> {
    const most = options.pageSize ?? EXPORT_PAGE;
    let limit = most;
    if (format === 'csv') yield { data: Buffer.from(csvHeader()), events: 0 };
    const out = new Utf8Builder(EXPORT_PAGE_BYTES);
    const read = (after: { ts: number; seq: number } | undefined): Promise<EventContent[]> => {
      const rows = this.store.searchContent({
        where: search.filter,
        from: search.from,
        to: search.to,
        limit,
        after,
        maxSeq: options.maxSeq,
      });
      // Awaited below, unless the consumer stops first: then its failure is of no interest.
      rows.catch(() => undefined);
      return rows;
    };
    let next = read(undefined);
    for (;;) {
      const rows = await next;
      const last = rows.at(-1);
      // A page shorter than asked for may still be followed by more: expired rows are left out.
      if (last === undefined) return;
      // The next page is asked for before this one is written: a store that answers
      // asynchronously (PostgreSQL) reads it meanwhile.
      next = read({ ts: last.ts, seq: last.seq });
      for (const row of rows) {
        if (format === 'csv') {
          out.push(csvEvent(decodeRow(row)));
        } else {
          appendEventJson(row, out);
          out.push('\n');
        }
      }
      const data = out.take();
      yield { data, events: rows.length };
      // The page after next sized from this one's events, between 10 and `most`.
      limit = Math.max(10, Math.min(most, Math.floor((EXPORT_PAGE_BYTES * rows.length) / data.length)));
    }
  }

  /**
   * Exact number of matching events. A filter the hourly counts can answer (nothing, or equalities
   * on dataset, outcome and user: aggregate-sql.ts countFilterOf) is summed from them, plus the
   * partial hours at the ends: `outcome:failure` over 30 days of 10M events took 240-470 ms as an
   * index count.
   */
  async count(search: PreparedSearch): Promise<number> {
    const request: AggregateRequest = { predicate: search.predicate, by: [], limit: 1 };
    if (search.from !== undefined) request.from = search.from;
    if (search.to !== undefined) request.to = search.to;
    if (countedAggregate(request)) {
      return (await this.store.aggregate(request)).total;
    }
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
