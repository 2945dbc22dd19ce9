// Search results as an ARIA grid over the virtual list: chosen columns, one focusable row per event,
// Enter or a click opens the event.

import type { KeyboardEvent } from 'react';
import { getField, show, formatTime } from '../lib/format';
import { href, navigate } from '../lib/router';
import type { AuditEvent } from '../lib/types';
import { VirtualList } from './virtual-list';

const ROW = 28;

export interface ResultsTableProps {
  events: AuditEvent[];
  columns: string[];
  height: number;
  total: number | undefined;
  onNearEnd: () => void;
}

function cell(event: AuditEvent, column: string): string {
  const v = getField(event, column);
  return column === '@timestamp' || column === 'stele.received' ? formatTime(show(v)) : show(v);
}

export function ResultsTable({ events, columns, height, total, onNearEnd }: ResultsTableProps) {
  const template = columns
    .map((c) =>
      c === 'message' || c === 'event.original'
        ? 'minmax(240px, 4fr)'
        : c === '@timestamp'
          ? '185px'
          : 'minmax(90px, 1fr)',
    )
    .join(' ');
  const open = (seq: number) => navigate(href('event', {}, String(seq)));
  const onKey = (e: KeyboardEvent<HTMLDivElement>, seq: number) => {
    if (e.key === 'Enter') open(seq);
    const row = e.currentTarget;
    if (e.key === 'ArrowDown') (row.nextElementSibling as HTMLElement | null)?.focus();
    if (e.key === 'ArrowUp') (row.previousElementSibling as HTMLElement | null)?.focus();
  };
  return (
    <div
      role="table"
      aria-label="Search results"
      aria-rowcount={(total ?? events.length) + 1}
      className="results"
    >
      <div role="rowgroup">
        <div role="row" aria-rowindex={1} className="row head" style={{ gridTemplateColumns: template }}>
          {columns.map((c) => (
            <div role="columnheader" key={c}>
              {c}
            </div>
          ))}
        </div>
      </div>
      <VirtualList
        count={events.length}
        rowHeight={ROW}
        height={height}
        onNearEnd={onNearEnd}
        renderRow={(i, style) => {
          const e = events[i]!;
          const outcome = show(getField(e, 'event.outcome'));
          return (
            <div
              role="row"
              aria-rowindex={i + 2}
              key={e.stele.seq}
              tabIndex={0}
              className={`row ${outcome === 'failure' ? 'failure' : ''}`}
              style={{ ...style, position: 'absolute', left: 0, right: 0, gridTemplateColumns: template }}
              onClick={() => open(e.stele.seq)}
              onKeyDown={(k) => onKey(k, e.stele.seq)}
              data-seq={e.stele.seq}
            >
              {columns.map((c) => {
                const text = cell(e, c);
                return (
                  <div role="cell" key={c} title={text}>
                    {text}
                  </div>
                );
              })}
            </div>
          );
        }}
      />
    </div>
  );
}
