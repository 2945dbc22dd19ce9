// Splits a line-fed stream into complete JSON values (NDJSON, pretty-printed documents, values
// written back to back), plus the small event-shaping helpers the record parsers here share.

import { isIP } from 'node:net';
import { FREE_TEXT_FIELDS, MAX_FIELD_CHARS, MAX_TEXT_CHARS, type AuditEvent } from '../core/event.js';
import { parseRfc3339, validateEvent } from '../core/validate.js';
import type { ParseResult, ParserOptions } from './parser.js';
import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COMMA,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
} from '../core/json-chars.js';

/** Largest JSON value accepted, in UTF-16 code units (bytes for ASCII text): 16 MiB. */
export const MAX_JSON_VALUE_CHARS = 16 * 1024 * 1024;

export type JsonValueResult =
  { line: number; value: unknown; text: string } | { line: number; error: string };

export interface JsonValueSplitter {
  /** Feeds one line; returns the values it completes, each tagged with the line it started on. */
  push(line: string, lineNumber: number): JsonValueResult[];
  /** End of input: an unfinished value becomes an error. */
  end(): JsonValueResult[];
  /** True while a value (or, with `elementsOfArrays`, an outer array) is open. */
  readonly pending: boolean;
}

function isJsonSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a || code === 0xfeff;
}

function isWholeValueCandidate(line: string, objectsOnly: boolean): boolean {
  let a = 0;
  let b = line.length - 1;
  while (a <= b && isJsonSpace(line.charCodeAt(a))) a++;
  while (b > a && isJsonSpace(line.charCodeAt(b))) b--;
  const first = line.charCodeAt(a);
  const last = line.charCodeAt(b);
  if (first === OPEN_BRACE) return last === CLOSE_BRACE;
  return !objectsOnly && first === OPEN_BRACKET && last === CLOSE_BRACKET;
}

/**
 * Tracks strings, escapes and brace/bracket depth to find where each top-level object or array
 * ends. A raw line break inside a string is not valid JSON, so a value whose string is still open
 * at the end of a line is rejected there: one truncated NDJSON line cannot swallow the next ones.
 */
