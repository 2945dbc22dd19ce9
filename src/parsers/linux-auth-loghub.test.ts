// Real data: loghub's OpenSSH_2k and Linux_2k logs. Expected values come from the human-labelled
// templates (EventId/EventTemplate of *_structured.csv): each template's <*> slots are read from
// the labelled Content, and a table below says, per template, which slot is the user, the client
// address or the port and which action/outcome the line stands for.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../core/event.js';
import { validateEvent } from '../core/validate.js';
import { createLinuxAuthParser, LINUX_AUTH_ACTIONS } from './linux-auth.js';
import type { ParseResult } from './parser.js';

const FIXTURES = new URL('../../test/fixtures/', import.meta.url);
const NOW = Date.UTC(2025, 5, 1); // logs are from Jun-Jul and Dec: years 2025 and 2024

function readLines(path: string): string[] {
  const lines = readFileSync(new URL(path, FIXTURES), 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** RFC 4180 CSV (quoted fields, "" escapes, CRLF). */
function readCsv(path: string): Array<Record<string, string>> {
  const text = readFileSync(new URL(path, FIXTURES), 'utf8');
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field.replace(/\r$/, ''));
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      endField();
    } else if (!quoted && c === '\n') {
      endField();
      rows.push(row);
      row = [];
    } else {
      field += c;
    }
  }
  if (field || row.length > 0) {
    endField();
    rows.push(row);
  }
  const [header, ...data] = rows;
  return data.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ''])));
}

/** The <*> values of `content` under `template`, or undefined if it does not fit. */
function slots(template: string, content: string): string[] | undefined {
  const pattern = template
    .split('<*>')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('(.*?)');
  // Some templates have one space where the text has two (`rhost=<*> user=<*>`): trim the slot end.
  return new RegExp(`^${pattern}$`)
    .exec(content)
    ?.slice(1)
    .map((v) => v.trimEnd());
}

/** Per template: the action/outcome it means and which slot (index) or literal holds each value. */
interface Expectation {
  action: string;
  outcome: string;
  user?: number | string;
  address?: number;
  port?: number;
  host?: number;
}

const OPENSSH: Record<string, Expectation> = {
  E1: { action: 'ssh.login', outcome: 'success', user: 0, address: 1, port: 2 },
  E2: { action: 'ssh.disconnect', outcome: 'unknown', address: 0 },
  E3: { action: 'ssh.disconnect', outcome: 'failure', address: 0 },
  E4: { action: 'ssh.disconnect', outcome: 'failure', user: 'admin' },
  E5: { action: 'ssh.disconnect', outcome: 'failure', user: 'root' },
  E6: { action: 'ssh.disconnect', outcome: 'failure', address: 0 },
  E7: { action: 'ssh.disconnect', outcome: 'failure', address: 0 },
  E8: { action: 'ssh.login', outcome: 'failure', user: 0, address: 1, port: 2 },
  E9: { action: 'ssh.login', outcome: 'failure', user: 0, address: 1, port: 2 },
  E10: { action: 'ssh.login', outcome: 'failure', user: 0, address: 1, port: 2 },
  E11: { action: 'ssh.disconnect', outcome: 'failure' },
  E12: { action: 'ssh.invalid_user', outcome: 'failure', user: 0 },
  E13: { action: 'ssh.invalid_user', outcome: 'failure', user: 0, address: 1 },
  E14: { action: 'ssh.login', outcome: 'failure', user: 'root', address: 1, port: 2 },
  E15: { action: 'auth.failure', outcome: 'failure', address: 3 },
  E16: { action: 'auth.failure', outcome: 'failure', address: 3 },
  E17: { action: 'auth.failure', outcome: 'failure', address: 3, user: 'root' },
  E18: { action: 'system.message', outcome: 'unknown' },
  E19: { action: 'auth.failure', outcome: 'failure', address: 2 },
  E20: { action: 'auth.failure', outcome: 'failure', address: 2, user: 3 },
  E21: { action: 'auth.failure', outcome: 'failure' },
  E22: { action: 'session.end', outcome: 'success', user: 0 },
  E23: { action: 'session.start', outcome: 'success', user: 0 },
  E24: { action: 'ssh.disconnect', outcome: 'unknown', address: 0 },
  E25: { action: 'ssh.disconnect', outcome: 'unknown', address: 0 },
  E26: { action: 'ssh.logout', outcome: 'success', address: 0 },
  E27: { action: 'ssh.reverse_dns_mismatch', outcome: 'failure', address: 1, host: 0 },
};

