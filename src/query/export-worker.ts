// The worker side of export-readers.ts: answers page bounds and writes whole pages of an export
// from its own read-only store connection.

import { workerData } from 'node:worker_threads';
import { Utf8Builder } from '../core/utf8-builder.js';
import type { StoreTarget } from '../store/open.js';
import type { SearchRequest } from '../store/store.js';
import { answerStoreCalls } from '../store/store-worker.js';
import { writeExportPage, type ExportFormat } from './export-page.js';
import { revived } from './export-readers.js';

const { target } = workerData as { target: StoreTarget };
const out = new Utf8Builder(2 * 1024 * 1024);

type Request =
  | { ends: SearchRequest; pages: number; page?: undefined }
  | { page: SearchRequest; format: ExportFormat; ends?: undefined };

answerStoreCalls<Request>(target, async (store, request) => {
  if (request.ends) {
    return { reply: { ends: await store.pageEnds(revived(request.ends), request.pages) }, transfer: [] };
  }
  const rows = await store.searchContent(revived(request.page));
  writeExportPage(rows, request.format, out);
  // Transferred, not copied: a buffer of its own, never a slice of Node's shared pool.
  const data = out.take(true);
  return { reply: { data, events: rows.length }, transfer: [data.buffer as ArrayBuffer] };
});
