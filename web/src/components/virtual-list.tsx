// A windowed list: only the rows in view (plus a few either side) are in the DOM, positioned in a
// spacer as tall as every row, so tens of thousands of results scroll smoothly.

import { useState, type ReactNode, type UIEvent } from 'react';

export interface VirtualListProps {
  count: number;
  rowHeight: number;
  height: number;
  renderRow: (index: number, style: { top: number; height: number }) => ReactNode;
  /** Called when the last rows come into view (load the next page). */
  onNearEnd?: () => void;
  overscan?: number;
}

export function VirtualList({
  count,
  rowHeight,
  height,
  renderRow,
  onNearEnd,
  overscan = 8,
}: VirtualListProps) {
  const [scrollTop, setScrollTop] = useState(0);
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const onScroll = (e: UIEvent<HTMLDivElement>) => {
    const top = e.currentTarget.scrollTop;
    setScrollTop(top);
    if (onNearEnd && top + height >= count * rowHeight - rowHeight * 10) onNearEnd();
  };
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) rows.push(renderRow(i, { top: i * rowHeight, height: rowHeight }));
  return (
    <div className="vlist" style={{ height }} onScroll={onScroll} role="rowgroup">
      <div style={{ height: count * rowHeight, position: 'relative' }}>{rows}</div>
    </div>
  );
}
