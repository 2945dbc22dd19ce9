import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../core/event.js';
import { validateEvent } from '../core/validate.js';
import { AUDITD_ACTIONS, auditOutcome, createAuditdParser } from './auditd.js';
import { parseAuditRecord } from './auditd-record.js';
import { createReassembler } from './auditd-reassembler.js';
import { ARCH_NAMES, errnoName, syscallName } from './auditd-tables.js';
import type { ParseResult, ParserOptions } from './parser.js';

const FIXTURES = new URL('../../test/fixtures/', import.meta.url);
const OPTIONS: ParserOptions = { now: Date.UTC(2025, 0, 1), hostname: 'web-1' };

function fixture(path: string): string {
  return readFileSync(new URL(path, FIXTURES), 'utf8');
}

function lines(text: string): string[] {
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  return all;
}

function parseAll(text: string, options: ParserOptions = OPTIONS, maxInFlight?: number) {
  const parser = createAuditdParser(options, { maxInFlight });
  const results: ParseResult[] = [];
  lines(text).forEach((l, i) => results.push(...parser.push(l, i + 1)));
  results.push(...parser.end());
  const events = results.flatMap((r) => ('event' in r ? [r.event] : []));
  const errors = results.flatMap((r) => ('error' in r ? [r] : []));
  return { parser, results, events, errors };
}

const ACTION_PATTERNS = AUDITD_ACTIONS.map(
  (a) => new RegExp(`^${a.action.replace(/\./g, '\\.').replace(/<[^>]+>/g, '[a-z0-9_]+')}$`),
);

function expectWellFormed(events: AuditEvent[]): void {
  for (const e of events) {
    const checked = validateEvent(e);
    expect(checked.ok, JSON.stringify(checked)).toBe(true);
    expect(e.event?.dataset).toBe('auditd');
    expect(
      ACTION_PATTERNS.some((p) => p.test(e.event?.action ?? '')),
      `${e.event?.action} is in AUDITD_ACTIONS`,
    ).toBe(true);
  }
}

function byId(events: AuditEvent[], serial: number): AuditEvent {
  const found = events.find((e) => e.event?.id?.endsWith(`:${serial}`));
  if (!found) throw new Error(`no event with serial ${serial}`);
  return found;
}

// go-libaudit interprets these keys; they are compared through our tables or skipped.
const SKIPPED_GOLDEN_KEYS = /^(subj_|obj_)|^(sig|result|arch|syscall|exit)$/; // sig: no signal table here
const RAW_ONLY_KEYS = new Set(['subj', 'obj', 'res', 'success', 'key', 'saddr']);

interface Golden {
  '@timestamp': string;
  record_type: string;
  sequence: number;
  data: Record<string, string>;
}

describe('auditd records against go-libaudit auparse goldens', () => {
  const files = readdirSync(new URL('auditd/auparse/', FIXTURES)).filter((f) => f.endsWith('.log'));
  let compared = 0;

  it.each(files)('%s: every line decodes to the golden fields', (file) => {
    const input = lines(fixture(`auditd/auparse/${file}`));
    const golden = JSON.parse(fixture(`auditd/auparse/${file}.golden`)) as Array<Golden | null>;
    expect(input.length).toBe(golden.length);
    input.forEach((line, i) => {
      const want = golden[i];
      const got = parseAuditRecord(line);
      if (want === undefined) throw new Error(`${file}:${i + 1}: no golden entry`);
      if (want === null) {
        expect(typeof got, `line ${i + 1} should be rejected`).toBe('string');
        return;
      }
      if (typeof got === 'string') throw new Error(`${file}:${i + 1}: ${got}`);
      expect(got.time).toBe(Date.parse(want['@timestamp']));
      expect(got.serial).toBe(want.sequence);
      expect(got.type.toLowerCase()).toBe(want.record_type);
      for (const [key, value] of Object.entries(want.data)) {
        if (SKIPPED_GOLDEN_KEYS.test(key)) continue;
        const mine = got.fields[key];
        if (value === 'unset') expect(mine, key).toBe('4294967295');
        else expect(mine, `${file}:${i + 1} ${key}`).toBe(value);
      }
      for (const key of Object.keys(got.fields)) {
        if (RAW_ONLY_KEYS.has(key)) continue;
        expect(want.data, `${file}:${i + 1} has no golden ${key}`).toHaveProperty([key]);
      }
      const arch = got.fields.arch ? ARCH_NAMES[got.fields.arch] : undefined;
      if (want.data.arch) expect(arch).toBe(want.data.arch);
      if (want.data.syscall) expect(syscallName(arch, got.fields.syscall)).toBe(want.data.syscall);
      if (want.data.exit) expect(errnoName(got.fields.exit) ?? got.fields.exit).toBe(want.data.exit);
      if (want.data.result) {
        expect(auditOutcome(got.fields)).toBe(want.data.result === 'fail' ? 'failure' : 'success');
      }
      compared++;
    });
  });

  it('covered the golden records', () => {
    expect(compared).toBe(83); // 84 golden entries, one of which is the unparseable UNKNOWN[1329] line
  });
});

