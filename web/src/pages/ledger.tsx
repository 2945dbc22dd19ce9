// Ledger and sources: the latest signed checkpoint and the verifier key, the last verification the
// log records, and per-source ingest figures read from /metrics (rates from two readings); lag is
// measured on the newest events (arrival minus event time).

import { useEffect, useRef, useState } from 'react';
import { getJson, getText } from '../lib/api';
import { formatBytes, formatCount, formatTime, getField, show } from '../lib/format';
import { parseMetrics, sumBy, total, type Sample } from '../lib/metrics';
import { href } from '../lib/router';
import { useApi } from '../lib/use-api';
import type { EventPage, LedgerKey } from '../lib/types';

interface Reading {
  at: number;
  samples: Sample[];
}

function useMetrics(everyMs: number): { now?: Reading; before?: Reading; error?: string } {
  const [state, setState] = useState<{ now?: Reading; before?: Reading; error?: string }>({});
  const last = useRef<Reading | undefined>(undefined);
  useEffect(() => {
    let live = true;
    const read = () =>
      fetch('/metrics')
        .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`/metrics: HTTP ${r.status}`))))
        .then((text) => {
          if (!live) return;
          const reading = { at: performance.now(), samples: parseMetrics(text) };
          setState({ now: reading, ...(last.current ? { before: last.current } : {}) });
          last.current = reading;
        })
        .catch((err: Error) => live && setState((s) => ({ ...s, error: err.message })));
    void read();
    const timer = setInterval(read, everyMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [everyMs]);
  return state;
}

interface ServerStatus {
  witnesses: Array<{
    witness: string;
    type: string;
    last_size: number | null;
    last_at: string | null;
    last_error: string | null;
    last_error_at: string | null;
  }>;
}

