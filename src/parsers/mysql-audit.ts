// MySQL audit logs: MySQL Enterprise Audit in JSON format (one growing JSON array of pretty-printed
// records; also Percona's audit_log_filter JSON/JSONL), Percona's older audit_log plugin in JSON
// format ({"audit_record": {...}} per line) and MariaDB's server_audit plugin (comma-separated lines,
// in its own file or through syslog). Formats: dev.mysql.com/doc/refman/8.4/en/audit-log-file-formats.html,
// docs.percona.com/percona-server/8.0/audit-log-plugin.html,
// mariadb.com/docs/server/reference/plugins/mariadb-audit-plugin/mariadb-audit-plugin-log-format.

import type { ActionInfo, ParseResult, ParserOptions, RecordParser } from './parser.js';
import { createZoneClock, readLogTime, type ZoneClock } from './syslog-time.js';
import {
  RelatedCollector,
  createJsonValueSplitter,
  finishEvent,
  isIpAddress,
  isRecord,
  isoFromMillis,
  localTimeToUtc,
  parseUtcTimestamp,
  stringAt,
} from './json-records.js';

export const MYSQL_AUDIT_ACTIONS: ActionInfo[] = [
  {
    action: 'db.connect',
    description: 'Connection (MySQL connection/connect, MariaDB CONNECT or FAILED_CONNECT)',
    category: 'authentication',
    type: 'start',
  },
  {
    action: 'db.change_user',
    description: 'COM_CHANGE_USER on an open connection',
    category: 'authentication',
    type: 'change',
  },
  { action: 'db.disconnect', description: 'Disconnection', category: 'session', type: 'end' },
  {
    action: 'db.query',
    description: 'A statement (MySQL general/status or query end, MariaDB QUERY)',
    category: 'database',
    type: 'access|change|creation|deletion|info',
  },
  {
    action: 'db.table_access',
    description: 'A table read or written by a statement (MySQL table_access, MariaDB TABLE events)',
    category: 'database',
    type: 'access|change|creation|deletion',
  },
  {
    action: 'audit.start',
    description: 'The audit log started (MySQL audit/startup)',
    category: 'process',
    type: 'start',
  },
  {
    action: 'audit.stop',
    description: 'The audit log stopped (MySQL audit/shutdown)',
    category: 'process',
    type: 'end',
  },
  {
    action: 'audit.config_change',
    description: 'Other audit-log record (MySQL audit/noaudit, ...)',
    category: 'configuration',
    type: 'change',
  },
];

// Client error codes worth a name in event.reason (mysqld_error.h).
const MYSQL_ERRORS: Record<number, string> = {
  1040: 'too many connections',
  1044: 'access denied to database',
  1045: 'access denied (wrong user or password)',
  1049: 'unknown database',
  1064: 'SQL syntax error',
  1129: 'host blocked because of many connection errors',
  1130: 'host not allowed to connect',
  1142: 'command denied on table',
  1143: 'command denied on column',
  1146: 'table does not exist',
  1227: 'access denied: missing privilege',
  1251: 'client does not support the authentication protocol',
  1820: 'password must be changed first',
  1862: 'password expired',
  3118: 'account is locked',
};

function reasonFor(code: number): string {
  const name = MYSQL_ERRORS[code];
  return name ? `error ${code}: ${name}` : `error ${code}`;
}