describe('auditd reassembly (go-libaudit reassembler testdata)', () => {
  const expected = JSON.parse(fixture('auditd/reassembler/expected.json')) as Record<
    string,
    { dropped: number; events: Array<{ seq: number; count: number }> } | string
  >;
  const cases = Object.entries(expected).filter(([name]) => name.endsWith('.log'));

  it.each(cases)('%s', (name, want) => {
    if (typeof want === 'string') throw new Error('bad expectation');
    const { parser, events, errors } = parseAll(fixture(`auditd/reassembler/${name}`), OPTIONS, 5);
    expect(errors).toEqual([]);
    const got = events.map((e) => ({
      seq: Number(e.event?.id?.split(':')[1]),
      count: (e.event?.original ?? '').split('\n').length,
    }));
    expect(got).toEqual(want.events);
    expect(parser.lost).toBe(want.dropped);
    expectWellFormed(events);
  });

  it('keeps interleaved SYSCALL/PROCTITLE pairs together and emits them in serial order', () => {
    const { events, errors } = parseAll(fixture('auditd/auparse/test3.log'));
    expect(errors).toEqual([]);
    const pairs = events.filter((e) => e.event?.id?.startsWith('1451781471.394:'));
    expect(pairs.map((e) => e.event?.id?.split(':')[1])).toEqual([
      '194433',
      '194435',
      '194436',
      '194437',
      '194438',
      '194439',
      '194440',
    ]);
    for (const e of pairs)
      expect(e.event?.original?.split('\n').map((l) => l.split(' ')[0])).toEqual([
        'type=SYSCALL',
        'type=PROCTITLE',
      ]);
    expect(byId(events, 194435).process?.command_line).toBe('sshd: burn [priv]');
    expect(byId(events, 194435).labels?.syscall).toBe('select');
    expect(byId(events, 194433).user?.id).toBe('1000');
    expect(byId(events, 194433).user?.effective?.id).toBe('0');
  });

  it('closes an event at EOE and does not wait for the window', () => {
    const parser = createAuditdParser(OPTIONS);
    const head =
      'type=SYSCALL msg=audit(1700000000.000:7): arch=c000003e syscall=2 success=no exit=-13 pid=5 auid=1000 uid=1000 euid=1000 ses=3 comm="cat" exe="/usr/bin/cat"';
    expect(parser.push(head, 1)).toEqual([]);
    expect(
      parser.push('type=PATH msg=audit(1700000000.000:7): item=0 name="/etc/shadow" nametype=NORMAL', 2),
    ).toEqual([]);
    const out = parser.push('type=EOE msg=audit(1700000000.000:7): ', 3);
    expect(out).toHaveLength(1);
    const first = out[0]!;
    if (!('event' in first)) throw new Error(first.error);
    expect(first.line).toBe(1);
    expect(first.event.event).toMatchObject({ action: 'syscall.open', outcome: 'failure', reason: 'EACCES' });
    expect(first.event.event?.category).toEqual(['file']);
    expect((first.event as Record<string, unknown>).file).toEqual({ path: '/etc/shadow' });
    expect(first.event.event?.original?.split('\n')).toHaveLength(2);
    expect(parser.end()).toEqual([]);
  });

  it('emits the oldest event once more than maxInFlight events are waiting', () => {
    const parser = createAuditdParser(OPTIONS, { maxInFlight: 2 });
    const rec = (serial: number) =>
      `type=SYSCALL msg=audit(1700000000.000:${serial}): arch=c000003e syscall=42 success=yes exit=0 pid=1 auid=4294967295 uid=0 euid=0 ses=4294967295 comm="x" exe="/x"`;
    expect(parser.push(rec(1), 1)).toEqual([]);
    expect(parser.push(rec(2), 2)).toEqual([]);
    const out = parser.push(rec(3), 3);
    expect(out.map((r) => r.line)).toEqual([1]);
    expect(parser.end().map((r) => r.line)).toEqual([2, 3]);
  });
});

