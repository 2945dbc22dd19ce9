// Events by hour of day and day of week (UTC), as a CSS grid shaded by count.

import type { HistogramReply } from '../lib/types';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function HeatMap({ histogram }: { histogram: HistogramReply }) {
  const cells = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  for (const b of histogram.buckets) {
    const d = new Date(b.start);
    cells[(d.getUTCDay() + 6) % 7]![d.getUTCHours()]! += b.count;
  }
  const max = Math.max(1, ...cells.flat());
  return (
    <div className="heatmap" role="table" aria-label="Events by weekday and hour (UTC)">
      <div role="row" className="hm-row">
        <span role="columnheader" />
        {Array.from({ length: 24 }, (_, h) => (
          <span role="columnheader" key={h} className="hm-h">
            {h % 3 === 0 ? h : ''}
          </span>
        ))}
      </div>
      {cells.map((row, d) => (
        <div role="row" className="hm-row" key={DAYS[d]}>
          <span role="rowheader" className="hm-d">
            {DAYS[d]}
          </span>
          {row.map((n, h) => (
            <span
              role="cell"
              key={h}
              className="hm-cell"
              title={`${DAYS[d]} ${h}:00 UTC: ${n} events`}
              aria-label={`${DAYS[d]} ${h}:00: ${n}`}
              style={{ background: n === 0 ? '#f1f3f5' : `rgba(37, 99, 168, ${0.15 + (0.85 * n) / max})` }}
            />
          ))}
        </div>
      ))}
    </div>
  );
}
