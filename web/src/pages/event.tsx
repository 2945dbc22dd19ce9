// Event: every field, the original record, the in-browser proof of its place in the ledger, and
// links to its session, its user on its host, and the events around it.

import { getJson } from '../lib/api';
import { flatten, formatTime, getField, show } from '../lib/format';
import { href } from '../lib/router';
import { useApi } from '../lib/use-api';
import type { AuditEvent } from '../lib/types';
import { ProofStatus } from '../components/proof-status';

export function EventPage({ seq }: { seq: string }) {
  const { data: event, error } = useApi(seq, (signal) =>
    getJson<AuditEvent>(`/v1/events/${encodeURIComponent(seq)}`, {}, signal),
  );
  if (error)
    return (
      <p role="alert" className="error">
        Event {seq}: {error}
      </p>
    );
  if (!event) return <p className="muted">Loading event {seq}…</p>;
  const fields = flatten(event).filter(([name]) => name !== 'event.original');
  const original = getField(event, 'event.original');
  const session = show(getField(event, 'session.id'));
  const user = show(getField(event, 'user.name'));
  const host = show(getField(event, 'host.name'));
  return (
    <div className="event-page">
      <h1>
        Event {event.stele.seq}: {show(getField(event, 'event.action')) || 'event'}{' '}
        <span className={`badge ${show(getField(event, 'event.outcome'))}`}>
          {show(getField(event, 'event.outcome'))}
        </span>
      </h1>
      <p className="muted">{formatTime(event['@timestamp'])} UTC</p>
      <nav className="links" aria-label="Related">
        {session && <a href={href('timeline', { session })}>Session timeline</a>}
        {(user || host) && (
          <a href={href('timeline', { user, host })}>
            Timeline of {user || 'any user'} on {host || 'any host'}
          </a>
        )}
        <a
          href={href('search', {
            q: `seq:[${Math.max(0, event.stele.seq - 20)} TO ${event.stele.seq + 20}]`,
          })}
        >
          Neighbouring ledger entries
        </a>
      </nav>
      <ProofStatus event={event} />
      <div className="two-col">
        <section>
          <h2>Fields</h2>
          <table className="fields">
            <caption className="sr-only">Every field of event {event.stele.seq}</caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {fields.map(([name, value]) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td>{show(value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section>
          <h2>Original record</h2>
          {original === undefined ? (
            <p className="muted">The source did not keep the original record.</p>
          ) : (
            <pre className="original">{show(original)}</pre>
          )}
        </section>
      </div>
    </div>
  );
}
