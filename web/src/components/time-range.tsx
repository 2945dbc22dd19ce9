// Time range of a search: presets and free from/to (RFC 3339 or relative, like now-24h).

import { useEffect, useState, type FormEvent } from 'react';

const PRESETS: Array<[string, string]> = [
  ['', 'All time'],
  ['now-15m', 'Last 15 minutes'],
  ['now-1h', 'Last hour'],
  ['now-24h', 'Last 24 hours'],
  ['now-7d', 'Last 7 days'],
  ['now-30d', 'Last 30 days'],
];

export interface TimeRangeProps {
  from: string;
  to: string;
  onChange: (from: string, to: string) => void;
}

export function TimeRange({ from, to, onChange }: TimeRangeProps) {
  const [f, setF] = useState(from);
  const [t, setT] = useState(to);
  useEffect(() => (setF(from), setT(to)), [from, to]);
  const preset = !to && PRESETS.some(([v]) => v === from) ? from : 'custom';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onChange(f.trim(), t.trim());
  };
  return (
    <form className="timerange" onSubmit={submit} aria-label="Time range">
      <select
        aria-label="Time range preset"
        value={preset}
        onChange={(e) => e.target.value !== 'custom' && onChange(e.target.value, '')}
      >
        {PRESETS.map(([v, label]) => (
          <option key={v} value={v}>
            {label}
          </option>
        ))}
        <option value="custom" disabled>
          Custom
        </option>
      </select>
      <input
        aria-label="From (RFC 3339 or now-24h)"
        placeholder="from"
        value={f}
        onChange={(e) => setF(e.target.value)}
        size={22}
      />
      <input
        aria-label="To (RFC 3339 or now)"
        placeholder="to"
        value={t}
        onChange={(e) => setT(e.target.value)}
        size={22}
      />
      <button type="submit">Apply</button>
    </form>
  );
}
