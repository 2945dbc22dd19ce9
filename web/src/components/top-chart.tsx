// A horizontal bar chart of the top values of one field (recharts), failures in red.

import { Bar, BarChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { AggregateReply } from '../lib/types';

export function TopChart({
  reply,
  field,
  height = 220,
}: {
  reply: AggregateReply;
  field: string;
  height?: number;
}) {
  const data = reply.groups.map((g) => ({
    name: g.keys[field] ?? '(none)',
    ok: g.count - g.failures,
    failures: g.failures,
  }));
  if (data.length === 0) return <p className="muted">No values in this range.</p>;
  return (
    <ResponsiveContainer width="100%" height={height}>
      <BarChart data={data} layout="vertical" margin={{ left: 8, right: 12 }}>
        <XAxis type="number" fontSize={11} allowDecimals={false} />
        <YAxis type="category" dataKey="name" width={120} fontSize={11} interval={0} />
        <Tooltip />
        <Bar dataKey="ok" name="success/unknown" stackId="a" fill="#2563a8" isAnimationActive={false} />
        <Bar dataKey="failures" name="failures" stackId="a" fill="#b42318" isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}
