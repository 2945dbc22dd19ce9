// EventPrinter: events printed page by page read exactly as printing them all at once.

import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../core/event.js';
import { csvRow, EVENT_COLUMNS, EventPrinter, table, type OutputFormat } from './output.js';

function stored(i: number): StoredEvent {
  return {
    '@timestamp': new Date(Date.UTC(2026, 10, 20) + i * 1000).toISOString(),
    event: { action: i % 2 ? 'ssh.login' : 'sudo.exec', outcome: 'success' },
    user: { name: i === 3 ? '=cmd|evil' : `user-${i}` },
    message: `line ${i}\nwith a newline`,
    stele: { seq: i, received: '2026-11-20T00:00:00.000Z', source: 'test' },
  } as StoredEvent;
}

function printed(format: OutputFormat, pages: StoredEvent[][]): string {
  const printer = new EventPrinter(format);
  return pages.map((p) => printer.page(p)).join('') + printer.end();
}

const events = Array.from({ length: 7 }, (_, i) => stored(i));
const paged = [events.slice(0, 3), [], events.slice(3, 6), events.slice(6)];

describe('EventPrinter', () => {
  it('prints JSON as one indented array, whatever the pages', () => {
    expect(printed('json', paged)).toBe(JSON.stringify(events, null, 2) + '\n');
    expect(printed('json', [events.slice(0, 1)])).toBe(JSON.stringify(events.slice(0, 1), null, 2) + '\n');
    expect(printed('json', [])).toBe('[]\n');
    expect(printed('json', [[], []])).toBe('[]\n');
  });

  it('prints NDJSON a line per event', () => {
    expect(printed('ndjson', paged)).toBe(events.map((e) => JSON.stringify(e) + '\n').join(''));
    expect(printed('ndjson', [])).toBe('');
  });

  it('prints CSV with one header, formula-safe', () => {
    const header = csvRow(EVENT_COLUMNS.map(([h]) => h));
    const rows = events.map((e) => csvRow(EVENT_COLUMNS.map(([, pick]) => pick(e)))).join('');
    expect(printed('csv', paged)).toBe(header + rows);
    expect(printed('csv', [])).toBe(header);
    expect(printed('csv', paged)).toContain("'=cmd|evil");
  });

  it('prints a table as wide as its first page', () => {
    const headers = EVENT_COLUMNS.map(([h]) => h);
    const rows = (list: StoredEvent[]) => list.map((e) => EVENT_COLUMNS.map(([, pick]) => pick(e)));
    // One page: the table of those events.
    expect(printed('table', [events])).toBe(table(headers, rows(events)));
    // Several: the first page's table, then rows in its columns.
    const first = table(headers, rows(paged[0]!));
    const out = printed('table', paged);
    expect(out.startsWith(first)).toBe(true);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2 + events.length);
    const width = first.split('\n')[1]!.length;
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(width);
    expect(printed('table', [])).toBe(table(headers, []));
  });
});
