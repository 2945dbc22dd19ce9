import { describe, expect, it } from 'vitest';
import type { WildcardPattern } from './ast.js';
import { parseQuery, QuerySyntaxError } from './parser.js';
import {
  compareCodePoints,
  fieldType,
  ipToComparable,
  isPrefixPattern,
  matchesPredicate,
  parseCidr,
  planQuery,
  timeBounds,
  toLikePattern,
  type Predicate,
} from './plan.js';

// Wednesday 2024-05-15 13:45:30.123 UTC.
const NOW = Date.UTC(2024, 4, 15, 13, 45, 30, 123);
const DAY = 86_400_000;
const plan = (q: string) => planQuery(parseQuery(q), { now: NOW });
const hex = (h: string) => h.padStart(32, '0');
const v4 = (a: number, b: number, c: number, d: number) =>
  hex('ffff' + [a, b, c, d].map((n) => n.toString(16).padStart(2, '0')).join(''));

function planError(q: string): QuerySyntaxError {
  try {
    plan(q);
  } catch (err) {
    if (err instanceof QuerySyntaxError) return err;
    throw err;
  }
  throw new Error(`no error for ${q}`);
}

describe('planQuery: predicates', () => {
  it('plans match-all and keyword equality (case kept as typed)', () => {
    expect(plan('')).toEqual({ kind: 'all' });
    expect(plan('user.name:Root')).toEqual({ kind: 'eq', field: 'user.name', value: 'Root' });
    expect(plan('labels.env:"prod eu"')).toEqual({ kind: 'eq', field: 'labels.env', value: 'prod eu' });
    expect(plan('labels.count:15')).toEqual({ kind: 'eq', field: 'labels.count', value: '15' });
  });

  it('resolves aliases; ip: means source.ip OR related.ip', () => {
    expect(plan('user:root')).toEqual({ kind: 'eq', field: 'user.name', value: 'root' });
    expect(plan('action:ssh.login')).toEqual({ kind: 'eq', field: 'event.action', value: 'ssh.login' });
    expect(plan('outcome:failure')).toEqual({ kind: 'eq', field: 'event.outcome', value: 'failure' });
    expect(plan('host:web-1')).toEqual({ kind: 'eq', field: 'host.name', value: 'web-1' });
    expect(plan('dataset:linux.auth')).toEqual({ kind: 'eq', field: 'event.dataset', value: 'linux.auth' });
    expect(plan('seq:41')).toEqual({ kind: 'eq', field: 'stele.seq', value: 41 });
    expect(plan('session:abc')).toEqual({ kind: 'eq', field: 'session.id', value: 'abc' });
    const low = v4(10, 0, 0, 0);
    const high = v4(10, 255, 255, 255);
    expect(plan('ip:10.0.0.0/8')).toEqual({
      kind: 'or',
      items: [
        { kind: 'cidr', field: 'source.ip', version: 4, prefix: 8, low, high },
        { kind: 'cidr', field: 'related.ip', version: 4, prefix: 8, low, high },
      ],
    });
    expect(plan('ip:*')).toEqual({
      kind: 'or',
      items: [
        { kind: 'exists', field: 'source.ip' },
        { kind: 'exists', field: 'related.ip' },
      ],
    });
    expect(plan('_exists_:ip')).toEqual(plan('ip:*'));
  });

  it('plans wildcards with literal segments', () => {
    expect(plan('user.name:adm*')).toEqual({
      kind: 'wildcard',
      field: 'user.name',
      pattern: { parts: [{ kind: 'literal', text: 'adm' }, { kind: 'any' }], prefix: 'adm' },
    });
    expect(plan('source.ip:10.0.*')).toMatchObject({ kind: 'wildcard', field: 'source.ip' });
  });

  it('types numbers on numeric fields and rejects other values there, with a position', () => {
    expect(plan('source.port:22')).toEqual({ kind: 'eq', field: 'source.port', value: 22 });
    expect(plan('event.severity:-1')).toEqual({ kind: 'eq', field: 'event.severity', value: -1 });
    expect(plan('source.port>1024')).toEqual({
      kind: 'range',
      field: 'source.port',
      type: 'number',
      gt: 1024,
    });
    expect(plan('process.pid<=1')).toEqual({ kind: 'range', field: 'process.pid', type: 'number', lte: 1 });
    expect(plan('source.port:[1000 TO 2000]')).toEqual({
      kind: 'range',
      field: 'source.port',
      type: 'number',
      gte: 1000,
      lte: 2000,
    });
    expect(plan('destination.port:{1000 TO *]')).toEqual({
      kind: 'range',
      field: 'destination.port',
      type: 'number',
      gt: 1000,
    });
    const err = planError('x AND source.port:ssh');
    expect(err.position).toBe(18);
    expect(err.expected).toBe('a number');
    expect(err.message).toBe("at 18: expected a number for source.port, found 'ssh'");
    expect(planError('source.port:22*').message).toBe(
      "at 12: expected a number, not a wildcard (use a range) for source.port, found '22*'",
    );
    expect(planError('stele.seq:9007199254740993').position).toBe(10);
    expect(planError('source.port:[1 TO x]').position).toBe(18);
    expect(planError('seq:"1e3"').position).toBe(4);
  });

  it('plans @timestamp values as the span they denote', () => {
    const may = (d: number) => Date.UTC(2024, 4, d);
    const ts = (bounds: object) => ({ kind: 'range', field: '@timestamp', type: 'date', ...bounds });
    expect(plan('@timestamp>=now-24h')).toEqual(ts({ gte: NOW - DAY }));
    expect(plan('@timestamp<now-15m')).toEqual(ts({ lt: NOW - 15 * 60_000 }));
    expect(plan('@timestamp:2024-05-01')).toEqual(ts({ gte: may(1), lt: may(2) }));
    expect(plan('@timestamp:now/d')).toEqual(ts({ gte: may(15), lt: may(16) }));
    expect(plan('@timestamp:[2024-05-01 TO 2024-05-03]')).toEqual(ts({ gte: may(1), lt: may(4) }));
    expect(plan('@timestamp:{2024-05-01 TO 2024-05-03}')).toEqual(ts({ gte: may(2), lt: may(3) }));
    expect(plan('@timestamp<=now/d')).toEqual(ts({ lt: may(16) }));
    expect(plan('@timestamp>now/d')).toEqual(ts({ gte: may(16) }));
    expect(plan('@timestamp>2024-05-01T10:00:00Z')).toEqual(ts({ gte: Date.UTC(2024, 4, 1, 10, 0, 1) }));
    expect(plan('@timestamp:[now-7d/d TO now]')).toEqual(ts({ gte: may(8), lt: NOW + 1 }));
    expect(plan('@timestamp:[* TO *]')).toEqual({ kind: 'exists', field: '@timestamp' });
    // `>` a time: after the millisecond it denotes.
    expect(plan('stele.received>now-1h')).toEqual({
      kind: 'range',
      field: 'stele.received',
      type: 'date',
      gte: NOW - 3_600_000 + 1,
    });
  });

  it('rejects what is not a time, and wildcards, on date fields', () => {
    expect(planError('@timestamp>=yesterday')).toMatchObject({
      position: 12,
      expected: expect.stringMatching(/^a time/),
    });
    expect(planError('@timestamp:[now TO tomorrow]').position).toBe(19);
    expect(planError('@timestamp:2024*').position).toBe(11);
  });

  it('plans IP values as address blocks and IP ranges', () => {
    expect(plan('source.ip:10.0.0.1')).toEqual({
      kind: 'cidr',
      field: 'source.ip',
      version: 4,
      prefix: 32,
      low: v4(10, 0, 0, 1),
      high: v4(10, 0, 0, 1),
    });
    expect(plan('destination.ip:2001:db8::/32')).toEqual({
      kind: 'cidr',
      field: 'destination.ip',
      version: 6,
      prefix: 32,
      low: '20010db8000000000000000000000000',
      high: '20010db8ffffffffffffffffffffffff',
    });
    expect(plan('source.ip:[10.0.0.1 TO 10.0.0.9}')).toEqual({
      kind: 'range',
      field: 'source.ip',
      type: 'ip',
      gte: v4(10, 0, 0, 1),
      lt: v4(10, 0, 0, 9),
    });
    expect(planError('source.ip:10.0.0.256').message).toBe(
      "at 10: expected an IP address or CIDR (10.0.0.0/8, 2001:db8::/32) for source.ip, found '10.0.0.256'",
    );
    expect(planError('source.ip>10.0.0.0/8').expected).toBe('an IP address');
    expect(planError('ip:web-1').position).toBe(3);
  });

  it('plans text: free text over message and event.original, field text over that field', () => {
    const fields = ['message', 'event.original'];
    expect(plan('sshd')).toEqual({ kind: 'text', fields, match: 'term', value: 'sshd' });
    expect(plan('"Failed password"')).toEqual({
      kind: 'text',
      fields,
      match: 'phrase',
      value: 'Failed password',
    });
    expect(plan('fail*')).toMatchObject({
      kind: 'text',
      fields,
      match: 'wildcard',
      pattern: { prefix: 'fail' },
    });
    expect(plan('message:shadow')).toEqual({
      kind: 'text',
      fields: ['message'],
      match: 'term',
      value: 'shadow',
    });
    expect(plan('message:*')).toEqual({ kind: 'exists', field: 'message' });
  });

  it('compares untyped fields as numbers when every bound is a number, else as text', () => {
    expect(plan('labels.count>9')).toEqual({ kind: 'range', field: 'labels.count', type: 'number', gt: 9 });
    expect(plan('user.id:[1000 TO 2000]')).toMatchObject({ type: 'number', gte: 1000, lte: 2000 });
    expect(plan('user.name:[a TO m}')).toEqual({
      kind: 'range',
      field: 'user.name',
      type: 'string',
      gte: 'a',
      lt: 'm',
    });
    expect(plan('labels.v>"9"')).toMatchObject({ type: 'string', gt: '9' });
  });

  it('simplifies: flattens, drops match-all, cancels double negation', () => {
    expect(plan('a (b c)')).toMatchObject({
      kind: 'and',
      items: [{ value: 'a' }, { value: 'b' }, { value: 'c' }],
    });
    expect(plan('a OR (b OR c)')).toMatchObject({ kind: 'or', items: [{}, {}, {}] });
    expect(plan('* AND user:x')).toEqual({ kind: 'eq', field: 'user.name', value: 'x' });
    expect(plan('* OR user:x')).toEqual({ kind: 'all' });
    expect(plan('NOT NOT user:x')).toEqual({ kind: 'eq', field: 'user.name', value: 'x' });
    expect(plan('NOT *')).toEqual({ kind: 'not', item: { kind: 'all' } });
  });

  it('knows the field types', () => {
    expect(fieldType('@timestamp')).toBe('date');
    expect(fieldType('source.port')).toBe('number');
    expect(fieldType('related.ip')).toBe('ip');
    expect(fieldType('message')).toBe('text');
    expect(fieldType('user.name')).toBe('keyword');
    expect(fieldType('constructor')).toBe('keyword');
  });
});

