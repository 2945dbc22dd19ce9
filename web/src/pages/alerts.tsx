// Alerts: newest first, filtered by status and severity, with buttons that change status
// (PATCH /v1/alerts/{id}, admin scope) and links to the events that raised them.

import { useState } from 'react';
import { getJson, patchJson } from '../lib/api';
import { formatCount, formatTime, show } from '../lib/format';
import { href } from '../lib/router';
import { useApi } from '../lib/use-api';
import type { Alert, AlertStatus } from '../lib/types';

const STATUSES: AlertStatus[] = ['open', 'acknowledged', 'closed'];
const LEVELS = ['critical', 'high', 'medium', 'low', 'informational'];
const ACTIONS: Array<[AlertStatus, string]> = [
  ['acknowledged', 'Acknowledge'],
  ['closed', 'Close'],
  ['open', 'Reopen'],
];

export function AlertsPage({ params }: { params: URLSearchParams }) {
  const status = params.get('status') ?? '';
  const level = params.get('level') ?? '';
  const focus = params.get('id');
  const list = useApi(`${status}|${level}`, (s) =>
    getJson<{ alerts: Alert[] }>('/v1/alerts', { status, level, limit: 500 }, s),
  );
  const [error, setError] = useState<string>();
  const setFilter = (k: string, v: string) => (location.hash = href('alerts', { status, level, [k]: v }));
  const change = async (id: number, next: AlertStatus) => {
    setError(undefined);
    try {
      await patchJson(`/v1/alerts/${id}`, { status: next });
      list.reload();
    } catch (err) {
      setError(`Alert ${id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return (
    <div className="alerts-page">
      <div className="page-head">
        <h1>Alerts</h1>
        <label>
          Status{' '}
          <select value={status} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Severity{' '}
          <select value={level} onChange={(e) => setFilter('level', e.target.value)}>
            <option value="">any</option>
            {LEVELS.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
        {list.data && (
          <span className="muted" aria-live="polite">
            {list.data.alerts.length} alerts
          </span>
        )}
      </div>
      {(error ?? list.error) && (
        <p role="alert" className="error">
          {error ?? list.error}
        </p>
      )}
      <table className="alerts">
        <caption className="sr-only">Alerts, newest first</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Severity</th>
            <th scope="col">Rule</th>
            <th scope="col">Who / where</th>
            <th scope="col">Events</th>
            <th scope="col">Last event (UTC)</th>
            <th scope="col">Status</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.alerts.map((a) => (
            <AlertRow key={a.id} alert={a} focused={String(a.id) === focus} onChange={change} />
          ))}
        </tbody>
      </table>
      {list.data && list.data.alerts.length === 0 && (
        <p className="muted">No alerts{status || level ? ' with these filters' : ''}.</p>
      )}
    </div>
  );
}

function AlertRow({
  alert: a,
  focused,
  onChange,
}: {
  alert: Alert;
  focused: boolean;
  onChange: (id: number, s: AlertStatus) => void;
}) {
  const [seqs, setSeqs] = useState<number[]>();
  const group = Object.entries(a.group ?? {}).filter(([, v]) => v !== null && v !== undefined);
  const user = show(a.group?.['user.name']);
  const host = show(a.group?.['host.name']);
  const expand = () =>
    getJson<{ event_seqs: number[] }>(`/v1/alerts/${a.id}`)
      .then((d) => setSeqs(d.event_seqs))
      .catch(() => setSeqs([]));
  return (
    <tr className={focused ? 'focused' : undefined} data-alert={a.id}>
      <td>{a.id}</td>
      <td>
        <span className={`sev ${a.rule.level ?? ''}`}>{a.rule.level ?? 'unset'}</span>
      </td>
      <td>{a.rule.title}</td>
      <td className="small">
        {group.map(([k, v]) => (
          <div key={k}>
            {k}: {show(v)}
          </div>
        ))}
        {(user || host) && <a href={href('timeline', { user, host })}>timeline</a>}
      </td>
      <td>
        {formatCount(a.count)} · <a href={href('event', {}, String(a.first_seq))}>first ({a.first_seq})</a>
        {a.last_seq !== a.first_seq && (
          <>
            {' '}
            · <a href={href('event', {}, String(a.last_seq))}>last ({a.last_seq})</a>
          </>
        )}
        {' · '}
        {seqs === undefined ? (
          <button type="button" className="link" onClick={expand}>
            all
          </button>
        ) : (
          <span className="seqs">
            {seqs.slice(0, 100).map((s) => (
              <a key={s} href={href('event', {}, String(s))}>
                {s}
              </a>
            ))}
            {seqs.length > 100 && ` +${seqs.length - 100}`}
          </span>
        )}
      </td>
      <td>{formatTime(a.last_time)}</td>
      <td>
        <span className={`status ${a.status}`}>{a.status}</span>
      </td>
      <td className="actions">
        {ACTIONS.filter(([s]) => s !== a.status).map(([s, label]) => (
          <button
            type="button"
            key={s}
            onClick={() => onChange(a.id, s)}
            aria-label={`${label} alert ${a.id}`}
          >
            {label}
          </button>
        ))}
      </td>
    </tr>
  );
}
