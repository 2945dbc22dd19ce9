import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../core/event.js';
import { validateEvent } from '../core/validate.js';
import type { ParseResult, ParserOptions } from './parser.js';
import { PGAUDIT_ACTIONS, createPgauditParser } from './pgaudit.js';
import { parsePgauditMessage } from './pgaudit-record.js';
import { POSTGRES_ACTIONS, createPostgresParser } from './postgres.js';

const FIXTURES = new URL('../../test/fixtures/pgaudit/', import.meta.url);
const OPTIONS: ParserOptions = { now: Date.UTC(2025, 0, 1) };

interface Expected {
  line: number;
  level: string;
  audit_type: string;
  statement_id: number;
  substatement_id: number;
  class: string;
  command: string;
  object_type: string;
  object_name: string;
  statement: string;
  parameter: string;
  rows?: string;
  raw: string;
}

const out = readFileSync(new URL('pgaudit.out', FIXTURES), 'utf8').split('\n');
const expected = readFileSync(new URL('pgaudit_records.jsonl', FIXTURES), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Expected);

/**
 * The server log pgaudit would have written for the regression run: each record's lines taken
 * from pgaudit.out, the client prefix "NOTICE:  " replaced by a log_line_prefix at LOG level, and
 * continuation lines tab-indented as PostgreSQL's stderr logger does. Non-audit server messages
 * are mixed in to show they are read but not emitted.
 */
function serverLog(): { text: string; startLines: number[] } {
  const lines: string[] = [];
  const startLines: number[] = [];
  const time = (i: number) =>
    `2024-05-01 12:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000 UTC`;
  lines.push(`${time(0)} [4242] LOG:  connection received: host=192.0.2.5 port=40000`);
  lines.push(`${time(0)} [4242] LOG:  connection authorized: user=regress_user1 database=contrib_regression`);
  expected.forEach((rec, i) => {
    const count = rec.raw.split('\n').length;
    const source = out.slice(rec.line - 1, rec.line - 1 + count);
    const first = source[0]!.replace(/^(NOTICE|WARNING): {2}/, '');
    startLines.push(lines.length + 1);
    lines.push(`${time(i)} [4242] LOG:  ${first}`);
    for (const more of source.slice(1)) lines.push(`\t${more}`);
    if (i % 50 === 0) lines.push(`${time(i)} [17] LOG:  checkpoint starting: time`);
  });
  lines.push(
    `${time(999)} [4242] LOG:  disconnection: session time: 0:16:39.000 user=regress_user1 database=contrib_regression host=192.0.2.5 port=40000`,
  );
  return { text: lines.join('\n'), startLines };
}

function run(parser: { push(l: string, n: number): ParseResult[]; end(): ParseResult[] }, text: string) {
  const results: ParseResult[] = [];
  text.split('\n').forEach((l, i) => results.push(...parser.push(l, i + 1)));
  results.push(...parser.end());
  return results;
}

describe('pgaudit: the regression suite as a server log', () => {
  const { text, startLines } = serverLog();
  const results = run(createPgauditParser(OPTIONS), text);
  const events = results.flatMap((r) => ('event' in r ? [r.event] : []));

  it('emits one event per AUDIT record, on the line it starts', () => {
    expect(expected).toHaveLength(415);
    expect(results.filter((r) => 'error' in r)).toEqual([]);
    expect(events).toHaveLength(415);
    expect(results.map((r) => r.line)).toEqual(startLines);
  });

  it('reads every field of every record as the reference CSV parse does', () => {
    events.forEach((e, i) => {
      const want = expected[i]!;
      expect(e.labels, `record at pgaudit.out:${want.line}`).toMatchObject({
        audit_type: want.audit_type,
        statement_id: String(want.statement_id),
        substatement_id: String(want.substatement_id),
        class: want.class,
        command: want.command,
      });
      expect(e.labels?.object_type ?? '').toBe(want.object_type);
      expect(e.labels?.object_name ?? '').toBe(want.object_name);
      expect(e.labels?.parameter ?? '').toBe(want.parameter);
      expect(e.labels?.rows).toBe(want.rows);
      expect(e.message ?? want.statement).toBe(want.statement);
    });
  });

  it('maps classes to actions and keeps the session context', () => {
    const count = (action: string) => events.filter((e) => e.event?.action === action).length;
    const classes = (c: string) => expected.filter((r) => r.class === c).length;
    const grants = expected.filter((r) => r.class === 'ROLE' && /^(GRANT|REVOKE)$/.test(r.command)).length;
    expect(count('db.ddl')).toBe(classes('DDL'));
    expect(count('db.privilege_change')).toBe(grants);
    expect(count('db.role_change')).toBe(classes('ROLE') - grants);
    expect(count('db.query')).toBe(415 - classes('DDL') - classes('ROLE'));
    const actions = new Set(PGAUDIT_ACTIONS.map((a) => a.action));
    for (const e of events) {
      expect(validateEvent(e).ok).toBe(true);
      expect(actions.has(e.event?.action ?? '')).toBe(true);
      expect(e.event).toMatchObject({ dataset: 'pgaudit', outcome: 'unknown' });
      expect(e.user?.name).toBe('regress_user1');
      expect(e.service).toEqual({ type: 'postgresql', name: 'contrib_regression' });
      expect(e.source?.ip).toBe('192.0.2.5');
      expect(e.session?.id).toBe('66322ec0.1092');
    }
  });

  it('keeps multi-line statements and redacted passwords as pgaudit wrote them', () => {
    const multi = events.find((e) => (e.message ?? '').includes('\n'));
    expect(multi?.event?.original).toContain('\n\t');
    const redacted = events.find((e) => (e.message ?? '').includes('<REDACTED>'));
    expect(redacted?.event).toMatchObject({ action: 'db.role_change', category: ['database', 'iam'] });
  });

  it('is also emitted, with the server events, by the postgres parser', () => {
    const all = run(createPostgresParser(OPTIONS), text).flatMap((r) => ('event' in r ? [r.event] : []));
    const datasets = (d: string) => all.filter((e: AuditEvent) => e.event?.dataset === d).length;
    expect(datasets('pgaudit')).toBe(415);
    expect(datasets('postgresql')).toBe(3); // connection received, authorized, disconnection
    const listed = new Set(POSTGRES_ACTIONS.map((a) => a.action));
    for (const e of all) expect(listed.has(e.event?.action ?? '')).toBe(true);
  });
});

describe('pgaudit record syntax', () => {
  it('rejects malformed AUDIT payloads and ignores other messages', () => {
    expect(parsePgauditMessage('statement: SELECT 1')).toBeUndefined();
    expect(parsePgauditMessage('AUDIT: SESSION,1,1,READ')).toMatch(/4 fields/);
    expect(parsePgauditMessage('AUDIT: BOGUS,1,1,READ,SELECT,,,SELECT 1,<none>')).toMatch(/audit type/);
    expect(parsePgauditMessage('AUDIT: SESSION,x,1,READ,SELECT,,,SELECT 1,<none>')).toMatch(/numbers/);
    const parser = createPgauditParser(OPTIONS);
    const r = [
      ...parser.push('2024-05-01 12:00:00 UTC [1] LOG:  AUDIT: SESSION,1,1,NOPE,X,,,Y,Z', 7),
      ...parser.end(),
    ];
    expect(r).toEqual([{ line: 7, error: 'unknown pgaudit class NOPE' }]);
  });
});
