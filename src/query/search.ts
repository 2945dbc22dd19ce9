// Search over the store: parses and plans a query, has the store compile it for its dialect, and
// turns rows back into events. Used by the HTTP API and the CLI alike.

import type { Clock } from '../core/clock.js';
import type { StoredEvent } from '../core/event.js';
import { SteleError } from '../core/errors.js';
import { Utf8Builder } from '../core/utf8-builder.js';
import { countedAggregate } from '../store/aggregate-sql.js';
import type { AggregateRequest, EventContent, SearchRequest, SqlFilter, Store } from '../store/store.js';
import { rowToEvent } from '../store/store.js';
import { csvHeader } from './investigate-output.js';
import { writeExportPage, type ExportFormat } from './export-page.js';
import { createExportReaders, type ExportReaders, type ExportReadersOptions } from './export-readers.js';
import { parseQuery } from './parser.js';
import { planQuery, type Predicate } from './plan.js';
import { resolveTime } from './time.js';

export type { ExportFormat };

/** Most events per export page: the per-query cost spread thin. */
const EXPORT_PAGE = 1000;
/** Bytes of output a page aims at: pages of large events get fewer of them, so memory stays flat. */
const EXPORT_PAGE_BYTES = 2 * 1024 * 1024;
/** Pages an export reads itself before handing the rest to the export readers. */
const INLINE_PAGES = 2;
/** Page ends asked for at once. */
const ENDS_PER_CALL = 16;
/** Pages in the readers' hands per reader: one being written, one waiting. */
const PAGES_PER_READER = 2;

export interface PreparedSearch {
  text: string;
  predicate: Predicate;
  filter: SqlFilter | undefined;
  from?: number;
  to?: number;
}

export class SearchService {
  private startedReaders: ExportReaders | undefined;

  /** `readers`: worker threads that write the pages of long exports (export-readers.ts). */
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly readers?: ExportReadersOptions,
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
   * for the next, so memory stays at a few pages whatever the result size. Each page is written
   * into one reused buffer and copied out (export-page.ts).
   *
   * The first pages are read here. An export longer than that, over a snapshot, with export
   * readers configured, goes on through them: its pages' bounds are read ahead (Store.pageEnds)
   * and the readers write pages side by side, handed back here in order.
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
    const request = (after: { ts: number; seq: number } | undefined): SearchRequest => ({
      where: search.filter,
      from: search.from,
      to: search.to,
      limit,
      after,
      maxSeq: options.maxSeq,
    });
    const read = (after: { ts: number; seq: number } | undefined): Promise<EventContent[]> =>
      quiet(this.store.searchContent(request(after)));
    let next = read(undefined);
    for (let pages = 1; ; pages++) {
      const rows = await next;
      const last = rows.at(-1);
      // A page shorter than asked for may still be followed by more: expired rows are left out.
      if (last === undefined) return;
      const after = { ts: last.ts, seq: last.seq };
      const readers =
        pages === INLINE_PAGES && options.maxSeq !== undefined ? this.exportReaders() : undefined;
      // The next page is asked for before this one is written: a store that answers
      // asynchronously (PostgreSQL) reads it meanwhile.
      if (!readers) next = read(after);
      writeExportPage(rows, format, out);
      const data = out.take();
      yield { data, events: rows.length };
      // The page after next sized from this one's events, between 10 and `most`.
      limit = Math.max(10, Math.min(most, Math.floor((EXPORT_PAGE_BYTES * rows.length) / data.length)));
      if (readers) {
        yield* exportThrough(readers, { ...request(after), limit }, format);
        return;
      }
    }
  }

  /** The export readers, started on first use; undefined when there are none. */
  private exportReaders(): ExportReaders | undefined {
    if (!this.readers) return undefined;
    this.startedReaders ??= createExportReaders(this.readers);
    return this.startedReaders;
  }

  /** Stops the export readers, if any were started. */
  async close(): Promise<void> {
    const readers = this.startedReaders;
    this.startedReaders = undefined;
    await readers?.close();
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

/**
 * The rest of an export, after `start.after`, through the readers: page bounds are read ahead a
 * few calls at a time, each page goes to a reader with both its bounds, and pages are handed on in
 * order. At most PAGES_PER_READER pages per reader are out at once, and they are taken in order:
 * memory stays at a few pages. Bounded pages stay exact under a snapshot: no event can join one
 * after its bounds were read.
 */
async function* exportThrough(
  readers: ExportReaders,
  start: SearchRequest,
  format: ExportFormat,
): AsyncGenerator<{ data: Buffer; events: number }> {
  const endsAfter = (after: SearchRequest['after']) =>
    quiet(readers.pageEnds({ ...start, after }, ENDS_PER_CALL));
  let after = start.after;
  let ends: Array<{ ts: number; seq: number }> = [];
  let nextEnds: Promise<Array<{ ts: number; seq: number }>> | undefined = endsAfter(after);
  const pages: Array<Promise<{ data: Buffer; events: number }>> = [];
  for (;;) {
    while (pages.length < PAGES_PER_READER * readers.size) {
      if (ends.length === 0) {
        if (!nextEnds) break;
        ends = await nextEnds;
        nextEnds = ends.length === ENDS_PER_CALL ? endsAfter(ends.at(-1)) : undefined;
        if (ends.length === 0) break;
      }
      const through = ends.shift()!;
      pages.push(quiet(readers.page({ ...start, after, through }, format)));
      after = through;
    }
    const page = pages.shift();
    if (!page) return;
    yield await page;
  }
}

/**
 * `p`, read ahead of its turn: it is awaited when its turn comes, unless the consumer stops first,
 * and then its failure is of no interest (and must not be an unhandled rejection).
 */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

function timeParam(name: string, value: string, now: number): number {
  try {
    return resolveTime(value, now);
  } catch (err) {
    throw new SteleError('validation', `${name}: ${(err as Error).message}`);
  }
}