const OTHER = { action: 'system.message', outcome: 'unknown' };
const LINUX: Record<string, Expectation> = {
  E9: { action: 'ftp.login', outcome: 'success', user: 'anonymous', address: 0 },
  E13: { action: 'auth.failure', outcome: 'failure', address: 0, host: 1 },
  E14: { action: 'auth.failure', outcome: 'failure', address: 0, host: 1 },
  E15: { action: 'auth.failure', outcome: 'failure' },
  E16: { action: 'auth.failure', outcome: 'failure', address: 0 },
  E17: { action: 'auth.failure', outcome: 'failure', address: 0, user: 'guest' },
  E18: { action: 'auth.failure', outcome: 'failure', address: 0, user: 'root' },
  E19: { action: 'auth.failure', outcome: 'failure', address: 0, user: 'test' },
  E27: { action: 'auth.failure', outcome: 'failure' },
  E29: { action: 'ftp.connect', outcome: 'success', address: 0, host: 1 },
  E31: { action: 'auth.failure', outcome: 'failure' },
  E61: { action: 'auth.failure', outcome: 'failure' },
  E91: { action: 'console.login', outcome: 'success', user: 'root' },
  E101: { action: 'session.end', outcome: 'success', user: 0 },
  E102: { action: 'session.start', outcome: 'success', user: 0 },
  E103: { action: 'session.start', outcome: 'success', user: 0 },
  E112: { action: 'ftp.disconnect', outcome: 'failure' },
};

const ACTIONS = new Map(LINUX_AUTH_ACTIONS.map((a) => [a.action, a]));

function parseAll(lines: string[]): ParseResult[] {
  const parser = createLinuxAuthParser({ now: NOW });
  const results = lines.flatMap((line, i) => parser.push(line, i + 1));
  return [...results, ...parser.end()];
}

function eventOf(results: ParseResult[], lineNumber: number): AuditEvent {
  const result = results[lineNumber - 1];
  expect(result?.line).toBe(lineNumber);
  if (!result || 'error' in result) throw new Error(`line ${lineNumber} rejected: ${JSON.stringify(result)}`);
  return result.event;
}

/** Checks the labelled facts of one line; returns the number of field values compared. */
function checkLabelled(event: AuditEvent, expected: Expectation, values: string[]): number {
  const pick = (slot: number | string | undefined) => (typeof slot === 'number' ? values[slot] : slot);
  let compared = 2;
  expect(event.event?.action).toBe(expected.action);
  expect(event.event?.outcome).toBe(expected.outcome);
  const user = pick(expected.user);
  if (user !== undefined) {
    expect(event.user?.name).toBe(user);
    expect(event.related?.user).toContain(user);
    compared++;
  }
  const address = pick(expected.address);
  if (address !== undefined) {
    if (isIP(address)) {
      expect(event.source?.ip).toBe(address);
      expect(event.related?.ip).toContain(address);
    } else {
      expect(event.source?.ip).toBeUndefined();
      expect(event.source?.address).toBe(address);
      expect(event.related?.hosts).toContain(address);
    }
    compared++;
  } else {
    expect(event.source).toBeUndefined();
  }
  const port = pick(expected.port);
  if (port !== undefined) {
    // E14's template ends at the port although the lines go on with " ssh2".
    expect(event.source?.port).toBe(Number.parseInt(port, 10));
    compared++;
  }
  const host = pick(expected.host);
  if (host) {
    expect(isIP(host) ? event.related?.ip : event.related?.hosts).toContain(host);
    compared++;
  }
  return compared;
}

function checkCommon(event: AuditEvent, line: string): void {
  const valid = validateEvent(event);
  expect(valid.ok ? true : valid).toBe(true);
  expect(event.event?.dataset).toBe('linux.auth');
  expect(event.event?.original).toBe(line.replace(/\r$/, ''));
  const info = ACTIONS.get(event.event?.action ?? '');
  expect(info, `action ${event.event?.action} documented`).toBeDefined();
  expect(event.event?.category).toBe(info?.category);
  expect(event.event?.type).toBe(info?.type);
}