function sqlType(sql: string | undefined, command?: string): string {
  const word = (command ?? /^[\s(]*([A-Za-z_]+)/.exec(sql ?? '')?.[1] ?? '').toLowerCase();
  if (/^(select|show|desc|describe|explain|read)/.test(word)) return 'access';
  if (/^create/.test(word)) return 'creation';
  if (/^(drop|delete)/.test(word)) return 'deletion';
  if (/^(insert|update|replace|alter|rename|grant|revoke|truncate|load|set|write|call)/.test(word))
    return 'change';
  return 'info';
}

interface Shaped {
  action: string;
  category: string[];
  type: string[];
}

const CONNECT: Shaped = { action: 'db.connect', category: ['authentication', 'session'], type: ['start'] };
const CHANGE_USER: Shaped = {
  action: 'db.change_user',
  category: ['authentication', 'session'],
  type: ['change'],
};
const DISCONNECT: Shaped = { action: 'db.disconnect', category: ['session'], type: ['end'] };

// ---------------------------------------------------------------------------------------------
// MySQL Enterprise Audit, JSON format.

function mysqlShape(
  cls: string,
  ev: string,
  sql: string | undefined,
  sqlCommand: string | undefined,
): Shaped | undefined {
  if (cls === 'connection') {
    if (ev === 'connect') return CONNECT;
    if (ev === 'change_user') return CHANGE_USER;
    if (ev === 'disconnect') return DISCONNECT;
    return undefined;
  }
  if (cls === 'general' || (cls === 'query' && (ev === 'query_status_end' || ev === 'query_end'))) {
    return { action: 'db.query', category: ['database'], type: [sqlType(sql, sqlCommand)] };
  }
  if (cls === 'table_access')
    return { action: 'db.table_access', category: ['database'], type: [sqlType(undefined, ev)] };
  if (cls === 'audit') {
    if (ev === 'startup')
      return { action: 'audit.start', category: ['process', 'configuration'], type: ['start'] };
    if (ev === 'shutdown')
      return { action: 'audit.stop', category: ['process', 'configuration'], type: ['end'] };
    return { action: 'audit.config_change', category: ['configuration'], type: ['change'] };
  }
  return undefined;
}

function fromMysqlJson(
  value: unknown,
  text: string,
  line: number,
  options: ParserOptions,
): ParseResult | undefined {
  if (!isRecord(value) || typeof value.class !== 'string') {
    return { line, error: 'not a MySQL audit record (no "class")' };
  }
  // The JSON format writes UTC ("YYYY-MM-DD hh:mm:ss").
  const time = parseUtcTimestamp(value.timestamp);
  if (time === undefined) return { line, error: 'MySQL audit record without a valid timestamp' };
  const cls = value.class;
  const ev = stringAt(value, 'event') ?? '';
  const data = [value.general_data, value.query_data, value.connection_data, value.table_access_data].find(
    isRecord,
  );
  const sql = stringAt(data, 'query');
  const shaped = mysqlShape(cls, ev, sql, stringAt(data, 'sql_command'));
  if (!shaped) return undefined;
  const account = isRecord(value.account) ? value.account : undefined;
  const login = isRecord(value.login) ? value.login : undefined;
  const loginUser = bareUser(stringAt(login, 'user'));
  const accountUser = bareUser(stringAt(account, 'user'));
  const ip = stringAt(login, 'ip') || undefined;
  const status = typeof data?.status === 'number' ? data.status : undefined;
  const outcome =
    status === undefined ? (cls === 'audit' ? 'success' : 'unknown') : status === 0 ? 'success' : 'failure';
  const db = stringAt(data, 'db') || undefined;
  const userName = loginUser ?? accountUser;
  const draft = {
    '@timestamp': isoFromMillis(time) ?? '',
    message: sql,
    event: {
      ...shaped,
      type: outcome === 'failure' && shaped.action === 'db.query' ? [...shaped.type, 'error'] : shaped.type,
      outcome,
      reason: status ? reasonFor(status) : undefined,
      dataset: 'mysql.audit',
      module: 'mysql',
      kind: 'event',
      id: value.id !== undefined ? `${String(value.timestamp)}#${String(value.id)}` : undefined,
    },
    user: {
      name: userName,
      effective: accountUser && accountUser !== userName ? { name: accountUser } : undefined,
    },
    source: ip ? { ip: isIpAddress(ip) ? ip : undefined, address: ip } : undefined,
    host: { name: options.hostname },
    service: { type: 'mysql', name: db },
    session: { id: value.connection_id !== undefined ? String(value.connection_id) : undefined },
    related: new RelatedCollector().user(userName, accountUser).ip(ip).host(options.hostname).toJSON(),
    labels: {
      class: cls,
      event: ev,
      sql_command: stringAt(data, 'sql_command'),
      connection_type: stringAt(data, 'connection_type'),
      status: status !== undefined ? String(status) : undefined,
      table: stringAt(data, 'table'),
      account_host: stringAt(account, 'host'),
      proxy_user: stringAt(login, 'proxy') || undefined,
      os_user: stringAt(login, 'os') || undefined,
    },
  };
  return finishEvent(draft, text, line, options);
}

// The server's "user[priv_user] @ host [ip]" form of a session's account, which Percona writes in
// user fields, names the login user first.
const ACCOUNT_FORM = /^([^[]*)\[[^\]]*\] @ /;

function bareUser(user: string | undefined): string | undefined {
  return (user && ACCOUNT_FORM.exec(user)?.[1]) || user || undefined;
}

// ---------------------------------------------------------------------------------------------
// Percona audit_log plugin, JSON format: one {"audit_record": {...}} per line, named records
// (Audit, NoAudit, Connect, Quit, Change user, Query, Prepare, Execute, ...) with string fields.

const PERCONA_EVENTS: Record<string, [string, string] | undefined> = {
  Audit: ['audit', 'startup'],
  NoAudit: ['audit', 'shutdown'],
  Connect: ['connection', 'connect'],
  Quit: ['connection', 'disconnect'],
  'Change user': ['connection', 'change_user'],
};

/** The Percona record in the MySQL JSON shape: the same fields under the names MySQL gives them. */
function perconaAsMysql(record: Record<string, unknown>): Record<string, unknown> {
  const name = stringAt(record, 'name') ?? '';
  const [cls, event] = PERCONA_EVENTS[name] ?? ['general', name];
  const status = typeof record.status === 'string' ? Number(record.status) : record.status;
  const data = {
    status: typeof status === 'number' && Number.isInteger(status) ? status : undefined,
    db: stringAt(record, 'db'),
    query: stringAt(record, 'sqltext'),
    sql_command: stringAt(record, 'command_class'),
  };
  return {
    // "2021-06-30T15:07:58 UTC" in older versions, "2021-06-30T15:07:58Z" in later ones.
    timestamp: stringAt(record, 'timestamp')?.replace(/ UTC$/, 'Z'),
    id: stringAt(record, 'record'),
    class: cls,
    event,
    connection_id: stringAt(record, 'connection_id'),
    account: { user: stringAt(record, 'priv_user'), host: stringAt(record, 'host') },
    login: {
      user: stringAt(record, 'user'),
      os: stringAt(record, 'os_login') ?? stringAt(record, 'os_user'),
      ip: stringAt(record, 'ip'),
      proxy: stringAt(record, 'proxy_user'),
    },
    [cls === 'connection' ? 'connection_data' : 'general_data']: data,
  };
}

// ---------------------------------------------------------------------------------------------
// MariaDB server_audit file format:
// timestamp,serverhost,username,host,connectionid,queryid,operation,database,object,retcode
// (from MariaDB 12.0 host is host:port). `object` is a quoted statement for QUERY, with \' \\ \n
// \r \t escapes, or a table name for table events.

const MARIADB_LINE = /^(\d{4})(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2}),/;
// With server_audit_output_type=syslog the syslog header stands for the timestamp field: BSD or
// RFC 3339 time, host, ident (server_audit_syslog_ident, default mysql-server_auditing) and the
// optional server_audit_syslog_info, then serverhost,username,host,connectionid,queryid,operation,...
const MARIADB_SYSLOG =
  /^(?:<\d{1,3}>)?(?:[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) \S+ [^\s:[\]]+(?:\[\d+\])?: *(?:[^,]* )?(?=[^\s,]*,[^,]*,[^,]*,\d+,\d+,[A-Z_]+,)/;

/**
 * Splits a server_audit line: `plain` comma-separated fields (8 with the file's timestamp, 7 after
 * a syslog header), then the object (single-quoted for a statement) and the retcode.
 */
export function splitMariadbLine(line: string, plain = 8): string[] | string {
  const fields: string[] = [];
  let i = 0;
  while (fields.length < plain) {
    const comma = line.indexOf(',', i);
    if (comma < 0) return `server_audit line with ${fields.length + 1} fields (expected ${plain + 2})`;
    fields.push(line.slice(i, comma));
    i = comma + 1;
  }
  let object: string;
  if (line.charAt(i) === "'") {
    let value = '';
    let j = i + 1;
    for (;;) {
      if (j >= line.length) return 'unterminated quoted object in server_audit line';
      const c = line.charAt(j);
      if (c === '\\' && j + 1 < line.length) {
        const next = line.charAt(j + 1);
        value += next === 'n' ? '\n' : next === 'r' ? '\r' : next === 't' ? '\t' : next;
        j += 2;
      } else if (c === "'") {
        j++;
        break;
      } else {
        value += c;
        j++;
      }
    }
    object = value;
    i = j;
  } else {
    const comma = line.lastIndexOf(',');
    if (comma < i) return 'server_audit line without retcode';
    object = line.slice(i, comma);
    i = comma;
  }
  if (line.charAt(i) !== ',') return 'server_audit line: unexpected text after the object';
  fields.push(object, line.slice(i + 1));
  return fields;
}

function mariadbShape(op: string, object: string): Shaped | undefined {
  switch (op) {
    case 'CONNECT':
    case 'FAILED_CONNECT':
      return CONNECT;
    case 'CHANGEUSER':
      return CHANGE_USER;
    case 'DISCONNECT':
      return DISCONNECT;
    case 'QUERY':
      return { action: 'db.query', category: ['database'], type: [sqlType(object)] };
    case 'READ':
    case 'WRITE':
    case 'CREATE':
    case 'ALTER':
    case 'RENAME':
    case 'DROP':
      return { action: 'db.table_access', category: ['database'], type: [sqlType(undefined, op)] };
    default:
      return undefined;
  }
}

function fromMariadbFile(line: string, lineNumber: number, options: ParserOptions): ParseResult {
  const m = MARIADB_LINE.exec(line);
  const fields = splitMariadbLine(line);
  if (!m || typeof fields === 'string') {
    return { line: lineNumber, error: typeof fields === 'string' ? fields : 'not a server_audit line' };
  }
  const [, y, mo, d, h, mi, s] = m;
  // server_audit writes the server's local time: the source's timezone option says which.
  const time = localTimeToUtc(
    {
      year: Number(y),
      month: Number(mo),
      day: Number(d),
      hour: Number(h),
      minute: Number(mi),
      second: Number(s),
    },
    options.timezone,
  );
  if (time === undefined) return { line: lineNumber, error: 'invalid server_audit timestamp' };
  return fromMariadbFields(fields.slice(1), time, line, lineNumber, options);
}

function fromMariadbSyslog(
  line: string,
  lineNumber: number,
  options: ParserOptions,
  clock: ZoneClock,
): ParseResult {
  const header = MARIADB_SYSLOG.exec(line)!;
  const fields = splitMariadbLine(line.slice(header[0].length), 7);
  if (typeof fields === 'string') return { line: lineNumber, error: fields };
  const at = line.startsWith('<') ? line.indexOf('>') + 1 : 0;
  const time = readLogTime(line, at, clock)?.epoch;
  if (time === undefined) return { line: lineNumber, error: 'invalid syslog timestamp' };
  return fromMariadbFields(fields, time, line, lineNumber, options);
}

/** serverhost,username,host,connectionid,queryid,operation,database,object,retcode at a known time. */
function fromMariadbFields(
  fields: string[],
  time: number,
  line: string,
  lineNumber: number,
  options: ParserOptions,
): ParseResult {
  const [serverHost, user, clientField, connectionId, queryId, op, database, object, retcode] = fields;
  const shaped = mariadbShape(op!, object!);
  if (!shaped) return { line: lineNumber, error: `unknown server_audit operation ${op}` };
  const hostPort = /^(.*):(\d{1,5})$/.exec(clientField!);
  const clientHost = hostPort && !isIpAddress(clientField) ? hostPort[1]! : clientField!;
  const clientPort = hostPort && !isIpAddress(clientField) ? Number(hostPort[2]) : undefined;
  const code = /^\d+$/.test(retcode!) ? Number(retcode) : undefined;
  const failed = op === 'FAILED_CONNECT' || (code !== undefined && code !== 0);
  const outcome = failed ? 'failure' : code === undefined ? 'unknown' : 'success';
  const ip = isIpAddress(clientHost) ? clientHost : undefined;
  const table = shaped.action === 'db.table_access' ? object : undefined;
  const draft = {
    '@timestamp': isoFromMillis(time) ?? '',
    message: op === 'QUERY' ? object : undefined,
    event: {
      ...shaped,
      type: failed && shaped.action === 'db.query' ? [...shaped.type, 'error'] : shaped.type,
      outcome,
      reason: failed ? (code ? reasonFor(code) : 'connection failed') : undefined,
      dataset: 'mysql.audit',
      module: 'mysql',
      kind: 'event',
    },
    user: { name: user || undefined },
    source: clientHost ? { ip, address: clientHost, port: clientPort } : undefined,
    host: { name: serverHost || options.hostname },
    service: { type: 'mysql', name: database || undefined },
    session: { id: connectionId || undefined },
    related: new RelatedCollector()
      .user(user || undefined)
      .ip(ip)
      .host(serverHost || options.hostname, ip ? undefined : clientHost)
      .toJSON(),
    labels: { operation: op, query_id: queryId, retcode: retcode || undefined, table },
  };
  return finishEvent(draft, line, lineNumber, options);
}

/** Both formats; each line is routed by its shape, so a file may be either. */
export function createMysqlAuditParser(options: ParserOptions): RecordParser {
  const splitter = createJsonValueSplitter({ elementsOfArrays: true });
  let clock: ZoneClock | undefined;

  function fromJson(results: ReturnType<typeof splitter.push>): ParseResult[] {
    const out: ParseResult[] = [];
    for (const r of results) {
      if ('error' in r) out.push(r);
      else {
        const record = isRecord(r.value) && isRecord(r.value.audit_record) ? r.value.audit_record : undefined;
        const mapped = fromMysqlJson(record ? perconaAsMysql(record) : r.value, r.text, r.line, options);
        if (mapped) out.push(mapped);
      }
    }
    return out;
  }

  return {
    format: 'mysql-audit',
    push(line, lineNumber) {
      if (!splitter.pending && MARIADB_LINE.test(line)) return [fromMariadbFile(line, lineNumber, options)];
      if (!splitter.pending && MARIADB_SYSLOG.test(line)) {
        clock ??= createZoneClock(options.now, options.timezone);
        return [fromMariadbSyslog(line, lineNumber, options, clock)];
      }
      if (!splitter.pending && line.trim() === '') return [];
      return fromJson(splitter.push(line, lineNumber));
    },
    end: () => fromJson(splitter.end()),
  };
}