describe('auditd event mapping', () => {
  const rhel7 = parseAll(fixture('auditd/auparse/audit-rhel7.log'));

  it('parses every rhel7 record but the UNKNOWN[1329] one, which is rejected with its line', () => {
    expect(rhel7.errors).toEqual([{ line: 31, error: expect.stringContaining('not an audit record') }]);
    expect(rhel7.events.length).toBeGreaterThan(40);
    expectWellFormed(rhel7.events);
  });

  it('maps an sshd login with its source, session and account', () => {
    const e = byId(rhel7.events, 421);
    expect(e.event).toMatchObject({
      action: 'ssh.login',
      outcome: 'success',
      category: ['authentication', 'session'],
    });
    expect(e.user).toMatchObject({ id: '1000' });
    expect(e.source).toEqual({ ip: '96.241.146.97', address: 'pool-96-241-146-97.washdc.fios.verizon.net' });
    expect(e.session?.id).toBe('1');
    expect(e.host?.name).toBe('web-1');
    expect(e.process).toMatchObject({ pid: 1298, executable: '/usr/sbin/sshd', name: 'sshd' });
    expect(e['@timestamp']).toBe('2016-12-07T02:17:23.193Z');
    expect(e.related?.ip).toEqual(['96.241.146.97']);
  });

  it('maps PAM stages and the sshd public-key authentication', () => {
    expect(byId(rhel7.events, 408).event).toMatchObject({ action: 'user.authenticate', outcome: 'success' });
    expect(byId(rhel7.events, 408).user?.name).toBe('andrew_kroh');
    expect(byId(rhel7.events, 408).source?.port).toBe(63927);
    expect(byId(rhel7.events, 410).event?.action).toBe('user.authorize');
    expect(byId(rhel7.events, 413).event?.action).toBe('user.credentials_acquire');
    expect(byId(rhel7.events, 416).event).toMatchObject({ action: 'session.open', type: ['start'] });
    expect(byId(rhel7.events, 423).event).toMatchObject({ action: 'session.close', type: ['end'] });
    expect(byId(rhel7.events, 424).event?.action).toBe('ssh.logout');
    expect(byId(rhel7.events, 518).event).toMatchObject({
      action: 'user.auth_error',
      outcome: 'failure',
      reason: 'PAM:bad_ident failed',
    });
  });

  it('maps sudo (USER_CMD) with the decoded command', () => {
    const e = byId(rhel7.events, 475);
    expect(e.event).toMatchObject({ action: 'sudo.exec', outcome: 'success', category: ['process'] });
    expect(e.process).toMatchObject({
      command_line: './metricbeat -c mb.dev.yml',
      working_directory: '/home/andrew_kroh',
    });
    expect(e.user?.id).toBe('1000');
    expect(e.labels?.terminal).toBe('pts/0');
  });

  it('maps account and group management with the target', () => {
    const user = byId(rhel7.events, 389);
    expect(user.event).toMatchObject({
      action: 'user.create',
      category: ['iam'],
      type: ['user', 'creation'],
    });
    expect(user.user?.target?.id).toBe('1000');
    expect(user.user?.id).toBe('0'); // auid unset: the acting uid
    const group = byId(rhel7.events, 385);
    expect(group.event?.action).toBe('group.create');
    expect(group.group?.id).toBe('1000');
    expect(byId(rhel7.events, 386).event?.action).toBe('group.change');
    expect(byId(rhel7.events, 393).event?.action).toBe('user.change');
    const frodo = parseAll(fixture('auditd/auparse/test3.log')).events.find(
      (e) => e.event?.action === 'group.create',
    );
    expect(frodo?.group?.name).toBe('frodo');
    expect(frodo?.user?.id).toBe('1000');
  });

  it('maps audit configuration changes and the daemon life cycle', () => {
    const rule = byId(rhel7.events, 478);
    expect(rule.event).toMatchObject({
      action: 'audit.config_change',
      outcome: 'success',
      category: ['configuration'],
    });
    expect(rule.user?.id).toBe('1000');
    expect(rule.labels?.op).toBe('add_rule');
    expect(byId(rhel7.events, 1209).tags).toEqual(['pam']);
    expect(byId(rhel7.events, 34).event?.action).toBe('audit.config_change');
    expect(byId(rhel7.events, 7798).event?.action).toBe('audit.start');
    expect(byId(rhel7.events, 7799).event?.action).toBe('audit.stop');
  });

  it('keeps a hex-encoded execve argument intact', () => {
    const e = byId(rhel7.events, 1075898);
    expect(e.process?.args?.[0]).toBe('jq');
    expect(e.process?.args?.[2]).toContain('"name": "/usr/bin/jq"');
  });

  it('maps a failed login by an invalid user (ubuntu16)', () => {
    const { events } = parseAll(fixture('auditd/auparse/audit-ubuntu16.log'));
    const e = byId(events, 19955);
    expect(e.event).toMatchObject({ action: 'ssh.login', outcome: 'failure', reason: 'invalid user' });
    expect(e.source?.ip).toBe('179.38.151.221');
    expect(e.user).toBeUndefined();
    const avc = byId(events, 61207);
    expect(avc.event).toMatchObject({ action: 'mac.check', outcome: 'failure', reason: 'apparmor DENIED' });
  });

  it('maps a SELinux denial with its syscall (test2)', () => {
    const { events } = parseAll(fixture('auditd/auparse/test2.log'));
    const e = byId(events, 293);
    expect(e.event).toMatchObject({ action: 'mac.check', outcome: 'failure', reason: 'denied { read }' });
    expect(e.event?.original?.split('\n')).toHaveLength(4);
    expect(e.labels?.syscall).toBe('open');
    expectWellFormed(events);
  });

  it('maps process execution from real attack-simulation logs (OTRF)', () => {
    const dd = parseAll(fixture('otrf_security_datasets/sh_binary_padding_dd_2020-11-10081941.log'));
    expect(dd.errors).toEqual([]);
    expect(dd.events).toHaveLength(1);
    const e = dd.events[0]!;
    expect(e.event).toMatchObject({
      action: 'process.exec',
      outcome: 'success',
      category: ['process'],
      type: ['start'],
    });
    expect(e.process).toMatchObject({
      pid: 2168,
      name: 'dd',
      executable: '/bin/dd',
      args: ['dd', 'if=/dev/zero', 'bs=1', 'count=1'],
      command_line: 'dd if=/dev/zero bs=1 count=1',
      working_directory: '/home/wardog',
      parent: { pid: 29002 },
    });
    expect(e.user?.id).toBe('1000');
    expect(e.session?.id).toBe('104');
    expect(e.event?.original?.split('\n')).toHaveLength(6);
    const arp = parseAll(fixture('otrf_security_datasets/sh_arp_cache_2020-11-10074812.log'));
    expect(arp.events.map((x) => x.process?.command_line)).toEqual(['arp -a', 'grep -v ^?']);
    expectWellFormed([...dd.events, ...arp.events]);
  });

  // OpenSSH 9.8+ runs each connection in sshd-session (OpenSSH 10: sshd-auth before it), and its
  // USER_LOGIN names that binary in exe=; the enriched format translates id= into ID="alice".
  it('maps a USER_LOGIN by sshd-session to ssh.login, with the enriched account name', () => {
    const line =
      "type=USER_LOGIN msg=audit(1709460901.123:500): pid=4242 uid=0 auid=1000 ses=7 msg='op=login id=1000 " +
      'exe="/usr/lib/openssh/sshd-session" hostname=203.0.113.5 addr=203.0.113.5 terminal=/dev/pts/1 ' +
      'res=success\'\x1dUID="root" AUID="alice" ID="alice"';
    const { events } = parseAll(line);
    expect(events).toHaveLength(1);
    expect(events[0]?.event).toMatchObject({ action: 'ssh.login', outcome: 'success' });
    expect(events[0]?.user).toEqual({ id: '1000', name: 'alice' });
    expectWellFormed(events);
  });

  // shadow-utils' ADD_USER names the new account by id= only; auditd 3 enriches it as ID="bob".
  it('names the target of an account record from the enriched ID', () => {
    const line =
      "type=ADD_USER msg=audit(1709460905.000:602): pid=12 uid=0 auid=1000 ses=7 msg='op=add-user id=1001 " +
      'exe="/usr/sbin/useradd" hostname=web1 addr=? terminal=pts/0 res=success\'\x1dUID="root" AUID="alice" ID="bob"';
    const { events } = parseAll(line);
    expect(events[0]?.user).toEqual({ id: '1000', name: 'alice', target: { id: '1001', name: 'bob' } });
  });

  // A dual-stack sshd writes IPv4 clients as IPv4-mapped IPv6 (RFC 4291 2.5.5.2); the linux-auth
  // parser reports the plain IPv4 address, and so must this one.
  it('reports an IPv4-mapped client address as IPv4', () => {
    const line =
      "node=web2 type=USER_AUTH msg=audit(1709460902.000:77): pid=99 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:authentication " +
      'grantors=? acct="bob" exe="/usr/sbin/sshd" hostname=::ffff:198.51.100.2 addr=::ffff:198.51.100.2 terminal=ssh res=failed\'';
    const { events } = parseAll(line);
    expect(events[0]?.source).toEqual({ ip: '198.51.100.2', address: '198.51.100.2' });
    expect(events[0]?.related?.ip).toEqual(['198.51.100.2']);
  });

  // The kernel writes LOGIN (1006) while the process sets its loginuid, inside the write(2) that
  // does it: SYSCALL and PROCTITLE of the same audit(time:serial) follow. One event, not two.
  it('keeps a LOGIN record and the SYSCALL that caused it in one event', () => {
    const text = [
      'type=LOGIN msg=audit(1709460901.200:501): pid=4242 uid=0 subj=unconfined old-auid=4294967295 auid=1000 tty=(none) old-ses=4294967295 ses=7 res=1',
      'type=SYSCALL msg=audit(1709460901.200:501): arch=c000003e syscall=1 success=yes exit=4 a0=3 a1=7ffd a2=4 a3=0 items=0 ppid=1 pid=4242 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=7 comm="sshd" exe="/usr/sbin/sshd" key=(null)',
      'type=PROCTITLE msg=audit(1709460901.200:501): proctitle=737368643A20616C696365205B707269765D',
    ].join('\n');
    const { events } = parseAll(text);
    expect(events).toHaveLength(1);
    expect(events[0]?.event?.action).toBe('session.loginuid_set');
    expect(events[0]?.process).toMatchObject({ name: 'sshd', command_line: 'sshd: alice [priv]' });
    expect(events[0]?.event?.original?.split('\n')).toHaveLength(3);
  });
});

