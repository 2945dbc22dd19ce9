// Reads PostgreSQL server logs into messages: stderr lines with a log_line_prefix (continuation
// lines start with a tab; DETAIL/HINT/STATEMENT lines join their message), csvlog and jsonlog.
// https://www.postgresql.org/docs/current/runtime-config-logging.html

import type { ParserOptions } from './parser.js';
import { isIpAddress, isRecord, isoFromMillis, localTimeToUtc, stringAt } from './json-records.js';

export interface PgLogMessage {
  /** Line the message starts on. */
  line: number;
  /** The raw record: all of its lines, joined by '\n'. */
  raw: string;
  time: number;
  pid?: number;
  user?: string;
  database?: string;
  application?: string;
  /** Client host (IP, name or `[local]`) and port. */
  host?: string;
  port?: number;
  /** %c / session_id: start time and pid in hex, "64f1b2c3.4d2". */
  sessionId?: string;
  severity: string;
  sqlState?: string;
  message: string;
  detail?: string;
  hint?: string;
  statement?: string;
  context?: string;
}

export type PgLogItem = PgLogMessage | { line: number; error: string };

const PRIMARY = 'DEBUG[1-5]|INFO|NOTICE|WARNING|ERROR|LOG|FATAL|PANIC';
const AUXILIARY = 'DETAIL|HINT|QUERY|CONTEXT|LOCATION|STATEMENT';
const SEVERITY = new RegExp(`(?:^|[\\s\\]:>])(${PRIMARY}|${AUXILIARY}):  `);
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?: ?([A-Z]{1,5}|[+-]\d{2}(?::?\d{2})?)(?=[\s:[,]|$))?/;
const EPOCH = /^(\d{9,11})\.(\d{3})(?=[\s:[])/;
const CSV_START =
  /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?: [A-Z]{1,5}| [+-]\d{2}(?::?\d{2})?)?,/;
const MAX_MESSAGE_CHARS = 1024 * 1024;
// Real prefixes are short; a cap keeps the prefix patterns linear on hostile lines.
const MAX_PREFIX_CHARS = 1024;

// Zone abbreviations PostgreSQL prints with %t/%m; a configured options.timezone takes precedence.
const ZONE_MINUTES: Record<string, number> = {
  UTC: 0,
  UCT: 0,
  GMT: 0,
  Z: 0,
  WET: 0,
  WEST: 60,
  BST: 60,
  CET: 60,
  CEST: 120,
  EET: 120,
  EEST: 180,
  MSK: 180,
  HKT: 480,
  SGT: 480,
  JST: 540,
  KST: 540,
  AEST: 600,
  AEDT: 660,
  NZST: 720,
  NZDT: 780,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
  AKST: -540,
  AKDT: -480,
  HST: -600,
};

/** `2024-05-01 12:00:00.123 CEST` -> epoch ms, or the reason it cannot be placed in time. */
export function parsePgTime(text: string, options: ParserOptions): number | string {
  const m = TIMESTAMP.exec(text);
  if (!m) {
    const e = EPOCH.exec(text);
    return e ? Number(e[1]) * 1000 + Number(e[2]) : 'no timestamp (log_line_prefix needs %m, %t or %n)';
  }
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const parts = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: Number(s),
    ms: Math.floor(Number((frac ?? '0').padEnd(3, '0').slice(0, 3))),
  };
  const utcWall = localTimeToUtc(parts);
  if (utcWall === undefined) return `invalid timestamp ${m[0]}`;
  if (zone && /^[+-]/.test(zone)) {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    return utcWall - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60000;
  }
  if (zone !== undefined && ZONE_MINUTES[zone] === 0) return utcWall;
  if (options.timezone)
    return localTimeToUtc(parts, options.timezone) ?? `unknown time zone ${options.timezone}`;
  if (zone === undefined) return utcWall;
  const minutes = ZONE_MINUTES[zone];
  if (minutes === undefined) return `unknown time zone abbreviation ${zone} (set the source's timezone)`;
  return utcWall - minutes * 60000;
}

interface Prefix {
  pid?: number;
  user?: string;
  database?: string;
  application?: string;
  host?: string;
  port?: number;
  sessionId?: string;
}

