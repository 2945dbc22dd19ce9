// No PostgreSQL server log fixture exists in the shared corpus: these logs are written by hand in
// the documented formats (log_line_prefix escapes, csvlog and jsonlog columns) with the message
// texts of the PostgreSQL sources (postmaster.c, auth.c, postgres.c, guc.c).

import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../core/event.js';
import { validateEvent } from '../core/validate.js';
import type { ParseResult, ParserOptions } from './parser.js';
import { POSTGRES_ACTIONS, createPostgresParser } from './postgres.js';
import { parseCsvRecord, parsePgTime, parsePrefix } from './postgres-log.js';

const OPTIONS: ParserOptions = { now: Date.UTC(2025, 0, 1), hostname: 'db-1' };

function parse(text: string, options: ParserOptions = OPTIONS) {
  const parser = createPostgresParser(options);
  const results: ParseResult[] = [];
  text.split('\n').forEach((l, i) => results.push(...parser.push(l, i + 1)));
  results.push(...parser.end());
  const events = results.flatMap((r) => ('event' in r ? [r.event] : []));
  for (const e of events) {
    const checked = validateEvent(e);
    expect(checked.ok, JSON.stringify(checked)).toBe(true);
    expect(POSTGRES_ACTIONS.map((a) => a.action)).toContain(e.event?.action);
    expect(e.event?.dataset).toBe('postgresql');
  }
  return { results, events, errors: results.flatMap((r) => ('error' in r ? [r] : [])) };
}

const byAction = (events: AuditEvent[], action: string) => events.filter((e) => e.event?.action === action);

// log_line_prefix = '%m [%p] '
const PLAIN = `2024-05-01 12:00:00.100 UTC [4001] LOG:  connection received: host=203.0.113.7 port=50512
2024-05-01 12:00:00.140 UTC [4001] LOG:  connection authorized: user=alice database=sales application_name=psql SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)
2024-05-01 12:00:01.000 UTC [4001] LOG:  statement: SELECT *
\t  FROM customers
\t WHERE id = 1;
2024-05-01 12:00:02.000 UTC [4001] ERROR:  permission denied for table salaries
2024-05-01 12:00:02.000 UTC [4001] STATEMENT:  SELECT * FROM salaries;
2024-05-01 12:00:03.500 UTC [4001] LOG:  disconnection: session time: 0:00:03.400 user=alice database=sales host=203.0.113.7 port=50512
2024-05-01 12:00:04.000 UTC [4002] LOG:  connection received: host=198.51.100.23 port=40000
2024-05-01 12:00:04.010 UTC [4002] FATAL:  password authentication failed for user "postgres"
2024-05-01 12:00:04.010 UTC [4002] DETAIL:  Connection matched pg_hba.conf line 99: "host all all 0.0.0.0/0 scram-sha-256"
2024-05-01 12:00:05.000 UTC [4003] LOG:  connection received: host=198.51.100.24 port=40001
2024-05-01 12:00:05.001 UTC [4003] FATAL:  no pg_hba.conf entry for host "198.51.100.24", user "admin", database "postgres", no encryption
2024-05-01 12:00:06.000 UTC [1] LOG:  checkpoint starting: time
2024-05-01 12:00:07.000 UTC [1] LOG:  received SIGHUP, reloading configuration files
2024-05-01 12:00:07.001 UTC [1] LOG:  parameter "log_statement" changed to "none"`;