describe('auditd input handling', () => {
  it('uses node=, enriched names after 0x1d, and drops event.original on request', () => {
    const line =
      'node=db-2 type=USER_CMD msg=audit(1700000000.123:99): pid=10 uid=1000 auid=1000 ses=5 msg=\'cwd="/root" cmd=6C73202D6C61 terminal=pts/1 res=success\'\x1dUID="alice" AUID="alice"';
    const { events } = parseAll(line, { ...OPTIONS, keepOriginal: false });
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e.host?.name).toBe('db-2');
    expect(e.user).toMatchObject({ id: '1000', name: 'alice' });
    expect(e.process?.command_line).toBe('ls -la');
    expect(e.event?.original).toBeUndefined();
    expect(e.related).toEqual({ user: ['alice'], hosts: ['db-2'] });
  });

  it('rejects malformed lines with their line numbers and never throws', () => {
    const parser = createAuditdParser(OPTIONS);
    const junk = [
      'hello',
      'type=SYSCALL msg=audit(abc:1):',
      'type=X msg=audit(1.000:99999999999):',
      '\u0000\u0001=',
      '"\'{[',
      '',
    ];
    const out = junk.flatMap((l, i) => parser.push(l, i + 1));
    expect(out.map((r) => r.line)).toEqual([1, 2, 3, 4, 5]);
    expect(out.every((r) => 'error' in r)).toBe(true);
    for (let i = 0; i < 300; i++) {
      const noise = Array.from({ length: 40 }, () =>
        String.fromCharCode(32 + ((i * 7919 + Math.random() * 95) % 95)),
      ).join('');
      expect(() => parser.push(`type=SYSCALL msg=audit(1.000:${i}): ${noise}`, i)).not.toThrow();
    }
    expect(() => parser.end()).not.toThrow();
  });

  it('stays linear on hostile lines (many bare words, long values)', () => {
    const parser = createAuditdParser(OPTIONS);
    const start = performance.now();
    parser.push(`type=AVC msg=audit(1700000000.000:1): ${'word '.repeat(400_000)}`, 1);
    parser.push(`type=USER_CMD msg=audit(1700000000.000:2): msg='${"a'b ".repeat(100_000)}`, 2);
    parser.push(`junk ${'node= '.repeat(100_000)}`, 3);
    const out = parser.end();
    expect(performance.now() - start).toBeLessThan(1000);
    expect(out.map((r) => r.line)).toEqual([1, 2]);
  });

  it('bounds the records kept for one event', () => {
    const reassembler = createReassembler(32);
    for (let i = 0; i < 3000; i++) {
      const record = parseAuditRecord(`type=PATH msg=audit(1700000000.000:9): item=${i} name="/tmp/f${i}"`);
      if (typeof record === 'string') throw new Error(record);
      expect(reassembler.push(record, i + 1)).toEqual([]);
    }
    const [only] = reassembler.flush();
    expect(only?.records).toHaveLength(1024);
    expect(only?.line).toBe(1);
  });

  // The kernel cuts a long argument into pieces of a fixed number of bytes (audit_log_execve_info),
  // wherever the cut falls: here inside a three-byte character.
  it('joins the hex pieces of a long argument before decoding them', () => {
    const arg = `x${'€'.repeat(400)}`;
    const hex = Buffer.from(arg).toString('hex');
    const cut = 2 * 500; // 500 bytes: 'x', 166 whole characters and two bytes of the next
    for (const [quoted, pieces] of [
      [false, `a1[0]=${hex.slice(0, cut)} a1[1]=${hex.slice(cut)}`],
      [true, `a1[0]="${'ab'.repeat(300)}" a1[1]="cdef"`],
    ] as const) {
      const text = [
        'type=SYSCALL msg=audit(1700000000.000:6): arch=c000003e syscall=59 success=yes exit=0 pid=9 auid=0 uid=0 euid=0 ses=1 comm="x" exe="/x"',
        `type=EXECVE msg=audit(1700000000.000:6): argc=2 a0="x" a1_len=${quoted ? 604 : Buffer.byteLength(arg)} ${pieces}`,
      ].join('\n');
      const { events, errors } = parseAll(text);
      expect(errors).toEqual([]);
      // Quoted pieces are text as written, even when they look like hex.
      expect(events[0]!.process?.args?.[1]).toBe(quoted ? `${'ab'.repeat(300)}cdef` : arg);
    }
  });

  it('handles a very long command line by clipping, not rejecting', () => {
    const arg = 'A'.repeat(100_000);
    const hex = Buffer.from(arg).toString('hex');
    const text = [
      'type=SYSCALL msg=audit(1700000000.000:5): arch=c000003e syscall=59 success=yes exit=0 pid=9 auid=0 uid=0 euid=0 ses=1 comm="x" exe="/x"',
      `type=EXECVE msg=audit(1700000000.000:5): argc=2 a0="x" a1_len=${arg.length} a1[0]=${hex.slice(0, 1000)} a1[1]=${hex.slice(1000)}`,
      'type=PROCTITLE msg=audit(1700000000.000:5): proctitle=78',
    ].join('\n');
    const { events, errors } = parseAll(text);
    expect(errors).toEqual([]);
    expect(events[0]!.process?.args?.[1]?.length).toBe(8192);
    expect(events[0]!.process?.command_line?.length).toBeLessThanOrEqual(64 * 1024);
    expectWellFormed(events);
  });

  it('parses at a useful rate', () => {
    const template = lines(fixture('otrf_security_datasets/sh_binary_padding_dd_2020-11-10081941.log'));
    const input: string[] = [];
    for (let i = 0; i < 5000; i++) {
      for (const l of template) input.push(l.replace(':93777)', `:${100000 + i})`));
    }
    const parser = createAuditdParser(OPTIONS);
    const start = performance.now();
    let events = 0;
    input.forEach((l, i) => {
      for (const r of parser.push(l, i + 1)) if ('event' in r) events++;
    });
    events += parser.end().length;
    const seconds = (performance.now() - start) / 1000;
    expect(events).toBe(5000);
    console.log(
      `auditd: ${Math.round(input.length / seconds)} lines/s, ${Math.round(events / seconds)} events/s (${input.length} lines)`,
    );
    expect(input.length / seconds).toBeGreaterThan(2000);
  });
});
