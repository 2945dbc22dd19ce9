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
  const show = (v: unknown) =>
    v === undefined || v === null
      ? '-'
      : (typeof v === 'string' ? v : JSON.stringify(v)).replace(
          // Control characters are exactly what must not reach a terminal raw.
          // eslint-disable-next-line no-control-regex
          /[\x00-\x1f\x7f]/g,
          (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
        );
  const cells = rows.map((r) => r.map(show));
  const widths = headers.map((h, i) => Math.min(48, Math.max(h.length, ...cells.map((r) => r[i]!.length))));
  const fit = (s: string, w: number) => (s.length > w ? s.slice(0, w - 1) + '…' : s.padEnd(w));
  const line = (r: string[]) =>
    r
      .map((c, i) => fit(c, widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

export function formatEvents(events: StoredEvent[], format: OutputFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(events, null, 2) + '\n';
    case 'ndjson':
      return events.map((e) => JSON.stringify(e) + '\n').join('');
    case 'csv':
      return (
        csvRow(EVENT_COLUMNS.map(([h]) => h)) +
        events.map((e) => csvRow(EVENT_COLUMNS.map(([, pick]) => pick(e)))).join('')
      );
    case 'table':
      return table(
        EVENT_COLUMNS.map(([h]) => h),
        events.map((e) => EVENT_COLUMNS.map(([, pick]) => pick(e))),
      );
  }
}