const KNOWN_UNKNOWN = new Set(['[unknown]', '']);
const clean = (v: string | undefined) => (v === undefined || KNOWN_UNKNOWN.has(v) ? undefined : v);

/** Best-effort reading of the common log_line_prefix escapes: %p %c %u %d %a %h %r, user=/db=/app=/client=. */
export function parsePrefix(prefix: string): Prefix {
  const out: Prefix = {};
  const pid = /\[(\d+)(?:-\d+)?\]/.exec(prefix);
  if (pid) out.pid = Number(pid[1]);
  const sid = /(?:^|[\s:[])([0-9a-f]{8}\.[0-9a-f]{1,8})(?=[\s:\],]|$)/.exec(prefix);
  if (sid) out.sessionId = sid[1];
  const hostPort = /(?:^|[\s:=])(\[local\]|[0-9A-Fa-f:.]+|[A-Za-z0-9][\w.-]*)\((\d{1,5})\)/.exec(prefix);
  if (hostPort) {
    out.host = hostPort[1];
    out.port = Number(hostPort[2]);
  }
  for (const kv of prefix.matchAll(
    /(?:^|[\s,:])(user|db|database|app|application|client|host|remote)=([^\s,]*)/g,
  )) {
    const [, key, raw] = kv;
    const value = clean(raw);
    if (key === 'user') out.user = value;
    else if (key === 'db' || key === 'database') out.database = value;
    else if (key === 'app' || key === 'application') out.application = value;
    else if (value && out.host === undefined) out.host = value.replace(/\(\d+\)$/, '');
  }
  if (out.user === undefined && out.database === undefined) {
    const at = /(?:^|[\s:])([^\s@:[\]]+|\[unknown\])@([^\s@:[\]]+|\[unknown\])(?=[\s:]|$)/.exec(prefix);
    if (at) {
      out.user = clean(at[1]);
      out.database = clean(at[2]);
    } else readBareUserDatabase(prefix, out);
  }
  return out;
}

/**
 * `%r %u %d` (or `%h %u %d`) at the end of the prefix, with no `@` or `=` to mark them: two bare words
 * after the client (`host(port)`, `[local]` or an address) are the user and the database.
 */
function readBareUserDatabase(prefix: string, out: Prefix): void {
  const m =
    /(?:^|\s)(\[local\]|\S+?(?:\(\d{1,5}\))?)\s+([^\s@=[\]()]+|\[unknown\])\s+([^\s@=[\]()]+|\[unknown\])\s*$/.exec(
      prefix,
    );
  if (!m) return;
  const client = m[1]!;
  const bare = client.replace(/\(\d{1,5}\)$/, '');
  if (client !== '[local]' && client === bare && !isIpAddress(bare)) return;
  out.host ??= bare;
  out.user = clean(m[2]);
  out.database = clean(m[3]);
}

