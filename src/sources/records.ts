// From raw records to admitter candidates, shared by the sources: a parser that numbers lines and
// is renewed now and then (its reference time decides the year of year-less timestamps), byte
// decoding that survives invalid UTF-8, and validation with counted rejections.

import { validateEvent, validateOnce } from '../core/validate.js';
import type { Clock } from '../core/clock.js';
import type { Candidate } from '../ingest/admitter.js';
import { createParser, type ParseResult, type RecordParser } from '../parsers/index.js';
import type { SourceCounters } from './source-metrics.js';

/** A parser's reference time is renewed this often, so a long-lived stream keeps the right year. */
const RENEW_MS = 10 * 60 * 1000;

export interface SourceParser {
  /** Feeds one record; returns what it completes. */
  push(record: string): ParseResult[];
  /** Flushes records the parser still holds (grouped auditd records, say). */
  end(): ParseResult[];
}

export function createSourceParser(format: string, timezone: string, clock: Clock): SourceParser {
  let parser: RecordParser | undefined;
  let born = 0;
  let line = 0;
  const fresh = () => {
    born = clock.now();
    return createParser(format, { now: born, timezone });
  };
  return {
    push(record) {
      const out: ParseResult[] = [];
      if (parser && clock.now() - born > RENEW_MS) {
        out.push(...parser.end());
        parser = undefined;
      }
      parser ??= fresh();
      out.push(...parser.push(record, ++line));
      return out;
    },
    end() {
      const out = parser?.end() ?? [];
      parser = undefined;
      return out;
    },
  };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/** Decodes a record; invalid UTF-8 becomes U+FFFD rather than a rejection (the rest is still evidence). */
export function decodeRecord(bytes: Uint8Array): { text: string; invalidUtf8: boolean } {
  try {
    return { text: strictUtf8.decode(bytes), invalidUtf8: false };
  } catch {
    return { text: lenientUtf8.decode(bytes), invalidUtf8: true };
  }
}

/**
 * Validates `results` into `into` (indexes continue from its length); parse failures and invalid
 * events are counted, never thrown. `tag` marks events of records that needed lenient decoding.
 */
export function collectCandidates(
  results: ParseResult[],
  counters: SourceCounters,
  into: Candidate[],
  tag?: string,
): void {
  for (const r of results) {
    if ('error' in r) {
      counters.rejected('parse');
      continue;
    }
    // A tag changes the event: it is validated again then.
    const v =
      tag === undefined
        ? validateOnce(r.event, r.ts)
        : validateEvent({ ...r.event, tags: [...(r.event.tags ?? []), tag] });
    if (!v.ok) {
      counters.rejected('invalid');
      continue;
    }
    into.push({ index: into.length, event: v.event, ts: v.ts });
  }
}
