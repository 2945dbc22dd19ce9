// No MySQL or MariaDB audit log fixture exists in the shared corpus. These records are written by
// hand from the documented formats: the MySQL 8.4 Reference Manual, "Audit Log File Formats"
// (JSON: one array of records with timestamp/id/class/event/connection_id/account/login and
// connection_data, general_data or table_access_data; timestamps in UTC) and the MariaDB "Audit
// Plugin Log Format" page (timestamp,serverhost,username,host,connectionid,queryid,operation,
// database,object,retcode; host:port from 12.0).

import { describe, expect, it } from 'vitest';
import { validateEvent } from '../core/validate.js';
import { MYSQL_AUDIT_ACTIONS, createMysqlAuditParser, splitMariadbLine } from './mysql-audit.js';
import type { ParseResult, ParserOptions } from './parser.js';

const OPTIONS: ParserOptions = { now: Date.UTC(2025, 0, 1), hostname: 'mysql-1' };

function parse(text: string, options: ParserOptions = OPTIONS) {
  const parser = createMysqlAuditParser(options);
  const results: ParseResult[] = [];
  text.split('\n').forEach((l, i) => results.push(...parser.push(l, i + 1)));
  results.push(...parser.end());
  const events = results.flatMap((r) => ('event' in r ? [r.event] : []));
  const actions = MYSQL_AUDIT_ACTIONS.map((a) => a.action);
  for (const e of events) {
    const checked = validateEvent(e);
    expect(checked.ok, JSON.stringify(checked)).toBe(true);
    expect(actions).toContain(e.event?.action);
    expect(e.event?.dataset).toBe('mysql.audit');
  }
  return { results, events, errors: results.flatMap((r) => ('error' in r ? [r] : [])) };
}

const session = {
  account: { user: 'app', host: '%' },
  login: { user: 'app', os: '', ip: '10.0.0.8', proxy: '' },
};
const MYSQL_RECORDS = [
  {
    timestamp: '2024-05-01 12:00:00',
    id: 0,
    class: 'audit',
    event: 'startup',
    connection_id: 0,
    startup_data: {
      server_id: 1,
      os_version: 'x86_64-Linux',
      mysql_version: '8.4.0-commercial',
      args: ['mysqld'],
    },
  },
  {
    timestamp: '2024-05-01 12:00:05',
    id: 0,
    class: 'connection',
    event: 'connect',
    connection_id: 12,
    ...session,
    connection_data: { connection_type: 'ssl', status: 0, db: 'shop' },
  },
  {
    timestamp: '2024-05-01 12:00:06',
    id: 0,
    class: 'table_access',
    event: 'insert',
    connection_id: 12,
    ...session,
    table_access_data: {
      db: 'shop',
      table: 'orders',
      query: 'INSERT INTO orders VALUES (1)',
      sql_command: 'insert',
    },
  },
  {
    timestamp: '2024-05-01 12:00:06',
    id: 1,
    class: 'general',
    event: 'status',
    connection_id: 12,
    ...session,
    general_data: {
      command: 'Query',
      sql_command: 'insert',
      query: 'INSERT INTO orders VALUES (1)',
      status: 0,
    },
  },
  {
    timestamp: '2024-05-01 12:00:07',
    id: 0,
    class: 'general',
    event: 'status',
    connection_id: 12,
    ...session,
    general_data: { command: 'Query', sql_command: 'drop_table', query: 'DROP TABLE payments', status: 1142 },
  },
  {
    timestamp: '2024-05-01 12:00:08',
    id: 0,
    class: 'connection',
    event: 'disconnect',
    connection_id: 12,
    ...session,
    connection_data: { connection_type: 'ssl' },
  },
  {
    timestamp: '2024-05-01 12:00:09',
    id: 0,
    class: 'connection',
    event: 'connect',
    connection_id: 13,
    account: { user: '', host: '' },
    login: { user: 'root', os: '', ip: '203.0.113.9', proxy: '' },
    connection_data: { connection_type: 'tcp/ip', status: 1045, db: '' },
  },
];