describe("postgres stderr, log_line_prefix '%m [%p] '", () => {
  const { events, errors, results } = parse(PLAIN);

  it('emits the audit-relevant messages and skips server chatter', () => {
    expect(errors).toEqual([]);
    expect(events.map((e) => e.event?.action)).toEqual([
      'db.connection_received',
      'db.connect',
      'db.query',
      'db.query',
      'db.disconnect',
      'db.connection_received',
      'db.connect',
      'db.connection_received',
      'db.connect',
      'db.config_reload',
      'db.config_change',
    ]);
    expect(results.map((r) => r.line)).toEqual([1, 2, 3, 6, 8, 9, 10, 12, 13, 15, 16]);
  });

  it('follows the backend: user, database, client and a %c-style session id on every line', () => {
    const session = events.filter((e) => e.process?.pid === 4001);
    expect(session).toHaveLength(5);
    for (const e of session) {
      expect(e.session?.id).toBe('66322ec0.fa1'); // 1714564800 = 0x66322ec0, pid 4001 = 0xfa1
      expect(e.source).toEqual({ ip: '203.0.113.7', address: '203.0.113.7', port: 50512 });
    }
    for (const e of session.slice(1)) {
      expect(e.user?.name).toBe('alice');
      expect(e.service).toEqual({ type: 'postgresql', name: 'sales' });
    }
    expect(session[1]!.event).toMatchObject({
      outcome: 'success',
      category: ['authentication', 'session'],
      type: ['start'],
    });
    expect(session[4]!.labels?.session_time).toBe('0:00:03.400');
  });

  it('joins tab-continued lines and attaches STATEMENT to its ERROR', () => {
    const [ok, failed] = byAction(events, 'db.query');
    expect(ok!.message).toBe('SELECT *\n  FROM customers\n WHERE id = 1;');
    expect(ok!.event?.original?.split('\n')).toHaveLength(3);
    expect(ok!.event).toMatchObject({ outcome: 'success', type: ['access'], category: ['database'] });
    expect(failed!.message).toBe('SELECT * FROM salaries;');
    expect(failed!.event).toMatchObject({
      outcome: 'failure',
      reason: 'permission denied for table salaries',
    });
    expect(failed!.event?.original).toContain('STATEMENT:  SELECT * FROM salaries;');
  });

  it('maps authentication failures with the refused user', () => {
    const [password, hba] = byAction(events, 'db.connect').filter((e) => e.event?.outcome === 'failure');
    expect(password!.user?.name).toBe('postgres');
    expect(password!.event?.reason).toBe('password authentication failed for user "postgres"');
    expect(password!.source?.ip).toBe('198.51.100.23');
    expect(password!.event?.original).toContain('DETAIL:  Connection matched pg_hba.conf line 99');
    expect(hba!.user?.name).toBe('admin');
    expect(hba!.service?.name).toBe('postgres');
    expect(hba!.source).toEqual({ ip: '198.51.100.24', address: '198.51.100.24' });
    expect(hba!.related).toEqual({ user: ['admin'], ip: ['198.51.100.24'], hosts: ['db-1'] });
  });

  it('maps configuration changes', () => {
    const change = byAction(events, 'db.config_change')[0]!;
    expect(change.labels).toMatchObject({ parameter: 'log_statement', value: 'none' });
    expect(change.host?.name).toBe('db-1');
  });
});