export function LedgerPage() {
  const note = useApi('cp', () => getText('/v1/checkpoint'));
  const key = useApi('key', (s) => getJson<LedgerKey>('/v1/ledger/key', {}, s));
  const verification = useApi('verify', (s) =>
    getJson<EventPage>('/v1/events', { q: 'action:stele.verify', limit: 1 }, s),
  );
  const recent = useApi('recent', (s) =>
    getJson<EventPage>('/v1/events', { q: '-stele.source:stele', limit: 500 }, s),
  );
  const status = useApi('status', (s) => getJson<ServerStatus>('/v1/status', {}, s));
  const metrics = useMetrics(5000);
  const [origin = '', size = '', root = ''] = (note.data ?? '').split('\n');
  const lastVerify = verification.data?.events[0];
  return (
    <div className="ledger-page">
      <h1>Ledger and sources</h1>
      <div className="grid">
        <section className="panel">
          <h2>Latest checkpoint</h2>
          {note.error && <p className="error">{note.error}</p>}
          {note.data && (
            <dl>
              <dt>Tree size</dt>
              <dd data-testid="tree-size">{formatCount(Number(size))} entries</dd>
              <dt>Origin</dt>
              <dd>
                <code>{origin}</code>
              </dd>
              <dt>Root hash</dt>
              <dd>
                <code>{root}</code>
              </dd>
            </dl>
          )}
          <details>
            <summary>Signed note</summary>
            <pre className="original">{note.data}</pre>
          </details>
          <button type="button" onClick={note.reload}>
            Refresh
          </button>
        </section>
        <section className="panel">
          <h2>Verifier key</h2>
          {key.data && (
            <p>
              <code className="wrap">{key.data.verifierKey}</code>
            </p>
          )}
          <p className="small muted">
            Event pages verify their proofs against this key in the browser. Save it to check the log offline
            (<code>stele verify-bundle</code>).
          </p>
        </section>
        <section className="panel">
          <h2>Last verification</h2>
          {lastVerify ? (
            <p>
              <a href={href('event', {}, String(lastVerify.stele.seq))}>
                {formatTime(lastVerify['@timestamp'])} UTC
              </a>
              :{' '}
              <span className={`badge ${show(getField(lastVerify, 'event.outcome'))}`}>
                {show(getField(lastVerify, 'event.outcome'))}
              </span>{' '}
              {show(getField(lastVerify, 'labels.verified'))} entries checked
              {getField(lastVerify, 'labels.reason') !== undefined && (
                <> — {show(getField(lastVerify, 'labels.reason'))}</>
              )}
            </p>
          ) : (
            <p className="muted">
              The log records no verification yet (no <code>stele.verify</code> event). The server verifies
              the whole ledger on a schedule (<code>ledger.verify_every</code>, default 24h, first run a
              minute after start); <code>stele verify</code> checks it on demand.
            </p>
          )}
        </section>
        <section className="panel">
          <h2>Witnesses</h2>
          {status.error && <p className="error">{status.error}</p>}
          {status.data && status.data.witnesses.length === 0 && (
            <p className="muted small">
              No witness is configured (<code>ledger.witnesses</code>: a file or a URL that receives every
              checkpoint; see docs/ledger.md).
            </p>
          )}
          {status.data && status.data.witnesses.length > 0 && (
            <table aria-label="Witnesses">
              <thead>
                <tr>
                  <th scope="col">Witness</th>
                  <th scope="col">Last checkpoint taken</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {status.data.witnesses.map((w) => (
                  <tr key={w.witness}>
                    <td>
                      <code>{w.witness}</code> ({w.type})
                    </td>
                    <td>
                      {w.last_size === null
                        ? 'none yet'
                        : `size ${formatCount(w.last_size)} at ${formatTime(w.last_at ?? '')} UTC`}
                    </td>
                    <td className={w.last_error ? 'error' : 'muted'}>
                      {w.last_error ? `${w.last_error} (${formatTime(w.last_error_at ?? '')} UTC)` : 'none'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <Server metrics={metrics} />
        <Sources metrics={metrics} recent={recent.data} />
      </div>
    </div>
  );
}

function Server({ metrics }: { metrics: ReturnType<typeof useMetrics> }) {
  const s = metrics.now?.samples ?? [];
  const commits = s.filter(
    (x) => x.name === 'stele_commit_seconds_sum' || x.name === 'stele_commit_seconds_count',
  );
  const sum = commits.find((x) => x.name.endsWith('_sum'))?.value ?? 0;
  const count = commits.find((x) => x.name.endsWith('_count'))?.value ?? 0;
  const v = (name: string) => total(s, name);
  return (
    <section className="panel">
      <h2>Server</h2>
      {metrics.error && <p className="error">{metrics.error}</p>}
      <dl>
        <dt>Ledger size</dt>
        <dd>{formatCount(v('stele_ledger_size') ?? 0)}</dd>
        <dt>Backlog</dt>
        <dd>{formatCount(v('stele_ingest_backlog') ?? 0)} events waiting</dd>
        <dt>Commits</dt>
        <dd>
          {formatCount(count)}, mean {count ? ((sum / count) * 1000).toFixed(1) : '0'} ms
        </dd>
        <dt>Commit failures</dt>
        <dd>{formatCount(v('stele_commit_failures_total') ?? 0)}</dd>
        <dt>Producer gaps</dt>
        <dd>{formatCount(v('stele_producer_gaps') ?? 0)} missing sequence numbers</dd>
        <dt>Database</dt>
        <dd>{formatBytes(v('stele_database_bytes') ?? 0)}</dd>
      </dl>
    </section>
  );
}

function Sources({
  metrics,
  recent,
}: {
  metrics: ReturnType<typeof useMetrics>;
  recent: EventPage | undefined;
}) {
  const now = metrics.now?.samples ?? [];
  const accepted = sumBy(now, 'stele_events_accepted_total', 'source');
  const rejected = sumBy(now, 'stele_events_rejected_total', 'source');
  const dups = sumBy(now, 'stele_events_duplicate_total', 'source');
  const before = metrics.before
    ? sumBy(metrics.before.samples, 'stele_events_accepted_total', 'source')
    : undefined;
  const seconds = metrics.before && metrics.now ? (metrics.now.at - metrics.before.at) / 1000 : 0;
  const lag = new Map<string, number[]>();
  for (const e of recent?.events ?? []) {
    const src = e.stele.source ?? '';
    const received = Date.parse(e.stele.received ?? '');
    if (!Number.isNaN(received))
      lag.set(src, [...(lag.get(src) ?? []), received - Date.parse(e['@timestamp'])]);
  }
  const names = [...new Set([...accepted.keys(), ...rejected.keys(), ...lag.keys()])].sort();
  return (
    <section className="panel wide">
      <h2>Sources</h2>
      <table className="compact">
        <caption className="small muted">
          Counts since the server started (/metrics); rate over the last{' '}
          {seconds ? `${seconds.toFixed(0)} s` : 'reading (wait 5 s)'}; lag = median of arrival minus event
          time over the newest 500 events
        </caption>
        <thead>
          <tr>
            <th scope="col">source</th>
            <th scope="col">accepted</th>
            <th scope="col">events/s</th>
            <th scope="col">rejected</th>
            <th scope="col">duplicates</th>
            <th scope="col">lag (median)</th>
          </tr>
        </thead>
        <tbody>
          {names.map((n) => {
            const rate =
              before && seconds > 0 ? ((accepted.get(n) ?? 0) - (before.get(n) ?? 0)) / seconds : undefined;
            const l = median(lag.get(n) ?? []);
            return (
              <tr key={n}>
                <th scope="row">{n}</th>
                <td>{formatCount(accepted.get(n) ?? 0)}</td>
                <td>{rate === undefined ? '…' : rate.toFixed(1)}</td>
                <td className={(rejected.get(n) ?? 0) > 0 ? 'warn' : undefined}>
                  {formatCount(rejected.get(n) ?? 0)}
                </td>
                <td>{formatCount(dups.get(n) ?? 0)}</td>
                <td>{l === undefined ? '' : duration(l)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function duration(ms: number): string {
  const a = Math.abs(ms);
  const text =
    a < 1000
      ? `${a.toFixed(0)} ms`
      : a < 120_000
        ? `${(a / 1000).toFixed(1)} s`
        : a < 7_200_000
          ? `${(a / 60_000).toFixed(0)} min`
          : a < 172_800_000
            ? `${(a / 3_600_000).toFixed(0)} h`
            : `${(a / 86_400_000).toFixed(0)} d`;
  return ms < 0 ? `-${text}` : text;
}
