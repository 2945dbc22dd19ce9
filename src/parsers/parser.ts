// The contract every log-format parser implements. A parser is fed raw input line by line and
// returns normalized events or rejections, each tagged with the line it started on. Parsers are
// pure: no I/O, no clock of their own (the reference time comes in the options), no storage.

import type { AuditEvent } from '../core/event.js';

export const FORMATS = [
  'auto',
  'linux-auth',
  'syslog',
  'auditd',
  'k8s-audit',
  'cloudtrail',
  'postgres',
  'pgaudit',
  'mysql-audit',
  'json',
] as const;
export type Format = (typeof FORMATS)[number];

export interface ParserOptions {
  /**
   * Reference time (epoch ms) for formats whose timestamps lack a year or a zone (RFC 3164,
   * /var/log/auth.log): the year is chosen so the timestamp is not far in the future of this.
   */
  now: number;
  /** IANA zone for zone-less timestamps; default UTC. */
  timezone?: string;
  /** Host name to use when the record does not carry one. */
  hostname?: string;
  /** Keep the raw record in `event.original` (default true). */
  keepOriginal?: boolean;
}

/**
 * One result: a normalized event, or the reason the record was rejected. `ts` is set when the
 * parser has validated the event itself (validateEvent: schema, limits, `@timestamp` normalized):
 * it is then its `@timestamp` in epoch ms, and consumers need not validate it again (about 5 µs an
 * event, on the thread that receives every event). Line parsers build schema-valid events by
 * construction and leave validation to the consumer.
 */
export type ParseResult = { line: number; event: AuditEvent; ts?: number } | { line: number; error: string };

export interface RecordParser {
  readonly format: Format;
  /** Feeds one line without its line terminator; returns the records it completes (often one). */
  push(line: string, lineNumber: number): ParseResult[];
  /** End of input: returns records still pending (an auditd event without EOE, say). */
  end(): ParseResult[];
}

/** Describes one value of Stele's `event.action` vocabulary; each parser exports those it emits. */
export interface ActionInfo {
  action: string;
  description: string;
  category: string;
  type: string;
}

/**
 * A parser for formats whose lines stand alone. `parseLine` returns an event, a rejection, or
 * undefined for a line to skip; if it ever throws, that line is rejected, never the stream.
 */
export function createLineParser(
  format: Format,
  parseLine: (line: string) => { event: AuditEvent } | { error: string } | undefined,
): RecordParser {
  return {
    format,
    push(line: string, lineNumber: number): ParseResult[] {
      try {
        const result = parseLine(line);
        if (result === undefined) return [];
        return 'error' in result
          ? [{ line: lineNumber, error: result.error }]
          : [{ line: lineNumber, event: result.event }];
      } catch (err) {
        return [{ line: lineNumber, error: `internal parser error: ${String(err)}` }];
      }
    },
    end: () => [],
  };
}