describe('postgres stderr, other common prefixes', () => {
  it("reads '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h '", () => {
    const { events, errors } =
      parse(`2024-05-01 12:00:00 UTC [5001]: [1-1] user=[unknown],db=[unknown],app=[unknown],client=192.0.2.10 LOG:  connection received: host=192.0.2.10 port=5555
2024-05-01 12:00:00 UTC [5001]: [2-1] user=bob,db=inventory,app=[unknown],client=192.0.2.10 LOG:  connection authorized: user=bob database=inventory
2024-05-01 12:00:01 UTC [5001]: [3-1] user=bob,db=inventory,app=pgAdmin,client=192.0.2.10 LOG:  duration: 0.512 ms  statement: DELETE FROM items WHERE id = 7
2024-05-01 12:00:02 UTC [5001]: [4-1] user=bob,db=inventory,app=pgAdmin,client=192.0.2.10 LOG:  execute <unnamed>: UPDATE items SET qty = $1
2024-05-01 12:00:02 UTC [5001]: [5-1] user=bob,db=inventory,app=pgAdmin,client=192.0.2.10 DETAIL:  parameters: $1 = '3'
2024-05-01 12:00:02 UTC [5001]: [6-1] user=bob,db=inventory,app=pgAdmin,client=192.0.2.10 LOG:  duration: 0.100 ms`);
    expect(errors).toEqual([]);
    expect(events.map((e) => e.event?.action)).toEqual([
      'db.connection_received',
      'db.connect',
      'db.query',
      'db.query',
    ]);
    const [, , del, upd] = events;
    expect(del!.message).toBe('DELETE FROM items WHERE id = 7');
    expect(del!.labels).toMatchObject({ duration_ms: '0.512', application: 'pgAdmin' });
    expect(del!.event?.type).toEqual(['change']);
    expect(upd!.user?.name).toBe('bob');
    expect(upd!.session?.id).toBe('66322ec0.1389');
    expect(upd!['@timestamp']).toBe('2024-05-01T12:00:02.000Z');
  });

  it("reads Debian's '%m [%p] %q%u@%d ' with a zone abbreviation and a local socket", () => {
    const { events } =
      parse(`2024-05-01 14:00:00.000 CEST [6001] carol@hr LOG:  statement: GRANT SELECT ON payroll TO dave;
2024-05-01 14:00:01.000 CEST [6002] [unknown]@[unknown] LOG:  connection received: host=[local]
2024-05-01 14:00:01.005 CEST [6002] postgres@postgres LOG:  connection authorized: user=postgres database=postgres application_name=psql`);
    const [grant, local, auth] = events;
    expect(grant!['@timestamp']).toBe('2024-05-01T12:00:00.000Z');
    expect(grant!.user?.name).toBe('carol');
    expect(grant!.service?.name).toBe('hr');
    expect(grant!.event).toMatchObject({ category: ['database', 'iam'], type: ['change'] });
    expect(local!.source).toBeUndefined();
    expect(local!.labels?.local).toBe('true');
    expect(auth!.user?.name).toBe('postgres');
  });

  it("reads Amazon RDS' '%t:%r:%u@%d:[%p]:'", () => {
    const { events } = parse(
      '2024-05-01 12:00:00 UTC:10.1.2.3(51000):app_user@orders:[7001]:LOG:  statement: SELECT 1',
    );
    expect(events[0]).toMatchObject({
      user: { name: 'app_user' },
      service: { name: 'orders' },
      source: { ip: '10.1.2.3', port: 51000 },
      process: { pid: 7001 },
    });
  });

  // '%m [%p] %r %u %d': client, user and database as bare words, no '@' or '=' between them; a
  // local-socket client is '[local]' without a port. No 'connection received' precedes these lines.
  it("reads '%m [%p] %r %u %d' without the connection's first lines", () => {
    const { events } =
      parse(`2024-05-01 12:00:00.000 UTC [7101] 10.1.2.3(51234) carol appdb LOG:  statement: DELETE FROM invoices
2024-05-01 12:00:01.000 UTC [7102] [local] dave appdb LOG:  statement: SELECT 1
2024-05-01 12:00:02.000 UTC [7103] 10.1.2.4(40000) [unknown] [unknown] LOG:  connection received: host=10.1.2.4 port=40000`);
    expect(events.map((e) => [e.user?.name, e.service?.name, e.source?.ip, e.source?.port])).toEqual([
      ['carol', 'appdb', '10.1.2.3', 51234],
      ['dave', 'appdb', undefined, undefined],
      [undefined, undefined, '10.1.2.4', 40000],
    ]);
    expect(events[1]!.labels?.local).toBe('true');
  });

  // log_disconnections names the session it ends ("user=%s database=%s host=%s port=%s"), and
  // log_connections' application_name may hold spaces before the SSL details (postinit.c).
  it('takes the session from the disconnection message and keeps spaces in application_name', () => {
    const { events } =
      parse(`2024-05-01 12:00:03.500 UTC [4101] LOG:  disconnection: session time: 0:12:03.400 user=alice database=sales host=203.0.113.7 port=50512
2024-05-01 12:00:04.000 UTC [4102] LOG:  connection authorized: user=bob database=crm application_name=pgAdmin 4 - DB:crm SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)`);
    expect(events[0]).toMatchObject({
      event: { action: 'db.disconnect' },
      user: { name: 'alice' },
      service: { name: 'sales' },
      source: { ip: '203.0.113.7', port: 50512 },
      labels: { session_time: '0:12:03.400' },
    });
    expect(events[1]!.labels?.application).toBe('pgAdmin 4 - DB:crm');
  });

  it('uses the configured zone for zone-less or ambiguous timestamps', () => {
    expect(parsePgTime('2024-01-15 10:00:00', { now: 0, timezone: 'Europe/Paris' })).toBe(
      Date.UTC(2024, 0, 15, 9),
    );
    expect(parsePgTime('2024-07-15 10:00:00 CST', { now: 0, timezone: 'Asia/Shanghai' })).toBe(
      Date.UTC(2024, 6, 15, 2),
    );
    expect(parsePgTime('2024-07-15 10:00:00 CST', { now: 0 })).toBe(Date.UTC(2024, 6, 15, 16));
    expect(parsePgTime('2024-07-15 10:00:00+05:30', { now: 0 })).toBe(Date.UTC(2024, 6, 15, 4, 30));
    expect(parsePgTime('2024-07-15 10:00:00 XYZ', { now: 0 })).toMatch(/unknown time zone/);
  });

  it('reads prefixes field by field', () => {
    expect(parsePrefix('2024-05-01 12:00:00 UTC [42-7] 66322ec0.2a bob@db ')).toEqual({
      pid: 42,
      sessionId: '66322ec0.2a',
      user: 'bob',
      database: 'db',
    });
  });
});

