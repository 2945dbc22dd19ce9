// One page of an export, written as NDJSON or CSV: the same bytes whether the page is written in
// the thread serving the export or by an export reader (export-readers.ts).

import type { Utf8Builder } from '../core/utf8-builder.js';
import type { EventContent } from '../store/store.js';
import { appendEventJson, decodeRow } from '../store/row-codec.js';
import { csvEvent } from './investigate-output.js';

export type ExportFormat = 'ndjson' | 'csv';

/**
 * Appends the rows to `out`. NDJSON lines are the stored JSON with the column values spliced in
 * (row-codec.ts eventJson), never re-serialized.
 */
export function writeExportPage(rows: readonly EventContent[], format: ExportFormat, out: Utf8Builder): void {
  for (const row of rows) {
    if (format === 'csv') {
      out.push(csvEvent(decodeRow(row)));
    } else {
      appendEventJson(row, out);
      out.push('\n');
    }
  }
}