describe('ipToComparable and parseCidr', () => {
  it.each([
    ['10.0.0.1', v4(10, 0, 0, 1)],
    ['0.0.0.0', v4(0, 0, 0, 0)],
    ['255.255.255.255', v4(255, 255, 255, 255)],
    ['::ffff:10.0.0.1', v4(10, 0, 0, 1)],
    ['::FFFF:a00:1', v4(10, 0, 0, 1)],
    ['::', hex('0')],
    ['::1', hex('1')],
    ['2001:db8::', '20010db8000000000000000000000000'],
    ['2001:DB8:0:0:0:0:0:1', '20010db8000000000000000000000001'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['1:2:3:4:5:6:1.2.3.4', '00010002000300040005000601020304'],
    ['::1.2.3.4', hex('01020304')],
    ['fe80::1%eth0', 'fe800000000000000000000000000001'],
  ])('%s', (ip, want) => {
    expect(ipToComparable(ip)).toBe(want);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '01.2.3.4',
    '1.2.3.-4',
    '1::2::3',
    ':1',
    '1:',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::8',
    '1:2:3:4:5:6:7',
    '12345::',
    'g::1',
    '1.2.3.4::',
    '::1.2.3.4:5',
    '::ffff:1.2.3',
    'localhost',
    '10.0.0.0/8',
  ])('rejects %j', (ip) => {
    expect(ipToComparable(ip)).toBeUndefined();
  });

  it('orders addresses by their comparable text', () => {
    const sorted = ['::1', '0.0.0.1', '10.0.0.2', '10.0.0.10', '192.168.0.1', '2001:db8::1', 'fe80::1'];
    const comparables = sorted.map((ip) => ipToComparable(ip) as string);
    expect([...comparables].sort()).toEqual(comparables);
  });

  it('handles the edges: /0, /32, /128, host bits, IPv4-mapped blocks', () => {
    expect(parseCidr('0.0.0.0/0')).toEqual({
      version: 4,
      prefix: 0,
      low: v4(0, 0, 0, 0),
      high: v4(255, 255, 255, 255),
    });
    expect(parseCidr('::/0')).toEqual({ version: 6, prefix: 0, low: hex('0'), high: 'f'.repeat(32) });
    expect(parseCidr('10.1.2.3/32')).toEqual({
      version: 4,
      prefix: 32,
      low: v4(10, 1, 2, 3),
      high: v4(10, 1, 2, 3),
    });
    expect(parseCidr('2001:db8::1/128')).toMatchObject({
      low: '20010db8000000000000000000000001',
      high: '20010db8000000000000000000000001',
    });
    expect(parseCidr('10.1.2.3/8')).toMatchObject({ low: v4(10, 0, 0, 0), high: v4(10, 255, 255, 255) });
    expect(parseCidr('192.168.1.0/23')).toMatchObject({
      low: v4(192, 168, 0, 0),
      high: v4(192, 168, 1, 255),
    });
    expect(parseCidr('::ffff:0:0/96')).toMatchObject({
      version: 6,
      low: v4(0, 0, 0, 0),
      high: v4(255, 255, 255, 255),
    });
    expect(parseCidr('::ffff:10.0.0.0/104')).toMatchObject({
      low: v4(10, 0, 0, 0),
      high: v4(10, 255, 255, 255),
    });
    for (const bad of [
      '10.0.0.0/33',
      '::/129',
      '10.0.0.0/08',
      '10.0.0.0/',
      '10.0.0.0/-1',
      '10.0.0.0/8/8',
      '/8',
    ]) {
      expect(parseCidr(bad)).toBeUndefined();
    }
  });
});

const sshFailure = {
  '@timestamp': '2024-05-15T13:00:00.000Z',
  message: 'Failed password for invalid user Admin from 203.0.113.9 port 52144 ssh2',
  event: {
    action: 'ssh.login',
    outcome: 'failure',
    dataset: 'linux.auth',
    category: ['authentication'],
    severity: 3,
    original: 'May 15 13:00:00 web-1 sshd[4242]: Failed password for invalid user Admin from 203.0.113.9',
  },
  user: { name: 'Admin' },
  source: { ip: '203.0.113.9', port: 52144 },
  host: { name: 'web-1', ip: ['10.0.0.5', 'fe80::1'] },
  process: { name: 'sshd', pid: 4242 },
  related: { ip: ['203.0.113.9', '10.0.0.5'], user: ['Admin'] },
  session: { id: 's-1' },
  labels: { env: 'prod', count: '15' },
  tags: [],
  stele: { seq: 41, received: '2024-05-15T13:00:01.000Z', source: 'syslog' },
};
const sudo = {
  '@timestamp': '2024-05-15T01:59:59.999+02:00', // 2024-05-14T23:59:59.999Z
  message: 'alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/cat /etc/shadow',
  event: { action: 'sudo.exec', outcome: 'success', dataset: 'linux.auth', category: ['process'] },
  user: { name: 'alice', effective: { name: 'root' } },
  source: { ip: '::ffff:10.1.2.3' },
  host: { name: 'db-1' },
  process: { command_line: 'cat /etc/shadow\nsecond line' },
  related: { ip: ['2001:db8::42'], user: ['alice', 'root'] },
  labels: { count: 9 },
  stele: { seq: 42 },
};
const secretRead = {
  '@timestamp': '2024-05-10T08:00:00Z',
  event: { action: 'k8s.secret.get', outcome: 'unknown', dataset: 'k8s.audit' },
  user: { name: 'system:serviceaccount:kube-system:admin' },
  source: { ip: '2001:db8:1::7', port: 443 },
  orchestrator: { namespace: 'kube-system', resource: { type: 'secrets', name: 'db-password' } },
  tags: null,
  stele: { seq: 7 },
};
const EVENTS = { sshFailure, sudo, secretRead };

describe('matchesPredicate on sample events', () => {
  const cases: Array<[string, Array<keyof typeof EVENTS>]> = [
    ['', ['sshFailure', 'sudo', 'secretRead']],
    ['user.name:Admin', ['sshFailure']],
    ['user.name:admin', []], // keyword equality is case-sensitive
    ['user:alice OR user:Admin', ['sshFailure', 'sudo']],
    ['user:(alice OR Admin)', ['sshFailure', 'sudo']],
    ['user.name:*admin', ['secretRead']],
    ['user.name:system\\:*', ['secretRead']],
    ['user.name:"system:serviceaccount:kube-system:admin"', ['secretRead']],
    ['user.name:a?ice', ['sudo']],
    ['user.effective.name:root', ['sudo']],
    ['related.user:root', ['sudo']],
    ['event.category:authentication', ['sshFailure']],
    ['outcome:failure', ['sshFailure']],
    ['NOT outcome:failure', ['sudo', 'secretRead']],
    ['-outcome:failure -outcome:success', ['secretRead']],
    ['action:ssh.* OR action:sudo.*', ['sshFailure', 'sudo']],
    ['dataset:linux.auth AND NOT action:sudo.exec', ['sshFailure']],
    ['source.port:52144', ['sshFailure']],
    ['source.port>1024', ['sshFailure']],
    ['source.port:[1 TO 1024]', ['secretRead']],
    ['source.port:{443 TO 52144}', []],
    ['process.pid:4242', ['sshFailure']],
    ['seq:41', ['sshFailure']],
    ['seq:[41 TO *]', ['sshFailure', 'sudo']],
    ['stele.seq<41', ['secretRead']],
    ['event.severity>=3', ['sshFailure']],
    ['source.ip:203.0.113.9', ['sshFailure']],
    ['source.ip:203.0.113.0/24', ['sshFailure']],
    ['source.ip:10.0.0.0/8', ['sudo']], // stored IPv4-mapped
    ['source.ip:::ffff:10.1.2.3', ['sudo']],
    ['source.ip:::ffff:0:0/96', ['sshFailure', 'sudo']], // every IPv4 address
    ['source.ip:2001:db8::/32', ['secretRead']],
    ['source.ip:2001:DB8:1:0::7', ['secretRead']],
    ['source.ip:0.0.0.0/0', ['sshFailure', 'sudo']],
    ['source.ip:::/0', ['sshFailure', 'sudo', 'secretRead']],
    ['source.ip:203.*', ['sshFailure']], // wildcard on the text form
    ['source.ip:[10.0.0.0 TO 10.255.255.255]', ['sudo']],
    ['ip:2001:db8::42', ['sudo']],
    ['ip:10.0.0.5', ['sshFailure']],
    ['host.ip:fe80::/10', ['sshFailure']],
    ['@timestamp:2024-05-15', ['sshFailure']],
    ['@timestamp:2024-05-14', ['sudo']],
    ['@timestamp>=now-24h', ['sshFailure', 'sudo']],
    ['@timestamp>=now/d', ['sshFailure']],
    ['@timestamp<now-1w', []],
    ['@timestamp:[2024-05-01 TO 2024-05-14]', ['sudo', 'secretRead']],
    ['@timestamp:[2024-05-01 TO 2024-05-14}', ['secretRead']],
    ['@timestamp:2024-05-15T13:00:00Z', ['sshFailure']],
    ['stele.received>=2024-05-15T13:00:01Z', ['sshFailure']],
    ['failed', ['sshFailure']], // free text: case-insensitive substring
    ['"FAILED PASSWORD"', ['sshFailure']],
    ['"sshd[4242]"', ['sshFailure']], // found in event.original only
    ['etc/shadow', ['sudo']],
    ['fail*admin', ['sshFailure']],
    ['p?ssword', ['sshFailure']],
    ['message:alice', ['sudo']],
    ['message:sshd', []], // only in event.original
    ['process.command_line:*second*', ['sudo']], // `*` crosses the newline
    ['labels.count:15', ['sshFailure']],
    ['labels.count:9', ['sudo']],
    ['labels.count>9', ['sshFailure']], // numeric: "15" > 9
    ['labels.count:[1 TO 10]', ['sudo']],
    ['labels.env:*', ['sshFailure']],
    ['tags:*', []], // empty array and null are missing
    ['_exists_:orchestrator.resource', ['secretRead']],
    ['orchestrator.resource.name:db-*', ['secretRead']],
    ['constructor:*', []],
    ['__proto__:*', []],
    ['user:*', ['sshFailure', 'sudo', 'secretRead']],
    ['nothere:x OR nothere.deeper:*', []],
    ['user.name:[a TO b]', ['sudo']], // 'Admin' < 'a' in code point order
    ['NOT *', []],
  ];
  it.each(cases)('%s', (q, want) => {
    const p = plan(q);
    const got = Object.entries(EVENTS)
      .filter(([, event]) => matchesPredicate(p, event))
      .map(([name]) => name);
    expect(got).toEqual(want);
  });

  it('needs a field before a range bracket in free text', () => {
    expect(() => plan('sshd[4242]')).toThrow(QuerySyntaxError);
  });

  it('folds ASCII case only in free text', () => {
    const event = { message: 'ÉCOLE Straße' };
    expect(matchesPredicate(plan('école'), event)).toBe(false);
    expect(matchesPredicate(plan('École'), event)).toBe(true);
    expect(matchesPredicate(plan('ÉCOLE'), event)).toBe(true);
    expect(matchesPredicate(plan('STRAßE'), event)).toBe(true);
  });

  it('matches ? against one code point, not one UTF-16 unit', () => {
    expect(matchesPredicate(plan('f:a?b'), { f: 'a🔥b' })).toBe(true);
    expect(matchesPredicate(plan('f:a??b'), { f: 'a🔥b' })).toBe(false);
  });

  it('never lets the anchored head and tail of a pattern overlap', () => {
    expect(matchesPredicate(plan('f:ab*ba'), { f: 'aba' })).toBe(false);
    expect(matchesPredicate(plan('f:ab*ba'), { f: 'abba' })).toBe(true);
    expect(matchesPredicate(plan('f:a*a'), { f: 'a' })).toBe(false);
    expect(matchesPredicate(plan('f:a*b*c'), { f: 'acbc' })).toBe(true);
    expect(matchesPredicate(plan('f:a*b*c'), { f: 'acb' })).toBe(false);
    expect(matchesPredicate(plan('f:*'), { f: '' })).toBe(true);
    expect(matchesPredicate(plan('f:?'), { f: '' })).toBe(false);
  });

  it('stays fast on patterns that make backtracking regexes explode', () => {
    const p = plan(`f:${'a*'.repeat(40)}b`);
    const started = performance.now();
    expect(matchesPredicate(p, { f: 'a'.repeat(8000) })).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('does not match values of other types or shapes', () => {
    expect(matchesPredicate(plan('source.port:22'), { source: { port: '22' } })).toBe(true);
    expect(matchesPredicate(plan('source.port:22'), { source: { port: '022x' } })).toBe(false);
    expect(matchesPredicate(plan('user.name:x'), { user: { name: { x: 1 } } })).toBe(false);
    expect(matchesPredicate(plan('user.name:x'), { user: [{ name: 'x' }] })).toBe(false);
    expect(matchesPredicate(plan('user.name:x'), { 'user.name': 'x' })).toBe(false);
    expect(matchesPredicate(plan('flag:true'), { flag: true })).toBe(true);
    expect(matchesPredicate(plan('@timestamp>now-1d'), { '@timestamp': 'garbage' })).toBe(false);
    expect(matchesPredicate(plan('source.ip:10.0.0.0/8'), { source: { ip: 'not-an-ip' } })).toBe(false);
  });
});

describe('timeBounds', () => {
  const may = (d: number) => Date.UTC(2024, 4, d);
  it.each<[string, object | undefined]>([
    ['', undefined],
    ['user:x', undefined],
    ['@timestamp>=now-24h', { from: NOW - DAY }],
    ['@timestamp<2024-05-02', { to: may(2) }],
    ['@timestamp:[2024-05-01 TO 2024-05-03] user:x', { from: may(1), to: may(4) }],
    ['@timestamp>=2024-05-01 @timestamp<2024-05-10 @timestamp>2024-05-03', { from: may(4), to: may(10) }],
    ['@timestamp:2024-05-01 OR @timestamp:2024-05-07', { from: may(1), to: may(8) }],
    ['@timestamp:2024-05-01 OR @timestamp>2024-05-07', { from: may(1) }],
    ['@timestamp:2024-05-01 OR user:x', undefined],
    ['NOT @timestamp<2024-05-01', undefined],
    ['stele.received>now-1h', undefined],
    ['@timestamp:2024-05-05 @timestamp:2024-05-01', { from: may(5), to: may(2) }],
  ])('%s', (q, want) => {
    expect(timeBounds(plan(q))).toEqual(want);
  });

  it('turns exclusive and inclusive millisecond bounds into [from, to)', () => {
    const p: Predicate = { kind: 'range', field: '@timestamp', type: 'date', gt: 10, lte: 20 };
    expect(timeBounds(p)).toEqual({ from: 11, to: 21 });
  });

  it('can bound another date field', () => {
    expect(timeBounds(plan('stele.received>=now-1h'), 'stele.received')).toEqual({ from: NOW - 3_600_000 });
  });
});

describe('pattern helpers', () => {
  const pattern = (q: string) => (plan(`f:${q}`) as { pattern: WildcardPattern }).pattern;

  it('writes LIKE patterns with escaping', () => {
    expect(toLikePattern(pattern('50%_off\\\\*?'))).toBe('50\\%\\_off\\\\%_');
    expect(toLikePattern(pattern('a*'), '!')).toBe('a%');
    expect(toLikePattern(pattern('a!b*'), '!')).toBe('a!!b%');
  });

  it('recognizes prefix patterns', () => {
    expect(isPrefixPattern(pattern('adm*'))).toBe(true);
    expect(isPrefixPattern(pattern('adm**'))).toBe(true);
    expect(isPrefixPattern(pattern('a*b'))).toBe(false);
    expect(isPrefixPattern(pattern('*a'))).toBe(false);
    expect(isPrefixPattern(pattern('a?'))).toBe(false);
  });

  it('compares strings by code point', () => {
    expect(compareCodePoints('\u{1F525}', '\uFFFF')).toBeGreaterThan(0); // UTF-16 order says the opposite
    expect(compareCodePoints('a', 'ab')).toBeLessThan(0);
    expect(compareCodePoints('b', 'b')).toBe(0);
  });
});
