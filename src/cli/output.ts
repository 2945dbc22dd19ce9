// Output formats shared by the commands: a human table on a terminal, JSON, NDJSON and CSV.
// CSV cells never start with a formula character (OWASP "CSV injection"), and control characters
// never break a row.

import type { StoredEvent } from '../core/event.js';
import { csvRow } from '../core/csv.js';

export type OutputFormat = 'table' | 'json' | 'ndjson' | 'csv';

export const EVENT_COLUMNS: Array<[header: string, pick: (e: StoredEvent) => unknown]> = [
  // Not "@timestamp": a CSV cell starting with @ must be escaped (a spreadsheet formula), and a
  // header reading '@timestamp would look broken.
  ['timestamp', (e) => e['@timestamp']],
  ['seq', (e) => e.stele.seq],
  ['action', (e) => e.event?.action],
  ['outcome', (e) => e.event?.outcome],
  ['user', (e) => e.user?.name],
  ['source.ip', (e) => e.source?.ip],
  ['host', (e) => e.host?.name],
  ['dataset', (e) => e.event?.dataset],
];

export { csvCell, csvRow } from '../core/csv.js';

/** Renders rows as an aligned text table; control characters are shown escaped. */
export function table(headers: string[], rows: unknown[][]): string {
  const cells = rows.map((r) => r.map(tableCell));
  const widths = columnWidths(headers, cells);
  return (
    [tableLine(headers, widths), separator(widths), ...cells.map((r) => tableLine(r, widths))].join('\n') +
    '\n'
  );
}

const tableCell = (v: unknown): string =>
  v === undefined || v === null
    ? '-'
    : (typeof v === 'string' ? v : JSON.stringify(v)).replace(
        // Control characters are exactly what must not reach a terminal raw.
        // eslint-disable-next-line no-control-regex
        /[\x00-\x1f\x7f]/g,
        (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
      );

function columnWidths(headers: string[], cells: string[][]): number[] {
  return headers.map((h, i) => Math.min(48, Math.max(h.length, ...cells.map((r) => r[i]!.length))));
}

function tableLine(cells: string[], widths: number[]): string {
  const fit = (s: string, w: number) => (s.length > w ? s.slice(0, w - 1) + '…' : s.padEnd(w));
  return cells
    .map((c, i) => fit(c, widths[i]!))
    .join('  ')
    .trimEnd();
}

const separator = (widths: number[]) =>
  tableLine(
    widths.map((w) => '-'.repeat(w)),
    widths,
  );

/**
 * Events printed a page at a time in one of the output formats, the same text as printing them all
 * at once would give, except that a table's columns are as wide as its first page needs.
 */
export class EventPrinter {
  private started = false;
  private printed = 0;
  private widths: number[] | undefined;

  constructor(private readonly format: OutputFormat) {}

  page(events: readonly StoredEvent[]): string {
    const first = !this.started;
    this.started = true;
    const before = this.printed;
    this.printed += events.length;
    switch (this.format) {
      case 'json':
        // JSON.stringify(all, null, 2): each event indented one level, between `[` and `]`.
        return events
          .map(
            (e, i) =>
              `${before + i === 0 ? '[\n' : ',\n'}  ${JSON.stringify(e, null, 2).replace(/\n/g, '\n  ')}`,
          )
          .join('');
      case 'ndjson':
        return events.map((e) => JSON.stringify(e) + '\n').join('');
      case 'csv':
        return (
          (first ? csvRow(EVENT_COLUMNS.map(([h]) => h)) : '') +
          events.map((e) => csvRow(EVENT_COLUMNS.map(([, pick]) => pick(e)))).join('')
        );
      case 'table': {
        const headers = EVENT_COLUMNS.map(([h]) => h);
        const cells = events.map((e) => EVENT_COLUMNS.map(([, pick]) => tableCell(pick(e))));
        const widths = (this.widths ??= columnWidths(headers, cells));
        const head = first ? [tableLine(headers, widths), separator(widths)] : [];
        const lines = [...head, ...cells.map((r) => tableLine(r, widths))];
        return lines.length > 0 ? lines.join('\n') + '\n' : '';
      }
    }
  }

  /** What closes the output (a JSON array's `]`), or the whole of it for a result with no page. */
  end(): string {
    const opening = this.started ? '' : this.page([]);
    if (this.format === 'json') return this.printed > 0 ? '\n]\n' : '[]\n';
    return opening;
  }
}
