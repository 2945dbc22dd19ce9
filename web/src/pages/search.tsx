// Search: query bar with completion, time range, histogram with brush zoom, results with virtual
// scrolling and column choice, facets, live tail, shareable URL and export. The URL holds the whole
// search (q, from, to, cols), so a link reproduces it.

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { download, getJson } from '../lib/api';
import { DEFAULT_COLUMNS, fieldsOf } from '../lib/fields';
import { formatCount } from '../lib/format';
import { href } from '../lib/router';
import { useApi } from '../lib/use-api';
import { useWindowHeight } from '../lib/use-window-height';
import type { AuditEvent, EventPage, HistogramReply } from '../lib/types';
import { QueryBar } from '../components/query-bar';
import { ResultsTable } from '../components/results-table';
import { HistogramChart } from '../components/histogram-chart';
import { Facets } from '../components/facets';
import { ColumnChooser } from '../components/column-chooser';
import { TimeRange } from '../components/time-range';

const PAGE = 200;

interface Search {
  q: string;
  from: string;
  to: string;
  cols: string[];
}

function searchOf(params: URLSearchParams): Search {
  const cols = params.get('cols');
  return {
    q: params.get('q') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    cols: cols ? cols.split(',').filter(Boolean) : DEFAULT_COLUMNS,
  };
}

function go(s: Search): void {
  const cols = s.cols.join(',') === DEFAULT_COLUMNS.join(',') ? undefined : s.cols.join(',');
  location.hash = href('search', { q: s.q, from: s.from, to: s.to, cols });
}

/** Marks "results on screen" after the browser painted the rows of a fresh reply. */
function markRendered(): void {
  requestAnimationFrame(() =>
    setTimeout(() => {
      performance.mark('stele:results-rendered');
      performance.measure('stele:results-on-screen', 'stele:events-reply', 'stele:results-rendered');
    }, 0),
  );
}

export function SearchPage({ params }: { params: URLSearchParams }) {
  const search = searchOf(params);
  const key = `${search.q}|${search.from}|${search.to}`;
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(false);
  const [tail, setTail] = useState(false);
  const [notice, setNotice] = useState<string>();
  const fresh = useRef(false);
  const loadingMore = useRef(false);
  const height = useWindowHeight();

  const count = useApi(key, (signal) =>
    getJson<{ count: number }>('/v1/events/count', { q: search.q, from: search.from, to: search.to }, signal),
  );
  const histogram = useApi(key, (signal) =>
    getJson<HistogramReply>(
      '/v1/histogram',
      { q: search.q, from: search.from, to: search.to, failures: true },
      signal,
    ),
  );

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(undefined);
    getJson<EventPage>(
      '/v1/events',
      { q: search.q, from: search.from, to: search.to, limit: PAGE },
      controller.signal,
      'stele:events-reply',
    )
      .then((page) => {
        fresh.current = true;
        setEvents(page.events);
        setCursor(page.next_cursor);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setEvents([]);
        setCursor(null);
        setError(err instanceof Error ? err.message : String(err));
      })
      .finally(() => !controller.signal.aborted && setLoading(false));
    return () => controller.abort();
  }, [key]);

  useLayoutEffect(() => {
    if (!fresh.current) return;
    fresh.current = false;
    markRendered();
  }, [events]);

  const loadMore = useCallback(() => {
    if (!cursor || loadingMore.current) return;
    loadingMore.current = true;
    getJson<EventPage>('/v1/events', { q: search.q, from: search.from, to: search.to, limit: PAGE, cursor })
      .then((page) => {
        setEvents((prev) => [...prev, ...page.events]);
        setCursor(page.next_cursor);
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)))
      .finally(() => (loadingMore.current = false));
  }, [cursor, search.q, search.from, search.to]);

  // Live tail: every second, events with a higher ledger index than the newest shown.
  useEffect(() => {
    if (!tail) return undefined;
    const timer = setInterval(() => {
      const newest = events.reduce((m, e) => Math.max(m, e.stele.seq), -1);
      const q = search.q.trim() ? `(${search.q}) AND seq>${newest}` : `seq>${newest}`;
      getJson<EventPage>('/v1/events', { q, from: search.from, limit: 500 })
        .then(
          (page) =>
            page.events.length > 0 &&
            setEvents((prev) => [...page.events.filter((e) => e.stele.seq > newest), ...prev]),
        )
        .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
    }, 1000);
    return () => clearInterval(timer);
  }, [tail, events, search.q, search.from]);

  const fields = useMemo(() => fieldsOf(events), [events]);
  const run = (q: string) => go({ ...search, q });
  const addClause = (clause: string) =>
    go({ ...search, q: search.q.trim() ? `${search.q.trim()} ${clause}` : clause });
  const share = async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      setNotice('Link copied');
    } catch {
      setNotice(`Link: ${location.href}`);
    }
  };
  const exportAs = (format: 'ndjson' | 'csv') =>
    download(
      '/v1/export',
      { q: search.q, from: search.from, to: search.to, format },
      `stele-export.${format}`,
    ).catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  const total = count.data?.count;

  return (
    <div className="search-page">
      <h1 className="sr-only">Search</h1>
      <QueryBar value={search.q} fields={fields} onRun={run} />
      <div className="toolbar">
        <TimeRange from={search.from} to={search.to} onChange={(from, to) => go({ ...search, from, to })} />
        <span className="count" aria-live="polite">
          {loading ? 'Searching…' : total === undefined ? '' : `${formatCount(total)} events`}
        </span>
        <label className="check">
          <input type="checkbox" checked={tail} onChange={(e) => setTail(e.target.checked)} /> Live tail
        </label>
        <ColumnChooser fields={fields} columns={search.cols} onChange={(cols) => go({ ...search, cols })} />
        <button type="button" onClick={share}>
          Share
        </button>
        <button type="button" onClick={() => exportAs('ndjson')}>
          Export NDJSON
        </button>
        <button type="button" onClick={() => exportAs('csv')}>
          CSV
        </button>
        {notice && (
          <span className="muted small" role="status">
            {notice}
          </span>
        )}
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="search-body">
        <section className="results-pane" aria-label="Results">
          {histogram.data && histogram.data.buckets.length > 0 && (
            <HistogramChart
              histogram={histogram.data}
              onZoom={(from, to) => go({ ...search, from, to })}
              height={130}
            />
          )}
          <ResultsTable
            events={events}
            columns={search.cols}
            height={Math.max(200, height - 340)}
            total={total}
            onNearEnd={loadMore}
          />
          {!loading && events.length === 0 && !error && <p className="muted">No events match.</p>}
        </section>
        <Facets query={search.q} from={search.from} to={search.to} onPick={addClause} />
      </div>
    </div>
  );
}
