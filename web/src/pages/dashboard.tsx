// Dashboards: activity and failure rate over time, top actors, hosts and IPs, an hour-by-weekday
// heat map, identities and IPs first seen in the range, and privileged actions. Every number comes
// from /v1/histogram and /v1/aggregate.

import type { ReactNode } from 'react';
import {
  Area,
  AreaChart,
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { getJson } from '../lib/api';
import { formatCount, formatTime } from '../lib/format';
import { href } from '../lib/router';
import { useApi } from '../lib/use-api';
import type { AggregateReply, HistogramReply } from '../lib/types';
import { HeatMap } from '../components/heat-map';
import { TopChart } from '../components/top-chart';

const RANGES: Array<[string, string]> = [
  ['', 'All time'],
  ['now-24h', 'Last 24 hours'],
  ['now-7d', 'Last 7 days'],
  ['now-30d', 'Last 30 days'],
];
const PRIVILEGED =
  'action:sudo.* OR action:su.switch OR action:user.create OR action:group.member_add OR action:k8s.exec OR action:k8s.secret.get OR action:cloud.root_login';
const HOUR = 3_600_000;
const MAX_HOURS = 2000;

const HEAT_WINDOWS = 12;

/** [from, to) of the non-empty buckets of `h`, newest first, each at most MAX_HOURS long. */
function heatWindows(h: HistogramReply | undefined): Array<[number, number]> {
  if (!h) return [];
  return h.buckets
    .filter((b) => b.count > 0)
    .slice(-HEAT_WINDOWS)
    .reverse()
    .map((b) => {
      const to = Date.parse(b.start) + h.interval_ms;
      return [Math.max(Date.parse(b.start), to - MAX_HOURS * HOUR), to];
    });
}

function agg(from: string, by: string, extra: Record<string, string | number> = {}) {
  return (signal: AbortSignal) =>
    getJson<AggregateReply>('/v1/aggregate', { from, by, top: 10, ...extra }, signal);
}

export function DashboardPage({ params }: { params: URLSearchParams }) {
  const from = params.get('from') ?? '';
  const activity = useApi(`act|${from}`, (s) =>
    getJson<HistogramReply>('/v1/histogram', { from, failures: true }, s),
  );
  const first = activity.data?.buckets[0];

  // The heat map needs hourly buckets: fetched only for the coarse buckets that hold events
  // (newest first, at most HEAT_WINDOWS of them, each clipped to MAX_HOURS), then summed.
  const windows = heatWindows(activity.data);
  const hourly = useApi(windows.length ? `hm|${windows.join(',')}` : null, async (s) => {
    const replies = await Promise.all(
      windows.map(([f, t]) =>
        getJson<HistogramReply>(
          '/v1/histogram',
          { from: new Date(f).toISOString(), to: new Date(t).toISOString(), interval: '1h' },
          s,
        ),
      ),
    );
    return { interval_ms: HOUR, total: 0, buckets: replies.flatMap((r) => r.buckets) } as HistogramReply;
  });
  const users = useApi(`u|${from}`, agg(from, 'user.name'));
  const hosts = useApi(`h|${from}`, agg(from, 'host.name'));
  const ips = useApi(`i|${from}`, agg(from, 'source.ip'));
  const failing = useApi(`f|${from}`, agg(from, 'event.action', { sort: 'failures', top: 8 }));
  const privileged = useApi(`p|${from}`, agg(from, 'event.action,user.name', { q: PRIVILEGED }));
  const rangeStart = first ? Date.parse(first.start) : 0;
  const newUsers = useApi('nu', (s) =>
    getJson<AggregateReply>('/v1/aggregate', { by: 'user.name', top: 1000 }, s),
  );
  const newIps = useApi('ni', (s) =>
    getJson<AggregateReply>('/v1/aggregate', { by: 'source.ip', top: 1000 }, s),
  );

  const rate = (activity.data?.buckets ?? []).map((b) => ({
    t: b.start,
    rate: b.count ? Math.round(((b.failures ?? 0) / b.count) * 1000) / 10 : 0,
  }));
  // Day-sized buckets or wider: dates with the year; finer ones: month, day and time.
  const daily = (activity.data?.interval_ms ?? 0) >= 86_400_000;
  const tick = (iso: string) => (daily ? formatTime(iso).slice(0, 10) : formatTime(iso).slice(5, 16));
  const errors = [activity, users, hosts, ips, failing, privileged].map((x) => x.error).filter(Boolean);
  return (
    <div className="dashboard">
      <div className="page-head">
        <h1>Dashboards</h1>
        <label>
          Range{' '}
          <select
            value={from}
            onChange={(e) => (location.hash = href('dashboard', { from: e.target.value }))}
          >
            {RANGES.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        {activity.data && <span className="muted">{formatCount(activity.data.total)} events</span>}
      </div>
      {errors.length > 0 && (
        <p role="alert" className="error">
          {errors[0]}
        </p>
      )}
      <div className="grid">
        <Panel title="Activity over time" wide>
          {activity.data && (
            <ResponsiveContainer width="100%" height={180}>
              <AreaChart data={activity.data.buckets}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="start" tickFormatter={tick} minTickGap={40} fontSize={11} />
                <YAxis width={44} fontSize={11} allowDecimals={false} />
                <Tooltip labelFormatter={(l) => formatTime(String(l))} />
                <Area
                  dataKey="count"
                  name="events"
                  stroke="#2563a8"
                  fill="#2563a8"
                  fillOpacity={0.3}
                  isAnimationActive={false}
                />
                <Area
                  dataKey="failures"
                  name="failures"
                  stroke="#b42318"
                  fill="#b42318"
                  fillOpacity={0.3}
                  isAnimationActive={false}
                />
              </AreaChart>
            </ResponsiveContainer>
          )}
        </Panel>
        <Panel title="Failure rate (%)">
          <ResponsiveContainer width="100%" height={180}>
            <LineChart data={rate}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="t" tickFormatter={tick} minTickGap={40} fontSize={11} />
              <YAxis width={36} fontSize={11} domain={[0, 100]} />
              <Tooltip labelFormatter={(l) => formatTime(String(l))} />
              <Line dataKey="rate" name="failures %" stroke="#b42318" dot={false} isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
          {failing.data && (
            <table className="compact">
              <caption>Actions with the most failures</caption>
              <thead>
                <tr>
                  <th scope="col">action</th>
                  <th scope="col">failures</th>
                  <th scope="col">rate</th>
                </tr>
              </thead>
              <tbody>
                {failing.data.groups
                  .filter((g) => g.failures > 0)
                  .slice(0, 5)
                  .map((g) => (
                    <tr key={g.keys['event.action']}>
                      <td>
                        <a
                          href={href('search', {
                            q: `action:${g.keys['event.action']} outcome:failure`,
                            from,
                          })}
                        >
                          {g.keys['event.action']}
                        </a>
                      </td>
                      <td>{formatCount(g.failures)}</td>
                      <td>{(g.failure_ratio * 100).toFixed(1)}%</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          )}
        </Panel>
        <Panel title="Top actors">{users.data && <TopChart reply={users.data} field="user.name" />}</Panel>
        <Panel title="Top hosts">{hosts.data && <TopChart reply={hosts.data} field="host.name" />}</Panel>
        <Panel title="Top source IPs">{ips.data && <TopChart reply={ips.data} field="source.ip" />}</Panel>
        <Panel title="Hour by weekday (UTC)" wide>
          {hourly.data && <HeatMap histogram={hourly.data} />}
          {hourly.error && <p className="error">{hourly.error}</p>}
        </Panel>
        <Panel title="New identities">
          {newUsers.data && <FirstSeen reply={newUsers.data} field="user.name" since={rangeStart} />}
        </Panel>
        <Panel title="New source IPs">
          {newIps.data && <FirstSeen reply={newIps.data} field="source.ip" since={rangeStart} />}
        </Panel>
        <Panel title="Privileged actions">
          {privileged.data && (
            <table className="compact">
              <caption>
                {formatCount(privileged.data.total)} privileged actions (sudo, su, user/group changes, k8s
                exec/secrets)
              </caption>
              <thead>
                <tr>
                  <th scope="col">action</th>
                  <th scope="col">user</th>
                  <th scope="col">count</th>
                  <th scope="col">failed</th>
                </tr>
              </thead>
              <tbody>
                {privileged.data.groups.map((g) => (
                  <tr key={`${g.keys['event.action']}|${g.keys['user.name']}`}>
                    <td>
                      <a href={href('search', { q: `action:${g.keys['event.action']}`, from })}>
                        {g.keys['event.action']}
                      </a>
                    </td>
                    <td>{g.keys['user.name'] ?? ''}</td>
                    <td>{formatCount(g.count)}</td>
                    <td>{formatCount(g.failures)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Panel>
      </div>
    </div>
  );
}

function Panel({ title, wide, children }: { title: string; wide?: boolean; children: ReactNode }) {
  const id = `panel-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <section className={`panel ${wide ? 'wide' : ''}`} aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/** Values whose first event ever (all-time aggregate) falls in the range, newest first. */
function FirstSeen({ reply, field, since }: { reply: AggregateReply; field: string; since: number }) {
  const rows = reply.groups
    .filter((g) => g.keys[field] && Date.parse(g.first) >= since)
    .sort((a, b) => Date.parse(b.first) - Date.parse(a.first))
    .slice(0, 8);
  if (rows.length === 0) return <p className="muted">None first seen in this range.</p>;
  return (
    <table className="compact">
      <caption className="sr-only">{field} first seen in this range</caption>
      <thead>
        <tr>
          <th scope="col">{field}</th>
          <th scope="col">first seen (UTC)</th>
          <th scope="col">events</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((g) => (
          <tr key={g.keys[field]}>
            <td>
              <a href={href('search', { q: `${field}:"${g.keys[field]}"` })}>{g.keys[field]}</a>
            </td>
            <td>{formatTime(g.first)}</td>
            <td>{formatCount(g.count)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