/** RFC 4180 fields of one record (quotes doubled inside quoted fields; newlines allowed). */
export function parseCsvRecord(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  while (i <= n) {
    if (text.charCodeAt(i) === 0x22) {
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          value += text.slice(i);
          i = n;
          break;
        }
        value += text.slice(i, q);
        if (text.charCodeAt(q + 1) === 0x22) {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      const comma = text.indexOf(',', i);
      i = comma < 0 ? n + 1 : comma + 1;
    } else {
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      fields.push(text.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}

function quotesBalanced(text: string): boolean {
  let count = 0;
  for (let at = text.indexOf('"'); at >= 0; at = text.indexOf('"', at + 1)) count++;
  return count % 2 === 0;
}

function splitConnectionFrom(value: string | undefined): { host?: string; port?: number } {
  if (!value) return {};
  const colon = value.lastIndexOf(':');
  if (colon < 0 || !/^\d+$/.test(value.slice(colon + 1))) return { host: value };
  return { host: value.slice(0, colon), port: Number(value.slice(colon + 1)) };
}

/** csvlog columns (PostgreSQL 9.0+; 13 adds backend_type, 14 leader_pid and query_id). */
function fromCsv(text: string, line: number, options: ParserOptions): PgLogItem {
  const f = parseCsvRecord(text);
  if (f.length < 23) return { line, error: `csvlog record with ${f.length} columns (expected at least 23)` };
  const time = parsePgTime(f[0]!, options);
  if (typeof time === 'string') return { line, error: time };
  const from = splitConnectionFrom(f[4]);
  return {
    line,
    raw: text,
    time,
    pid: /^\d+$/.test(f[3]!) ? Number(f[3]) : undefined,
    user: clean(f[1]),
    database: clean(f[2]),
    host: from.host,
    port: from.port,
    sessionId: clean(f[5]),
    severity: f[11]!,
    sqlState: clean(f[12]),
    message: f[13]!,
    detail: clean(f[14]),
    hint: clean(f[15]),
    context: clean(f[18]),
    statement: clean(f[19]),
    application: clean(f[22]),
  };
}

/** jsonlog (PostgreSQL 15+): one JSON object per line. */
function fromJson(text: string, line: number, options: ParserOptions): PgLogItem {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return { line, error: `malformed jsonlog line: ${(err as Error).message}` };
  }
  if (!isRecord(v) || typeof v.error_severity !== 'string' || typeof v.message !== 'string') {
    return { line, error: 'not a PostgreSQL jsonlog record' };
  }
  const time =
    typeof v.timestamp === 'string' ? parsePgTime(v.timestamp, options) : 'jsonlog record without timestamp';
  if (typeof time === 'string') return { line, error: time };
  const port = typeof v.remote_port === 'number' ? v.remote_port : undefined;
  return {
    line,
    raw: text,
    time,
    pid: typeof v.pid === 'number' ? v.pid : undefined,
    user: clean(stringAt(v, 'user')),
    database: clean(stringAt(v, 'dbname')),
    host: clean(stringAt(v, 'remote_host')),
    port,
    sessionId: stringAt(v, 'session_id'),
    severity: v.error_severity,
    sqlState: stringAt(v, 'state_code'),
    message: v.message,
    detail: stringAt(v, 'detail'),
    hint: stringAt(v, 'hint'),
    context: stringAt(v, 'context'),
    statement: stringAt(v, 'statement'),
    application: clean(stringAt(v, 'application_name')),
  };
}

type Field = 'message' | 'detail' | 'hint' | 'statement' | 'context';
const AUX_FIELD: Record<string, Field | undefined> = {
  DETAIL: 'detail',
  HINT: 'hint',
  STATEMENT: 'statement',
  CONTEXT: 'context',
  QUERY: 'context',
};

export interface PgLogReader {
  push(line: string, lineNumber: number): PgLogItem[];
  end(): PgLogItem[];
}

/**
 * Groups lines into messages. A stderr message is complete when the next prefixed line that is not
 * its DETAIL/HINT/STATEMENT/... arrives (or at end), so results come one line late.
 */
export function createPgLogReader(options: ParserOptions): PgLogReader {
  let pending: (PgLogMessage & { lines: string[]; last: Field; size: number }) | undefined;
  let csv: { lines: string[]; start: number } | undefined;

  function flush(out: PgLogItem[]): void {
    if (!pending) return;
    const { lines, last: _last, size: _size, ...message } = pending;
    message.raw = lines.join('\n');
    out.push(message);
    pending = undefined;
  }

  function append(field: Field, text: string, raw: string): void {
    if (!pending) return;
    pending.size += raw.length + 1;
    if (pending.size > MAX_MESSAGE_CHARS) return;
    pending.lines.push(raw);
    const current = pending[field];
    pending[field] = current === undefined ? text : `${current}\n${text}`;
    pending.last = field;
  }

  function stderrLine(line: string, lineNumber: number, out: PgLogItem[]): void {
    const sev = SEVERITY.exec(line);
    if (!sev) {
      out.push({ line: lineNumber, error: 'no severity (LOG:, ERROR:, ...) after the log_line_prefix' });
      return;
    }
    const severity = sev[1]!;
    const cut = sev.index + sev[0].length - severity.length - 3;
    if (cut > MAX_PREFIX_CHARS) {
      out.push({ line: lineNumber, error: `log_line_prefix longer than ${MAX_PREFIX_CHARS} characters` });
      return;
    }
    const prefixText = line.slice(0, cut);
    const text = line.slice(sev.index + sev[0].length);
    const stamp = TIMESTAMP.exec(prefixText) ?? EPOCH.exec(prefixText);
    // Amazon RDS writes "%t:%r:...": drop the one colon that follows the time.
    const prefix = parsePrefix(stamp ? prefixText.slice(stamp[0].length).replace(/^:/, '') : prefixText);
    const field = AUX_FIELD[severity];
    if (field !== undefined || severity === 'LOCATION') {
      if (pending && (prefix.pid === undefined || prefix.pid === pending.pid)) {
        if (field) append(field, text, line);
        else pending.lines.push(line);
        return;
      }
      out.push({ line: lineNumber, error: `${severity} line without the message it belongs to` });
      return;
    }
    const time = parsePgTime(prefixText, options);
    if (typeof time === 'string') {
      out.push({ line: lineNumber, error: time });
      return;
    }
    flush(out);
    pending = {
      line: lineNumber,
      raw: '',
      time,
      severity,
      message: text,
      ...prefix,
      lines: [line],
      last: 'message',
      size: line.length,
    };
  }

  function push(line: string, lineNumber: number): PgLogItem[] {
    const out: PgLogItem[] = [];
    if (csv) {
      csv.lines.push(line);
      const text = csv.lines.join('\n');
      if (quotesBalanced(text)) {
        out.push(fromCsv(text, csv.start, options));
        csv = undefined;
      } else if (text.length > MAX_MESSAGE_CHARS) {
        out.push({ line: csv.start, error: 'csvlog record larger than 1 MiB or unterminated quote' });
        csv = undefined;
      }
      return out;
    }
    if (line.startsWith('\t')) {
      if (pending) append(pending.last, line.slice(1), line);
      else out.push({ line: lineNumber, error: 'continuation line without a preceding log line' });
      return out;
    }
    if (line.trim() === '') return out;
    if (line.startsWith('{')) {
      flush(out);
      out.push(fromJson(line, lineNumber, options));
    } else if (CSV_START.test(line)) {
      flush(out);
      if (quotesBalanced(line)) out.push(fromCsv(line, lineNumber, options));
      else csv = { lines: [line], start: lineNumber };
    } else if (TIMESTAMP.test(line) || EPOCH.test(line)) stderrLine(line, lineNumber, out);
    else out.push({ line: lineNumber, error: 'not a PostgreSQL log line (no timestamp in log_line_prefix)' });
    return out;
  }

  return {
    push,
    end() {
      const out: PgLogItem[] = [];
      flush(out);
      if (csv) out.push({ line: csv.start, error: 'unterminated csvlog record at end of input' });
      csv = undefined;
      return out;
    },
  };
}

/** What is known about the connection a message belongs to: its prefix, completed by session tracking. */
export interface PgContext {
  pid?: number;
  user?: string;
  database?: string;
  application?: string;
  host?: string;
  port?: number;
  sessionId?: string;
  /** The backend passed authentication ("connection authorized" seen). */
  authorized?: boolean;
  authMethod?: string;
}

/** The fields every PostgreSQL-sourced event shares. */
export function pgBaseDraft(msg: PgLogMessage, ctx: PgContext, options: ParserOptions, dataset: string) {
  const ip = isIpAddress(ctx.host) ? ctx.host : undefined;
  return {
    '@timestamp': isoFromMillis(msg.time) ?? '',
    event: { dataset, module: 'postgresql', kind: 'event' },
    user: { name: ctx.user },
    source: ctx.host && ctx.host !== '[local]' ? { ip, address: ctx.host, port: ctx.port } : undefined,
    host: { name: options.hostname },
    service: { type: 'postgresql', name: ctx.database },
    session: { id: ctx.sessionId },
    process: { pid: ctx.pid, name: 'postgres' },
    labels: {
      severity: msg.severity,
      sqlstate: msg.sqlState,
      application: ctx.application,
      auth_method: ctx.authMethod,
      local: ctx.host === '[local]' ? 'true' : undefined,
    },
  };
}
