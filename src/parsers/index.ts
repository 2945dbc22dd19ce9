// The parser registry: one way to get a parser for a format, used by `stele parse`, `stele ingest`,
// POST /v1/events?format= and the sources. Also the `json` format (already normalized events) and
// `auto`, which picks a format record by record.

import { ValidationError } from '../core/errors.js';
import { validateEvent } from '../core/validate.js';
import { createAuditdParser } from './auditd.js';
import { createCloudTrailParser } from './cloudtrail.js';
import { createJsonValueSplitter } from './json-records.js';
import { createK8sAuditParser } from './k8s-audit.js';
import { createLinuxAuthParser } from './linux-auth.js';
import { createMysqlAuditParser } from './mysql-audit.js';
import { FORMATS, type Format, type ParseResult, type ParserOptions, type RecordParser } from './parser.js';
import { createPgauditParser } from './pgaudit.js';
import { createPostgresParser } from './postgres.js';
import { createSyslogParser } from './syslog.js';

export { FORMATS, type Format, type ParseResult, type ParserOptions, type RecordParser } from './parser.js';

export function isFormat(name: string): name is Format {
  return (FORMATS as readonly string[]).includes(name);
}

export function createParser(format: string, options: ParserOptions): RecordParser {
  switch (format) {
    case 'linux-auth':
      return createLinuxAuthParser(options);
    case 'syslog':
      return createSyslogParser(options);
    case 'auditd':
      return createAuditdParser(options);
    case 'k8s-audit':
      return createK8sAuditParser(options);
    case 'cloudtrail':
      return createCloudTrailParser(options);
    case 'postgres':
      return createPostgresParser(options);
    case 'pgaudit':
      return createPgauditParser(options);
    case 'mysql-audit':
      return createMysqlAuditParser(options);
    case 'json':
      return createNormalizedParser();
    case 'auto':
      return createAutoParser(options);
    default:
      throw new ValidationError(`unknown format '${format}' (expected one of ${FORMATS.join(', ')})`);
  }
}

/** `json`: events already in Stele's schema, as NDJSON, a JSON array or concatenated documents. */
export function createNormalizedParser(): RecordParser {
  const splitter = createJsonValueSplitter();
  const convert = (results: ReturnType<typeof splitter.push>): ParseResult[] =>
    results.flatMap((r): ParseResult[] => {
      if ('error' in r) return [{ line: r.line, error: r.error }];
      const values = Array.isArray(r.value) ? (r.value as unknown[]) : [r.value];
      return values.map((value) => {
        const v = validateEvent(value);
        return v.ok
          ? { line: r.line, event: v.event, ts: v.ts }
          : { line: r.line, error: `${v.field ? `${v.field}: ` : ''}${v.message}` };
      });
    });
  return {
    format: 'json',
    push: (line, n) => convert(splitter.push(line, n)),
    end: () => convert(splitter.end()),
  };
}