describe('MySQL Enterprise Audit, JSON format', () => {
  // As the plugin writes it: "[", pretty-printed records separated by commas, no "]" until rotation.
  const live = `[\n${MYSQL_RECORDS.map((r) => JSON.stringify(r, null, 2)).join(',\n')}`;
  const { events, errors, results } = parse(live);

  it('reads each record of the still-open array, on the line it starts', () => {
    expect(errors).toEqual([]);
    expect(events.map((e) => e.event?.action)).toEqual([
      'audit.start',
      'db.connect',
      'db.table_access',
      'db.query',
      'db.query',
      'db.disconnect',
      'db.connect',
    ]);
    expect(results[0]!.line).toBe(2);
  });

  it('maps a connection with its user, client, database and session', () => {
    const connect = events[1]!;
    expect(connect['@timestamp']).toBe('2024-05-01T12:00:05.000Z');
    expect(connect.event).toMatchObject({
      outcome: 'success',
      category: ['authentication', 'session'],
      type: ['start'],
    });
    expect(connect.user).toEqual({ name: 'app' });
    expect(connect.source).toEqual({ ip: '10.0.0.8', address: '10.0.0.8' });
    expect(connect.service).toEqual({ type: 'mysql', name: 'shop' });
    expect(connect.session?.id).toBe('12');
    expect(connect.labels?.connection_type).toBe('ssl');
    expect(connect.host?.name).toBe('mysql-1');
  });

  it('maps statements, failed statements and table access', () => {
    const [, , table, insert, drop] = events;
    expect(table!.labels).toMatchObject({ table: 'orders', sql_command: 'insert' });
    expect(table!.event?.type).toEqual(['change']);
    expect(insert!.message).toBe('INSERT INTO orders VALUES (1)');
    expect(insert!.event).toMatchObject({ outcome: 'success', type: ['change'] });
    expect(drop!.event).toMatchObject({
      outcome: 'failure',
      reason: 'error 1142: command denied on table',
      type: ['deletion', 'error'],
    });
  });

  it('maps a refused login (status 1045)', () => {
    const refused = events[6]!;
    expect(refused.event).toMatchObject({
      action: 'db.connect',
      outcome: 'failure',
      reason: 'error 1045: access denied (wrong user or password)',
    });
    expect(refused.user).toEqual({ name: 'root' });
    expect(refused.source?.ip).toBe('203.0.113.9');
  });

  it('also reads a closed one-record-per-line array (Percona JSONL) and plain NDJSON', () => {
    const jsonl = `[\n${MYSQL_RECORDS.map((r) => JSON.stringify(r)).join(',\n')}\n]`;
    expect(parse(jsonl).events).toHaveLength(7);
    expect(parse(MYSQL_RECORDS.map((r) => JSON.stringify(r)).join('\n')).events).toHaveLength(7);
  });

  it('rejects records without class or time, and skips classes it does not audit', () => {
    const { errors, events: evs } = parse(
      [
        '{"timestamp":"2024-05-01 12:00:00","id":0}',
        '{"timestamp":"soon","id":0,"class":"general","event":"status"}',
        '{"timestamp":"2024-05-01 12:00:00","id":1,"class":"command","event":"command_start","connection_id":1}',
      ].join('\n'),
    );
    expect(errors.map((e) => e.line)).toEqual([1, 2]);
    expect(evs).toEqual([]);
  });
});

// Percona Server's audit_log plugin with audit_log_format=JSON writes one {"audit_record": {...}}
// per line (Percona Server 8.0 manual, "Audit log plugin"): named records with string fields, the
// time as "...T...Z" or "... UTC", and query users in the "user[priv_user] @ host [ip]" form.
describe('Percona audit_log plugin, JSON format', () => {
  const record = (fields: Record<string, unknown>) => JSON.stringify({ audit_record: fields });
  const LOG = [
    record({
      name: 'Connect',
      record: '7_2024-05-01T11:00:00',
      timestamp: '2024-05-01T12:00:00 UTC',
      connection_id: '21',
      status: 1045,
      user: 'mallory',
      priv_user: '',
      os_login: '',
      proxy_user: '',
      host: '',
      ip: '203.0.113.66',
      db: 'shop',
    }),
    record({
      name: 'Query',
      record: '8_2024-05-01T11:00:00',
      timestamp: '2024-05-01T12:00:05Z',
      command_class: 'drop_table',
      connection_id: '22',
      status: 0,
      sqltext: 'DROP TABLE orders',
      user: 'alice[app] @ app-1 [10.0.0.5]',
      host: 'app-1',
      os_user: '',
      ip: '10.0.0.5',
      db: 'shop',
    }),
    record({
      name: 'Quit',
      record: '9_2024-05-01T11:00:00',
      timestamp: '2024-05-01T12:00:09Z',
      connection_id: '22',
      status: 0,
      user: 'alice',
      priv_user: 'app',
      host: 'app-1',
      ip: '10.0.0.5',
      db: '',
    }),
  ].join('\n');

  it('maps logins, statements and disconnections', () => {
    const { events, errors } = parse(LOG);
    expect(errors).toEqual([]);
    expect(events.map((e) => [e['@timestamp'], e.event?.action, e.event?.outcome, e.user?.name])).toEqual([
      ['2024-05-01T12:00:00.000Z', 'db.connect', 'failure', 'mallory'],
      ['2024-05-01T12:00:05.000Z', 'db.query', 'success', 'alice'],
      ['2024-05-01T12:00:09.000Z', 'db.disconnect', 'success', 'alice'],
    ]);
    expect(events[0]!.event?.reason).toBe('error 1045: access denied (wrong user or password)');
    expect(events[0]!.source).toEqual({ ip: '203.0.113.66', address: '203.0.113.66' });
    expect(events[1]).toMatchObject({
      message: 'DROP TABLE orders',
      event: { type: ['deletion'] },
      session: { id: '22' },
      service: { name: 'shop' },
    });
    expect(events[2]!.user?.effective?.name).toBe('app');
  });
});

