// Reads input files (or stdin) through a parser: one parser per file, results in input order.
// Shared by `stele parse` and `stele ingest`.

import type { AuditEvent } from '../core/event.js';
import { createParser, InputOrder, type ParserOptions } from '../parsers/index.js';
import { MAX_JSON_VALUE_CHARS } from '../parsers/json-records.js';
import { MAX_LINE_BYTES, readLines } from './input.js';

/**
 * Formats whose records are JSON documents: a whole document may be one line (a CloudTrail log
 * file is a single line of several MiB), so their lines may be as long as a document may be.
 */
const DOCUMENT_FORMATS = new Set(['json', 'cloudtrail', 'k8s-audit', 'mysql-audit', 'auto']);

/** The longest line read for `format`: a JSON document's limit, or that of a log line. */
export function maxLineBytesOf(format: string): number {
  return DOCUMENT_FORMATS.has(format) ? MAX_JSON_VALUE_CHARS : MAX_LINE_BYTES;
}

export interface ParsedItem {
  file: string;
  line: number;
  event?: AuditEvent;
  /** Set when the parser validated the event: its `@timestamp` in epoch ms (ParseResult). */
  ts?: number;
  error?: string;
  bytesRead: number;
}

/**
 * The parsed records of the inputs, in input order. When `stop` is aborted, reading ends after the
 * line being read (standard input may be destroyed under it) and the records read so far are still
 * given, as at the end of a file: the parser's held records and those kept back for ordering.
 */
export async function* parseInputs(
  inputs: string[],
  format: string,
  options: ParserOptions,
  stop?: AbortSignal,
): AsyncGenerator<ParsedItem> {
  let file: string | undefined;
  let parser = undefined as ReturnType<typeof createParser> | undefined;
  let order = new InputOrder();
  let bytesRead = 0;
  const emit = function* (results: ReturnType<InputOrder['add']>, name: string) {
    for (const r of results) {
      yield 'event' in r
        ? { file: name, line: r.line, event: r.event, ts: r.ts, bytesRead }
        : { file: name, line: r.line, error: r.error, bytesRead };
    }
  };
  try {
    for await (const input of readLines(inputs, { maxLineBytes: maxLineBytesOf(format) })) {
      if (input.file !== file) {
        if (parser && file !== undefined)
          yield* emit([...order.add(parser.end(), Infinity), ...order.drain()], file);
        file = input.file;
        parser = createParser(format, options);
        order = new InputOrder();
      }
      bytesRead = input.bytesRead;
      yield* emit(order.add(parser!.push(input.text, input.line), input.line), input.file);
      if (stop?.aborted) break;
    }
  } catch (err) {
    if (!stop?.aborted) throw err;
  }
  if (parser && file !== undefined)
    yield* emit([...order.add(parser.end(), Infinity), ...order.drain()], file);
}