const AUDITD = /^(?:node=\S+ )?type=[A-Z_0-9]+ msg=audit\(/;
const SYSLOG_PRI = /^<\d{1,3}>/;
const PG_PREFIXED =
  /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? [A-Z]{2,5}.*\b(?:LOG|ERROR|FATAL|WARNING|STATEMENT|DETAIL|HINT|PANIC):/;
const MARIADB_AUDIT = /^\d{8} \d{2}:\d{2}:\d{2},[^,]*,[^,]*,[^,]*,\d+,\d+,[A-Z_]+,/;

/** Which format a JSON document is, by the fields each one always has. */
function classifyJson(value: unknown): Format {
  if (value === null || typeof value !== 'object') return 'json';
  const v = value as Record<string, unknown>;
  if (typeof v.apiVersion === 'string' && v.apiVersion.startsWith('audit.k8s.io')) return 'k8s-audit';
  // Some shippers drop apiVersion; an audit Event always has an auditID, a verb and a stage.
  if (
    (v.kind === 'Event' && 'auditID' in v && 'verb' in v) ||
    (v.kind === 'EventList' && Array.isArray(v.items))
  ) {
    return 'k8s-audit';
  }
  if (Array.isArray(v.Records) || (typeof v.eventSource === 'string' && 'userIdentity' in v))
    return 'cloudtrail';
  // A CloudTrail record delivered by EventBridge: "AWS API Call via CloudTrail" and its kin.
  if (typeof v['detail-type'] === 'string' && v['detail-type'].endsWith(' via CloudTrail'))
    return 'cloudtrail';
  if (typeof v.class === 'string' && ('connection_id' in v || 'login' in v || 'account' in v))
    return 'mysql-audit';
  if ('audit_record' in v) return 'mysql-audit';
  return 'json';
}

function classifyLine(line: string): Format {
  if (AUDITD.test(line)) return 'auditd';
  if (SYSLOG_PRI.test(line)) return 'syslog';
  if (line.includes('AUDIT: SESSION,') || line.includes('AUDIT: OBJECT,')) return 'pgaudit';
  if (PG_PREFIXED.test(line)) return 'postgres';
  if (MARIADB_AUDIT.test(line)) return 'mysql-audit';
  return 'linux-auth';
}

/**
 * `auto`: JSON documents are classified by their fields and text lines by their shape; each format
 * keeps one parser for the whole input, so formats that group lines (auditd, multi-line
 * PostgreSQL statements) still see all of theirs.
 */
export function createAutoParser(options: ParserOptions): RecordParser {
  const parsers = new Map<Format, RecordParser>();
  const parserFor = (format: Format) => {
    let p = parsers.get(format);
    if (!p) parsers.set(format, (p = createParser(format, options)));
    return p;
  };
  const json = createJsonValueSplitter();
  let last: Format | undefined;
  const routeJson = (results: ReturnType<typeof json.push>): ParseResult[] =>
    results.flatMap((r): ParseResult[] => {
      if ('error' in r) return [{ line: r.line, error: r.error }];
      return parserFor(classifyJson(r.value)).push(JSON.stringify(r.value), r.line);
    });
  return {
    format: 'auto',
    push(line, n) {
      const trimmed = line.trimStart();
      if (json.pending || trimmed.startsWith('{') || trimmed.startsWith('[')) {
        return routeJson(json.push(line, n));
      }
      // A continuation line (indented, as in a multi-line PostgreSQL statement) stays with the
      // format of the line before it.
      const format = /^\s/.test(line) && last ? last : classifyLine(line);
      last = format;
      return parserFor(format).push(line, n);
    },
    end() {
      return [...routeJson(json.end()), ...[...parsers.values()].flatMap((p) => p.end())];
    },
  };
}

/**
 * Puts results back in input order. Parsers that group records (auditd) finish a group when its
 * last record arrives, possibly after later lines' results; results are held until the input has
 * moved `window` lines past them, then released sorted by line.
 */
export class InputOrder {
  /** held[head..] are the results still held; those before head were released. */
  private held: ParseResult[] = [];
  private head = 0;
  /** Whether held[head..] is in line order: results nearly always arrive in it. */
  private sorted = true;
  private minLine = Infinity;

  constructor(private readonly window = 2000) {}

  /** Adds results; returns those now safe to emit, in line order. */
  add(results: ParseResult[], currentLine: number): ParseResult[] {
    for (const r of results) {
      if (this.held.length > this.head && r.line < this.held[this.held.length - 1]!.line) this.sorted = false;
      this.held.push(r);
      if (r.line < this.minLine) this.minLine = r.line;
    }
    const cut = currentLine - this.window;
    if (this.minLine > cut) return [];
    this.sortHeld();
    let end = this.head;
    while (end < this.held.length && this.held[end]!.line <= cut) end++;
    const ready = this.held.slice(this.head, end);
    this.head = end;
    // Released results are dropped from the array once they are most of it.
    if (this.head === this.held.length) {
      this.held = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.held.length) {
      this.held = this.held.slice(this.head);
      this.head = 0;
    }
    this.minLine = this.held[this.head]?.line ?? Infinity;
    return ready;
  }

  /** Sorts the held results by line (stable: results of one line keep their order). */
  private sortHeld(): void {
    if (this.sorted) return;
    this.held = this.held.slice(this.head).sort((a, b) => a.line - b.line);
    this.head = 0;
    this.sorted = true;
  }

  /** Everything still held, in line order. */
  drain(): ParseResult[] {
    this.sortHeld();
    const all = this.held.slice(this.head);
    this.held = [];
    this.head = 0;
    this.minLine = Infinity;
    return all;
  }
}