describe('loghub OpenSSH_2k', () => {
  const lines = readLines('loghub_openssh/OpenSSH_2k.log');
  const rows = readCsv('loghub_openssh/OpenSSH_2k.log_structured.csv');
  const results = parseAll(lines);

  it('yields exactly one event per line, each valid, with the labelled header', () => {
    expect(lines).toHaveLength(2000);
    expect(rows).toHaveLength(2000);
    expect(results).toHaveLength(2000);
    for (const row of rows) {
      const n = Number(row.LineId);
      const event = eventOf(results, n);
      checkCommon(event, lines[n - 1] ?? '');
      expect(event.host?.name).toBe(row.Component);
      expect(event.process).toMatchObject({ name: 'sshd', pid: Number(row.Pid) });
      expect(event.message?.trimEnd()).toBe(row.Content);
      const [month, day, time] = [row.Date, row.Day, row.Time];
      const at = new Date(event['@timestamp']);
      expect(at.toUTCString()).toContain(
        `${String(day).padStart(2, '0')} ${month} ${at.getUTCFullYear()} ${time}`,
      );
    }
  });

  it('gets action, outcome, user, address and port of every labelled line right', () => {
    let compared = 0;
    const seen = new Set<string>();
    for (const row of rows) {
      const expected = OPENSSH[row.EventId ?? ''];
      expect(expected, `expectation for ${row.EventId}`).toBeDefined();
      const values = slots(row.EventTemplate ?? '', row.Content ?? '');
      expect(values, `line ${row.LineId} fits its template`).toBeDefined();
      const event = eventOf(results, Number(row.LineId));
      compared += checkLabelled(event, expected as Expectation, values ?? []);
      seen.add(row.EventId ?? '');
    }
    expect(seen.size).toBe(Object.keys(OPENSSH).length);
    console.log(`OpenSSH_2k: 2000 lines, ${seen.size} templates, ${compared} labelled values compared`);
  });

  it('groups the events of one connection by sshd pid in session.id', () => {
    const accepted = results.find(
      (r) => 'event' in r && r.event.event?.action === 'ssh.login' && r.event.event.outcome === 'success',
    );
    const event = accepted && 'event' in accepted ? accepted.event : undefined;
    expect(event?.session?.id).toBe(`LabSZ/sshd/${event?.process?.pid}`);
    const sameConnection = results.filter((r) => 'event' in r && r.event.session?.id === event?.session?.id);
    const actions = sameConnection.map((r) => ('event' in r ? r.event.event?.action : ''));
    expect(actions).toEqual(expect.arrayContaining(['ssh.login', 'session.start', 'session.end']));
  });
});

describe('loghub Linux_2k', () => {
  const lines = readLines('loghub_linux/Linux_2k.log');
  const rows = readCsv('loghub_linux/Linux_2k.log_structured.csv');
  const results = parseAll(lines);

  it('parses or rejects with a reason every line, matching the labelled header', () => {
    expect(rows).toHaveLength(2000);
    expect(results).toHaveLength(2000);
    for (const result of results) {
      if ('error' in result) expect(result.error.length).toBeGreaterThan(10);
    }
    for (const row of rows) {
      const n = Number(row.LineId);
      const event = eventOf(results, n);
      checkCommon(event, lines[n - 1] ?? '');
      expect(event.host?.name).toBe(row.Level);
      const component = (row.Component ?? '').replace(/:$/, '').replace(/\(pam_\w+\)$/, '');
      expect(event.process?.name).toBe(component);
      if (row.PID) expect(event.process?.pid).toBe(Number(row.PID));
      // loghub's Content drops the extra spaces some kernel lines have after the tag.
      expect(event.message?.trim()).toBe(row.Content);
    }
  });

  it('gets the authentication-related lines right and leaves the rest as system.message', () => {
    let compared = 0;
    let authLines = 0;
    for (const row of rows) {
      const expected = LINUX[row.EventId ?? ''] ?? OTHER;
      const values = slots(row.EventTemplate ?? '', row.Content ?? '');
      const event = eventOf(results, Number(row.LineId));
      if (expected !== OTHER) {
        expect(values, `line ${row.LineId} fits its template`).toBeDefined();
        authLines++;
      }
      compared += checkLabelled(event, expected, values ?? []);
    }
    expect(authLines).toBeGreaterThan(1700);
    console.log(`Linux_2k: 2000 lines, ${authLines} access-related, ${compared} labelled values compared`);
  });
});