describe('postgres csvlog and jsonlog', () => {
  const csv = (fields: string[]) => fields.join(',');
  it('reads csvlog records, including quoted newlines and doubled quotes', () => {
    const rows = [
      csv([
        '2024-05-01 12:00:00.123 UTC',
        '"erin"',
        '"crm"',
        '8001',
        '"203.0.113.50:60000"',
        '66322ec0.1f41',
        '3',
        '"SELECT"',
        '2024-05-01 11:59:59 UTC',
        '3/12',
        '0',
        'LOG',
        '00000',
        '"statement: SELECT name\nFROM ""customers"""',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '"psql"',
        '"client backend"',
        '',
        '0',
      ]),
      csv([
        '2024-05-01 12:00:01.000 UTC',
        '"frank"',
        '"crm"',
        '8002',
        '"203.0.113.51:60001"',
        '66322ec1.1f42',
        '2',
        '"authentication"',
        '2024-05-01 12:00:01 UTC',
        '4/1',
        '0',
        'FATAL',
        '28P01',
        '"password authentication failed for user ""frank"""',
        '"Connection matched pg_hba.conf line 95: ""host all all 0.0.0.0/0 md5"""',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '""',
        '"client backend"',
        '',
        '0',
      ]),
    ];
    const { events, errors, results } = parse(rows.join('\n'));
    expect(errors).toEqual([]);
    expect(results.map((r) => r.line)).toEqual([1, 3]);
    expect(events[0]).toMatchObject({
      message: 'SELECT name\nFROM "customers"',
      user: { name: 'erin' },
      service: { name: 'crm' },
      session: { id: '66322ec0.1f41' },
      source: { ip: '203.0.113.50', port: 60000 },
    });
    expect(events[1]!.event).toMatchObject({ action: 'db.connect', outcome: 'failure' });
    expect(events[1]!.labels?.sqlstate).toBe('28P01');
  });

  it('reads jsonlog records', () => {
    const line = JSON.stringify({
      timestamp: '2024-05-01 12:00:00.123 UTC',
      user: 'gina',
      dbname: 'crm',
      pid: 9001,
      remote_host: '203.0.113.60',
      remote_port: 61000,
      session_id: '66322ec0.2329',
      error_severity: 'LOG',
      message: 'statement: DROP TABLE audit_trail;',
      application_name: 'psql',
      backend_type: 'client backend',
    });
    const { events } = parse(line);
    expect(events[0]).toMatchObject({
      event: { action: 'db.query', type: ['deletion'] },
      user: { name: 'gina' },
      source: { port: 61000 },
    });
  });

  it('splits CSV the RFC 4180 way', () => {
    expect(parseCsvRecord('a,"b,c","d""e",,"f\ng"')).toEqual(['a', 'b,c', 'd"e', '', 'f\ng']);
    expect(parseCsvRecord('')).toEqual(['']);
  });
});

describe('postgres malformed input', () => {
  it('rejects lines it cannot place, with line numbers, and never throws', () => {
    const { errors, events } = parse(
      [
        'hello world',
        '\tcontinuation first',
        '2024-05-01 12:00:00 UTC [1] DETAIL:  orphan detail',
        '2024-13-45 99:00:00 UTC [1] LOG:  statement: SELECT 1',
        '2024-05-01 12:00:00 UTC [1] no severity here',
        '{"not":"jsonlog"}',
        '2024-05-01 12:00:00 UTC,"unterminated',
      ].join('\n'),
    );
    expect(events).toEqual([]);
    expect(errors.map((e) => e.line)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('stays linear on a hostile prefix', () => {
    const start = performance.now();
    const { errors } = parse(`2024-05-01 12:00:00 UTC ${':'.repeat(200_000)}(1) LOG:  statement: SELECT 1`);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(errors[0]!.error).toMatch(/longer than 1024/);
  });

  it('ends a session on FATAL after authorization as a failed disconnect', () => {
    const { events } = parse(`2024-05-01 12:00:00 UTC [10] LOG:  connection received: host=192.0.2.1 port=1
2024-05-01 12:00:00 UTC [10] LOG:  connection authorized: user=ann database=x
2024-05-01 12:00:09 UTC [10] FATAL:  terminating connection due to administrator command`);
    expect(events[2]!.event).toMatchObject({ action: 'db.disconnect', outcome: 'failure' });
    expect(events[2]!.user?.name).toBe('ann');
  });
});
