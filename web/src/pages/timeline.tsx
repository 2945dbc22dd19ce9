// Timelines: one session, or a user on a host, as a readable sequence oldest first (login, sudo,
// commands, logout), first-seen annotations, and the events that raised alerts marked.

import { useState, type FormEvent } from 'react';
import { getJson } from '../lib/api';
import { describeEvent, kindOf } from '../lib/describe';
import { formatCount, formatTime, getField, show } from '../lib/format';
import { href } from '../lib/router';
import { useApi } from '../lib/use-api';
import type { AggregateReply, Alert, TimelineEvent } from '../lib/types';

interface AlertMark {
  id: number;
  title: string;
  level: string | null;
}

/** Alerts whose events fall among `seqs`: the listing gives seq bounds, the detail every seq. */
async function alertMarks(seqs: number[]): Promise<Map<number, AlertMark[]>> {
  const marks = new Map<number, AlertMark[]>();
  if (seqs.length === 0) return marks;
  const lo = Math.min(...seqs);
  const hi = Math.max(...seqs);
  const wanted = new Set(seqs);
  const { alerts } = await getJson<{ alerts: Alert[] }>('/v1/alerts', { limit: 1000 });
  const near = alerts.filter((a) => a.last_seq >= lo && a.first_seq <= hi).slice(0, 30);
  const details = await Promise.all(
    near.map((a) => getJson<Alert & { event_seqs: number[] }>(`/v1/alerts/${a.id}`)),
  );
  for (const a of details)
    for (const s of a.event_seqs)
      if (wanted.has(s))
        marks.set(s, [...(marks.get(s) ?? []), { id: a.id, title: a.rule.title, level: a.rule.level }]);
  return marks;
}

export function TimelinePage({ params }: { params: URLSearchParams }) {
  const session = params.get('session') ?? '';
  const user = params.get('user') ?? '';
  const host = params.get('host') ?? '';
  const [form, setForm] = useState({ session, user, host });
  const key = session || user || host ? `${session}|${user}|${host}` : null;
  const timeline = useApi(key, async (signal) => {
    const { events } = await getJson<{ events: TimelineEvent[] }>(
      '/v1/timeline',
      { session, user, host, limit: 2000 },
      signal,
    );
    return { events, marks: await alertMarks(events.map((e) => e.stele.seq)) };
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    location.hash = href('timeline', form);
  };
  return (
    <div className="timeline-page">
      <h1>Timelines</h1>
      <form className="inline-form" onSubmit={submit} aria-label="Choose a timeline">
        <label>
          Session id{' '}
          <input value={form.session} onChange={(e) => setForm({ ...form, session: e.target.value })} />
        </label>
        <span className="muted">or</span>
        <label>
          User <input value={form.user} onChange={(e) => setForm({ ...form, user: e.target.value })} />
        </label>
        <label>
          Host <input value={form.host} onChange={(e) => setForm({ ...form, host: e.target.value })} />
        </label>
        <button type="submit">Show</button>
      </form>
      {!key && <Suggestions />}
      {timeline.error && (
        <p role="alert" className="error">
          {timeline.error}
        </p>
      )}
      {key && timeline.data && (
        <>
          <p className="muted">
            {formatCount(timeline.data.events.length)} events, oldest first
            {timeline.data.marks.size > 0 && `; ${timeline.data.marks.size} raised alerts`}
          </p>
          <ol className="timeline" aria-label="Timeline">
            {timeline.data.events.map((e) => {
              const action = show(getField(e, 'event.action'));
              const marks = timeline.data!.marks.get(e.stele.seq) ?? [];
              return (
                <li
                  key={e.stele.seq}
                  className={`tl k-${kindOf(action)} ${show(getField(e, 'event.outcome'))} ${marks.length ? 'alerted' : ''}`}
                >
                  <time dateTime={e['@timestamp']}>{formatTime(e['@timestamp'])}</time>
                  <span className="kind">{action}</span>
                  <a href={href('event', {}, String(e.stele.seq))} className="what">
                    {describeEvent(e)}
                  </a>
                  {show(getField(e, 'host.name')) && (
                    <span className="muted small">on {show(getField(e, 'host.name'))}</span>
                  )}
                  {(e.annotations ?? []).map((a) => (
                    <span key={a} className="tag">
                      {a.replace(/_/g, ' ')}
                    </span>
                  ))}
                  {marks.map((m) => (
                    <a
                      key={m.id}
                      href={href('alerts', { id: String(m.id) })}
                      className={`tag alert ${m.level ?? ''}`}
                    >
                      ⚠ {m.title}
                    </a>
                  ))}
                </li>
              );
            })}
          </ol>
          {timeline.data.events.length === 0 && <p className="muted">No events.</p>}
        </>
      )}
    </div>
  );
}

/** Starting points: the sessions and user/host pairs with the most events. */
function Suggestions() {
  const sessions = useApi('sessions', (s) =>
    getJson<AggregateReply>('/v1/aggregate', { by: 'session.id', top: 10 }, s),
  );
  const pairs = useApi('pairs', (s) =>
    getJson<AggregateReply>(
      '/v1/aggregate',
      { by: 'user.name,host.name', top: 10, q: 'action:ssh.login outcome:success' },
      s,
    ),
  );
  return (
    <div className="two-col">
      <section>
        <h2>Busiest sessions</h2>
        <ul>
          {sessions.data?.groups
            .filter((g) => g.keys['session.id'])
            .map((g) => (
              <li key={g.keys['session.id']}>
                <a href={href('timeline', { session: g.keys['session.id'] ?? '' })}>{g.keys['session.id']}</a>{' '}
                <span className="muted">
                  {g.count} events, {formatTime(g.first)}
                </span>
              </li>
            ))}
        </ul>
      </section>
      <section>
        <h2>Users with successful logins, by host</h2>
        <ul>
          {pairs.data?.groups.map((g) => (
            <li key={`${g.keys['user.name']}@${g.keys['host.name']}`}>
              <a
                href={href('timeline', { user: g.keys['user.name'] ?? '', host: g.keys['host.name'] ?? '' })}
              >
                {g.keys['user.name']} on {g.keys['host.name']}
              </a>{' '}
              <span className="muted">{g.count} logins</span>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
