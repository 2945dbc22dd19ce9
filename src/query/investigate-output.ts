// Line formats for search results shared by the API export and the investigation commands: NDJSON,
// CSV that never starts a cell with a formula character (OWASP "CSV injection"), and one readable
// line per event for timelines.

import { csvRow } from '../core/csv.js';
import type { StoredEvent } from '../core/event.js';

export const EXPORT_COLUMNS: Array<[header: string, pick: (e: StoredEvent) => unknown]> = [
  ['@timestamp', (e) => e['@timestamp']],
  ['seq', (e) => e.stele.seq],
  ['action', (e) => e.event?.action],
  ['outcome', (e) => e.event?.outcome],
  ['user', (e) => e.user?.name],
  ['source.ip', (e) => e.source?.ip],
  ['host', (e) => e.host?.name],
  ['dataset', (e) => e.event?.dataset],
  ['session', (e) => e.session?.id],
  ['message', (e) => e.message],
];

/** One CSV row (core/csv.ts). */
export const csvLine = csvRow;

export function csvHeader(): string {
  return csvLine(EXPORT_COLUMNS.map(([h]) => h));
}

export function csvEvent(e: StoredEvent): string {
  return csvLine(EXPORT_COLUMNS.map(([, pick]) => pick(e)));
}

/** Control characters shown escaped, so a hostile value cannot break or fake a line. */
export function printable(value: unknown): string {
  const text =
    typeof value === 'string' ? value : value === undefined || value === null ? '-' : JSON.stringify(value);
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `2026-11-25T12:00:00.000Z  #41  ssh.login failure  root@web-1 from 198.51.100.23  [note]  message` */
export function timelineLine(e: StoredEvent, annotations: readonly string[] = []): string {
  const who = `${printable(e.user?.name)}@${printable(e.host?.name)}`;
  const from = e.source?.ip ? ` from ${printable(e.source.ip)}` : '';
  const notes = annotations.length > 0 ? `  [${annotations.join(', ')}]` : '';
  const message = e.message
    ? `  ${printable(e.message.length > 160 ? `${e.message.slice(0, 159)}…` : e.message)}`
    : '';
  return `${e['@timestamp']}  #${e.stele.seq}  ${printable(e.event?.action)} ${printable(e.event?.outcome)}  ${who}${from}${notes}${message}\n`;
}