export function createJsonValueSplitter(
  options: {
    maxChars?: number;
    /**
     * Yield the elements of a top-level array one by one instead of the whole array: for logs
     * written as one ever-growing array (`[`, objects separated by commas, `]` only at rotation).
     */
    elementsOfArrays?: boolean;
  } = {},
): JsonValueSplitter {
  const maxChars = options.maxChars ?? MAX_JSON_VALUE_CHARS;
  const unwrap = options.elementsOfArrays === true;
  let inArray = false;
  let parts: string[] = [];
  let size = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let startLine = 0;
  let oversized = false;

  function reset(): void {
    parts = [];
    size = 0;
    depth = 0;
    inString = false;
    escaped = false;
    oversized = false;
  }

  function keep(piece: string): void {
    if (oversized) return;
    size += piece.length + 1;
    if (size > maxChars) {
      oversized = true;
      parts = [];
      return;
    }
    parts.push(piece);
  }

  function complete(out: JsonValueResult[]): void {
    if (oversized) {
      out.push({ line: startLine, error: `JSON value larger than ${maxChars} characters` });
    } else {
      const text = parts.join('\n');
      try {
        out.push({ line: startLine, value: JSON.parse(text) as unknown, text });
      } catch (err) {
        out.push({ line: startLine, error: `malformed JSON: ${(err as Error).message}` });
      }
    }
    reset();
  }

  function push(line: string, lineNumber: number): JsonValueResult[] {
    const out: JsonValueResult[] = [];
    // NDJSON fast path: a whole line that parses as one object or array needs no scan.
    if (depth === 0 && line.length <= maxChars && isWholeValueCandidate(line, unwrap)) {
      try {
        const text = line.trim();
        out.push({ line: lineNumber, value: JSON.parse(text) as unknown, text });
        return out;
      } catch {
        // Several values on one line, or malformed: the scan below sorts it out.
      }
    }
    let from = 0; // start of the current value's piece on this line
    let i = 0;
    const n = line.length;
    while (i < n) {
      const c = line.charCodeAt(i);
      if (depth === 0) {
        if (isJsonSpace(c) || (unwrap && c === COMMA)) {
          i++;
          continue;
        }
        if (unwrap && !inArray && c === OPEN_BRACKET) {
          inArray = true;
          i++;
          continue;
        }
        if (inArray && c === CLOSE_BRACKET) {
          inArray = false;
          i++;
          continue;
        }
        if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
          out.push({ line: lineNumber, error: 'not a JSON object or array' });
          return out;
        }
        startLine = lineNumber;
        from = i;
        depth = 1;
        i++;
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
      } else if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          keep(line.slice(from, i + 1));
          complete(out);
        }
      }
      i++;
    }
    if (depth > 0) {
      if (inString) {
        out.push({ line: startLine, error: 'malformed JSON: line break inside a string' });
        reset();
      } else keep(from === 0 ? line : line.slice(from));
    }
    return out;
  }

  function end(): JsonValueResult[] {
    inArray = false;
    if (depth === 0) return [];
    const line = startLine;
    reset();
    return [{ line, error: 'unterminated JSON value at end of input' }];
  }

  return {
    push,
    end,
    get pending() {
      return depth > 0 || inArray;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the record parsers.

/** True when the text is an IPv4 or IPv6 address (an IPv6 zone index is accepted). */
export function isIpAddress(value: string | undefined): value is string {
  if (!value) return false;
  const bare = value.includes('%') ? value.slice(0, value.indexOf('%')) : value;
  return isIP(bare) !== 0;
}

/** Plain JSON object check, for walking untrusted parsed input. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A string property, or undefined when absent or of another type. */
export function stringAt(record: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = record?.[key];
  return typeof v === 'string' ? v : undefined;
}

const TRUNCATED = '…[truncated]';

/** Cuts a string to `max` code units, not splitting a surrogate pair, and marks the cut. */
export function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  let cut = max - TRUNCATED.length;
  const code = value.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return value.slice(0, cut) + TRUNCATED;
}

/**
 * Drops undefined, null, empty strings, empty arrays and empty objects; clips strings and lists
 * to the schema's limits, so that hostile input yields a shorter event rather than a rejection.
 */
function compact(value: unknown, path: string): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string')
    return clip(value, FREE_TEXT_FIELDS.has(path) ? MAX_TEXT_CHARS : MAX_FIELD_CHARS);
  if (Array.isArray(value)) {
    const items = value.map((v) => compact(v, path)).filter((v) => v !== undefined);
    return items.length === 0 ? undefined : items.slice(0, 256);
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const c = compact(v, path === '' ? k : `${path}.${k}`);
      if (c !== undefined) out[path === 'labels' ? k.slice(0, 256) : k] = c;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value;
}

/** Collects related.user/ip/hosts without duplicates, in first-seen order. */
export class RelatedCollector {
  private readonly users = new Set<string>();
  private readonly ips = new Set<string>();
  private readonly hosts = new Set<string>();

  user(...names: Array<string | undefined>): this {
    for (const n of names) if (n) this.users.add(n);
    return this;
  }

  ip(...ips: Array<string | undefined>): this {
    for (const ip of ips) if (isIpAddress(ip)) this.ips.add(ip);
    return this;
  }

  host(...hosts: Array<string | undefined>): this {
    for (const h of hosts) if (h) this.hosts.add(h);
    return this;
  }

  toJSON(): { user?: string[]; ip?: string[]; hosts?: string[] } {
    return {
      user: this.users.size ? [...this.users] : undefined,
      ip: this.ips.size ? [...this.ips] : undefined,
      hosts: this.hosts.size ? [...this.hosts] : undefined,
    };
  }
}

/**
 * Final step of every parser: attaches `event.original` (unless the options drop it), compacts,
 * validates against the schema and returns the event or the reason it cannot be admitted.
 */
export function finishEvent(
  draft: Record<string, unknown>,
  original: string,
  line: number,
  options: ParserOptions,
): ParseResult {
  const event = (draft.event ?? {}) as Record<string, unknown>;
  if (options.keepOriginal !== false) event.original = original;
  draft.event = event;
  const shaped = compact(draft, '');
  const checked = validateEvent(shaped);
  if (!checked.ok) return { line, error: `invalid event: ${checked.field || 'event'}: ${checked.message}` };
  return { line, event: checked.event as AuditEvent, ts: checked.ts };
}

/** Epoch milliseconds to the RFC 3339 form Stele writes, or undefined for an impossible date. */
export function isoFromMillis(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

const ZONELESS = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;

/**
 * An RFC 3339 time from a JSON record as epoch ms. A time without a zone is read as UTC: the
 * cloud and Kubernetes sources here write UTC, and exporters (Panther, Logstash) drop the `Z`.
 */
export function parseUtcTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = parseRfc3339(value);
  if (ms !== undefined) return ms;
  return ZONELESS.test(value) ? parseRfc3339(`${value.replace(' ', 'T')}Z`) : undefined;
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** Offset of an IANA zone from UTC at an instant, in minutes (east positive). */
function zoneOffsetMinutes(instant: number, zone: string): number {
  let fmt = zoneFormats.get(zone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    zoneFormats.set(zone, fmt);
  }
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(new Date(instant))) p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return Math.round((wall - Math.floor(instant / 1000) * 1000) / 60000);
}

/**
 * Epoch ms of a wall-clock time in an IANA zone (UTC when none), or undefined for an unknown zone
 * or impossible date. A wall time skipped or repeated by a DST change resolves to one of its offsets.
 */
export function localTimeToUtc(
  parts: {
    year: number;
    month: number;
    day: number;
    hour: number;
    minute: number;
    second: number;
    ms?: number;
  },
  zone?: string,
): number | undefined {
  const wall = Date.UTC(
    parts.year,
    parts.month - 1,
    parts.day,
    parts.hour,
    parts.minute,
    parts.second,
    parts.ms ?? 0,
  );
  const back = new Date(wall);
  if (Number.isNaN(wall) || back.getUTCDate() !== parts.day || back.getUTCMonth() !== parts.month - 1)
    return undefined;
  if (!zone || zone === 'UTC' || zone === 'Etc/UTC') return wall;
  try {
    const first = wall - zoneOffsetMinutes(wall, zone) * 60000;
    return wall - zoneOffsetMinutes(first, zone) * 60000;
  } catch {
    return undefined;
  }
}