describe('MariaDB server_audit', () => {
  const LOG = [
    '20240501 12:00:00,db-host,alice,10.0.0.5,17,0,CONNECT,shop,,0',
    "20240501 12:00:01,db-host,alice,10.0.0.5,17,42,QUERY,shop,'SELECT * FROM orders WHERE note = \\'it\\\\\\'s\\'\\nLIMIT 1',0",
    '20240501 12:00:01,db-host,alice,10.0.0.5,17,42,READ,shop,orders,',
    "20240501 12:00:02,db-host,alice,10.0.0.5,17,43,QUERY,shop,'DROP TABLE orders',1142",
    '20240501 12:00:03,db-host,alice,10.0.0.5,17,0,DISCONNECT,shop,,0',
    '20240501 12:00:04,db-host,mallory,203.0.113.66,18,0,FAILED_CONNECT,,,1045',
    '20240501 12:00:05,db-host,bob,10.0.0.6:51514,19,0,CONNECT,,,0',
  ].join('\n');
  const { events, errors } = parse(LOG);

  it('maps connects, queries, table events and disconnects', () => {
    expect(errors).toEqual([]);
    expect(events.map((e) => [e.event?.action, e.event?.outcome])).toEqual([
      ['db.connect', 'success'],
      ['db.query', 'success'],
      ['db.table_access', 'unknown'],
      ['db.query', 'failure'],
      ['db.disconnect', 'success'],
      ['db.connect', 'failure'],
      ['db.connect', 'success'],
    ]);
    const [connect, query, read, drop] = events;
    expect(connect).toMatchObject({
      user: { name: 'alice' },
      source: { ip: '10.0.0.5', address: '10.0.0.5' },
      host: { name: 'db-host' },
      service: { type: 'mysql', name: 'shop' },
      session: { id: '17' },
    });
    expect(query!.message).toBe("SELECT * FROM orders WHERE note = 'it\\'s'\nLIMIT 1");
    expect(query!.labels?.query_id).toBe('42');
    expect(read!.labels?.table).toBe('orders');
    expect(drop!.event).toMatchObject({
      reason: 'error 1142: command denied on table',
      type: ['deletion', 'error'],
    });
  });

  it('maps a failed connection and the 12.0 host:port form', () => {
    const failed = events[5]!;
    expect(failed.event).toMatchObject({
      action: 'db.connect',
      reason: 'error 1045: access denied (wrong user or password)',
    });
    expect(failed.related).toEqual({ user: ['mallory'], ip: ['203.0.113.66'], hosts: ['db-host'] });
    expect(events[6]!.source).toEqual({ ip: '10.0.0.6', address: '10.0.0.6', port: 51514 });
  });

  it('reads the server local time in the configured zone', () => {
    const { events: paris } = parse('20240115 10:00:00,h,u,10.0.0.1,1,0,CONNECT,,,0', {
      ...OPTIONS,
      timezone: 'Europe/Paris',
    });
    expect(paris[0]!['@timestamp']).toBe('2024-01-15T09:00:00.000Z');
  });

  // server_audit_output_type=SYSLOG: syslogd writes its own header (time, host) and the ident
  // (mysql-server_auditing by default) in place of the timestamp field; server_audit_syslog_info,
  // when set, comes before serverhost.
  it('reads the records syslog received from the plugin', () => {
    const { events: evs, errors: errs } = parse(
      [
        'May  1 12:00:00 db-host mysql-server_auditing:  db-host,mallory,203.0.113.66,18,0,FAILED_CONNECT,,,1045',
        "2024-05-01T14:00:01.250+02:00 db-host mysql-server_auditing: prod db-host,alice,10.0.0.5,17,42,QUERY,shop,'DELETE FROM t WHERE a = \\'x,y\\'',0",
      ].join('\n'),
    );
    expect(errs).toEqual([]);
    expect(evs.map((e) => [e['@timestamp'], e.event?.action, e.event?.outcome, e.user?.name])).toEqual([
      ['2024-05-01T12:00:00.000Z', 'db.connect', 'failure', 'mallory'],
      ['2024-05-01T12:00:01.250Z', 'db.query', 'success', 'alice'],
    ]);
    expect(evs[1]).toMatchObject({
      message: "DELETE FROM t WHERE a = 'x,y'",
      host: { name: 'db-host' },
      session: { id: '17' },
      source: { ip: '10.0.0.5' },
    });
  });

  it('rejects malformed lines with their numbers', () => {
    expect(splitMariadbLine("20240501 12:00:00,h,u,x,1,0,QUERY,db,'unterminated,0")).toMatch(/unterminated/);
    const { errors, events: evs } = parse(
      ['20240501 12:00:00,h,u', '20240501 12:00:00,h,u,x,1,0,TELEPORT,db,,0', 'garbage line'].join('\n'),
    );
    expect(evs).toEqual([]);
    expect(errors.map((e) => e.line)).toEqual([1, 2, 3]);
  });
});
