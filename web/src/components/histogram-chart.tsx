// Matching events over time (recharts), failures stacked in red. Dragging the brush below the bars
// selects a time window; letting go zooms the search to it.

import { Bar, BarChart, Brush, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatTime } from '../lib/format';
import type { HistogramReply } from '../lib/types';

export interface HistogramChartProps {
  histogram: HistogramReply;
  onZoom: (from: string, to: string) => void;
  height?: number;
}

export function HistogramChart({ histogram, onZoom, height = 150 }: HistogramChartProps) {
  const data = histogram.buckets.map((b) => ({
    t: b.start,
    ok: b.count - (b.failures ?? 0),
    failures: b.failures ?? 0,
  }));
  const short = (iso: string) => formatTime(iso).slice(histogram.interval_ms >= 86_400_000 ? 0 : 5, 16);
  const zoom = ({ startIndex, endIndex }: { startIndex?: number; endIndex?: number }) => {
    const start = histogram.buckets[startIndex ?? 0];
    const end = histogram.buckets[endIndex ?? histogram.buckets.length - 1];
    if (!start || !end || (startIndex === 0 && endIndex === histogram.buckets.length - 1)) return;
    onZoom(start.start, new Date(Date.parse(end.start) + histogram.interval_ms).toISOString());
  };
  return (
    <figure
      className="histogram"
      aria-label={`Histogram of ${histogram.total} matching events; drag the brush to zoom`}
    >
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="t" tickFormatter={short} minTickGap={40} fontSize={11} />
          <YAxis width={44} fontSize={11} allowDecimals={false} />
          <Tooltip labelFormatter={(l) => formatTime(String(l))} />
          <Bar dataKey="ok" name="success/unknown" stackId="a" fill="#2563a8" isAnimationActive={false} />
          <Bar dataKey="failures" name="failures" stackId="a" fill="#b42318" isAnimationActive={false} />
          <Brush dataKey="t" height={18} stroke="#2563a8" tickFormatter={short} onDragEnd={zoom} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
