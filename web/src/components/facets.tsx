// Facets beside the results: the top values of a few fields for the current search; a click adds
// the value to the query.

import { getJson } from '../lib/api';
import { formatCount, queryValue } from '../lib/format';
import { useApi } from '../lib/use-api';
import type { AggregateReply } from '../lib/types';

export const FACET_FIELDS = [
  'event.action',
  'event.outcome',
  'user.name',
  'host.name',
  'source.ip',
  'event.dataset',
];

export interface FacetsProps {
  query: string;
  from: string;
  to: string;
  onPick: (clause: string) => void;
}

export function Facets({ query, from, to, onPick }: FacetsProps) {
  return (
    <aside className="facets" aria-label="Top values">
      {FACET_FIELDS.map((f) => (
        <Facet key={f} field={f} query={query} from={from} to={to} onPick={onPick} />
      ))}
    </aside>
  );
}

function Facet({ field, query, from, to, onPick }: FacetsProps & { field: string }) {
  const { data, error } = useApi(`${field}|${query}|${from}|${to}`, (signal) =>
    getJson<AggregateReply>('/v1/aggregate', { q: query, from, to, by: field, top: 5 }, signal),
  );
  return (
    <section className="facet">
      <h3>{field}</h3>
      {error && <p className="error small">{error}</p>}
      <ul>
        {data?.groups.map((g) => {
          const v = g.keys[field];
          if (v === null || v === undefined) return null;
          const pct = data.total ? Math.round((g.count / data.total) * 100) : 0;
          return (
            <li key={v}>
              <button
                type="button"
                className="facet-value"
                onClick={() => onPick(`${field}:${queryValue(v)}`)}
                title={`Add ${field}:${v} to the query`}
              >
                <span className="bar" style={{ width: `${pct}%` }} aria-hidden="true" />
                <span className="v">{v}</span>
                <span className="n">{formatCount(g.count)}</span>
              </button>
            </li>
          );
        })}
        {data && data.groups.length === 0 && <li className="muted">no values</li>}
      </ul>
    </section>
  );
}
