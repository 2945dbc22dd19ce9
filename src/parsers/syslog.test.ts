// syslog: messages to events (auth programs through linux-auth, the rest as system.message with
// log.syslog.*), RFC 6587 framing, hostile input and the parse rate.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../core/event.js';
import { validateEvent } from '../core/validate.js';
import type { ParseResult } from './parser.js';
import {
  createSyslogFramer,
  createSyslogParser,
  parseSyslogMessage,
  splitOctetCounted,
  type SyslogEvent,
  type SyslogFrame,
  type SyslogParserOptions,
} from './syslog.js';

const NOW = Date.UTC(2024, 2, 10, 12, 0, 0);

function resultOf(line: string, options: Partial<SyslogParserOptions> = {}): ParseResult {
  const results = createSyslogParser({ now: NOW, ...options }).push(line, 3);
  expect(results).toHaveLength(1);
  return results[0] as ParseResult;
}

function eventOf(line: string, options: Partial<SyslogParserOptions> = {}): SyslogEvent {
  const result = resultOf(line, options);
  if ('error' in result) throw new Error(`rejected: ${result.error}`);
  const valid = validateEvent(result.event);
  expect(valid.ok ? true : valid).toBe(true);
  return result.event as SyslogEvent;
}

describe('syslog messages to events', () => {
  it('parses sshd inside RFC 5424 as ssh.login, keeping the syslog header', () => {
    const line =
      '<38>1 2024-03-03T10:15:01.123456+01:00 web1 sshd 4242 - [origin ip="10.0.0.5"] Accepted password for alice from 203.0.113.5 port 51234 ssh2';
    expect(eventOf(line)).toEqual({
      '@timestamp': '2024-03-03T09:15:01.123Z',
      message: 'Accepted password for alice from 203.0.113.5 port 51234 ssh2',
      event: {
        action: 'ssh.login',
        outcome: 'success',
        category: 'authentication',
        type: 'start',
        dataset: 'linux.auth',
        severity: 6,
        original: line,
      },
      log: {
        syslog: {
          priority: 38,
          facility: { code: 4, name: 'auth' },
          severity: { code: 6, name: 'Informational' },
          version: 1,
          hostname: 'web1',
          appname: 'sshd',
          procid: '4242',
          structured_data: { origin: { ip: '10.0.0.5' } },
        },
      },
      host: { name: 'web1' },
      process: { name: 'sshd', pid: 4242 },
      user: { name: 'alice' },
      source: { ip: '203.0.113.5', address: '203.0.113.5', port: 51234 },
      session: { id: 'web1/sshd/4242' },
      related: { user: ['alice'], ip: ['203.0.113.5'], hosts: ['web1'] },
      labels: { ssh_auth_method: 'password' },
    });
  });

  it('parses sudo and su inside RFC 3164 (go-syslog samples)', () => {
    const sudo = eventOf(
      '<85>Jan 24 15:50:41 ip-172-31-30-110 sudo[6040]: ec2-user : TTY=pts/0 ; PWD=/var/log ; USER=root ; COMMAND=/bin/tail secure',
    );
    expect(sudo).toMatchObject({
      '@timestamp': '2024-01-24T15:50:41.000Z',
      event: { action: 'sudo.exec', outcome: 'success', dataset: 'linux.auth' },
      user: { name: 'ec2-user', effective: { name: 'root' } },
      process: { name: 'sudo', pid: 6040, command_line: '/bin/tail secure', working_directory: '/var/log' },
      host: { name: 'ip-172-31-30-110' },
      log: { syslog: { facility: { code: 10, name: 'authpriv' }, severity: { code: 5, name: 'Notice' } } },
    });
    const su = eventOf("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
    expect(su).toMatchObject({
      '@timestamp': '2023-10-11T22:14:15.000Z', // October is more than a month ahead of March 2024
      event: { action: 'su.switch', outcome: 'failure' },
      user: { name: 'lonvick', effective: { name: 'root' } },
    });
  });

  it('hands PAM lines of any program to linux-auth', () => {
    const event = eventOf(
      '<86>Mar  3 10:17:01 web1 CRON[900]: pam_unix(cron:session): session opened for user root by (uid=0)',
    );
    expect(event.event).toMatchObject({ action: 'session.start', dataset: 'linux.auth' });
  });

  it('maps other messages to system.message with dataset syslog', () => {
    const event = eventOf(
      '<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% Time to make the do-nuts.',
    );
    expect(event).toMatchObject({
      '@timestamp': '2003-08-24T12:14:15.000Z',
      message: '%% Time to make the do-nuts.',
      event: {
        action: 'system.message',
        outcome: 'unknown',
        dataset: 'syslog',
        category: 'host',
        type: 'info',
      },
      host: { name: '192.0.2.1' },
      process: { name: 'myproc', pid: 8710 },
      log: { syslog: { facility: { code: 20, name: 'local4' }, severity: { code: 5 } } },
      related: { hosts: ['192.0.2.1'] },
    });
    expect(event.user).toBeUndefined();
  });

  it('uses the configured host name and the reference time when the message has none', () => {
    const event = eventOf('<13>1 - - app - - - \uFEFFhello', { hostname: 'collector' });
    expect(event['@timestamp']).toBe(new Date(NOW).toISOString());
    expect(event.tags).toEqual(['timestamp_from_receiver']);
    expect(event.host).toEqual({ name: 'collector' });
    expect(event.message).toBe('hello');
    expect(event.process).toEqual({ name: 'app' });
  });

  it('omits event.original when keepOriginal is false', () => {
    const event = eventOf('<38>Mar  3 10:00:00 h sshd[2]: Invalid user x from 192.0.2.2', {
      keepOriginal: false,
    });
    expect(event.event).not.toHaveProperty('original');
    expect(event.event?.action).toBe('ssh.invalid_user');
  });

  it('reads BSD time stamps in the configured zone', () => {
    const event = eventOf('<13>Jul  4 12:00:00 h app: x', {
      timezone: 'America/New_York',
      now: Date.UTC(2024, 6, 10),
    });
    expect(event['@timestamp']).toBe('2024-07-04T16:00:00.000Z');
  });

  it('keeps odd structured-data ids as plain data', () => {
    const event = eventOf('<13>1 2024-01-01T00:00:00Z h a - - [__proto__ x="1"][constructor y="\\]"] m');
    const sd = event.log?.syslog.structured_data;
    expect(sd && Object.keys(sd)).toEqual(['__proto__', 'constructor']);
    expect(sd?.['constructor']?.y).toBe(']');
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('decodes MSG with a BOM and notes it', () => {
    const result = parseSyslogMessage('<1>1 - - - - - - \uFEFFκόσμε');
    expect(result).toMatchObject({ msg: 'κόσμε', bom: true });
  });
});

describe('rejections and hostile input', () => {
  it.each([
    ['hello world', /priority/],
    ['<999>1 - - - - - -', /priority/],
    ['<13>', /version value or an RFC 3164 timestamp/],
    ['<13>Foo 12 10:00:00 h a: x', /version value or an RFC 3164 timestamp/],
    ['<13>1 2024-13-01T00:00:00Z h a - - -', /timestamp/],
    ['<13>1 - h a - - [x y="unterminated', /structured data/],
    ['<13>Feb 30 10:00:00 h a: x', /no such date/],
  ])('rejects %j', (line, reason) => {
    const result = resultOf(line);
    expect('error' in result ? result.error : 'accepted').toMatch(reason);
  });

  it('rejects a 10 MB message quickly', () => {
    const started = performance.now();
    const result = resultOf(`<13>1 - - - - - - ${'x'.repeat(10 * 1024 * 1024)}`);
    expect('error' in result && result.error).toMatch(/exceeds the 65536-character limit/);
    // Loose on purpose: the limit is checked before any scan, and this catches super-linear work;
    // a tighter bound failed on a loaded 2-core machine from a garbage collection pause alone.
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('never throws on random bytes; everything it accepts is a valid event', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const prefixes = [
      '',
      '<13>',
      '<13>1 ',
      '<13>1 - - - - - ',
      '<38>Mar  3 10:00:00 ',
      '<38>Mar  3 10:00:00 h sshd[1]: ',
    ];
    const parser = createSyslogParser({ now: NOW });
    let events = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = Buffer.from(
        Array.from({ length: Math.floor(random() * 100) }, () => Math.floor(random() * 256)),
      );
      const line = (prefixes[i % prefixes.length] ?? '') + bytes.toString(i % 2 ? 'latin1' : 'utf8');
      for (const r of parser.push(line, i)) {
        if ('error' in r) expect(r.error.length).toBeGreaterThan(5);
        else {
          events++;
          expect(validateEvent(r.event).ok).toBe(true);
        }
      }
    }
    expect(events).toBeGreaterThan(300);
  });
});

describe('RFC 6587 framing', () => {
  const text = (frames: SyslogFrame[]) =>
    frames.map((f) => ('message' in f ? f.message.toString() : `ERR ${f.error}`));
  const a = '<13>1 - - - - - - first';
  const b = '<13>1 - - - - - - second\nwith a newline';

  it('splits octet-counted frames, however the bytes are chunked', () => {
    const stream = Buffer.from(`${Buffer.byteLength(a)} ${a}${Buffer.byteLength(b)} ${b}`);
    for (const size of [1, 2, 3, 7, 64, stream.length]) {
      const framer = createSyslogFramer();
      const frames: SyslogFrame[] = [];
      for (let i = 0; i < stream.length; i += size) frames.push(...framer.push(stream.subarray(i, i + size)));
      frames.push(...framer.end());
      expect(text(frames)).toEqual([a, b]);
    }
  });

  it('splits LF-framed messages, dropping CR and empty lines, and flushes the last one at end', () => {
    const framer = createSyslogFramer();
    expect(text(framer.push(Buffer.from(`${a}\r\n\n<13>1 - - - - - - x\n<13>1 - - - - - - tail`)))).toEqual([
      a,
      '<13>1 - - - - - - x',
    ]);
    expect(text(framer.end())).toEqual(['<13>1 - - - - - - tail']);
  });

  it('detects the framing per frame (auto), as rsyslog does', () => {
    const framer = createSyslogFramer();
    const frames = framer.push(Buffer.from(`${a}\n${Buffer.byteLength(b)} ${b}${a}\n`));
    expect(text(frames)).toEqual([a, b, a]);
  });

  it('rejects an oversize octet-counted frame with a reason and resynchronizes after it', () => {
    const framer = createSyslogFramer({ maxFrameSize: 32 });
    const big = `<13>1 - - - - - - ${'y'.repeat(100)}`;
    const stream = Buffer.from(`${big.length} ${big}${a.length} ${a}`);
    const frames = [...framer.push(stream.subarray(0, 50)), ...framer.push(stream.subarray(50))];
    expect(text(frames)).toEqual([
      `ERR frame of ${big.length} octets exceeds the 32-octet limit; skipped`,
      a,
    ]);
  });

  it('rejects an oversize LF frame and resumes at the next LF', () => {
    const framer = createSyslogFramer({ maxFrameSize: 32 });
    const frames = [
      ...framer.push(Buffer.from('<13>1 - - - - - - '.padEnd(40, 'z'))),
      ...framer.push(Buffer.from('zzzz\n<13>1 - - - - - - ok\n')),
    ];
    expect(text(frames)).toEqual([
      'ERR message longer than 32 octets without LF; skipped to the next LF',
      '<13>1 - - - - - - ok',
    ]);
  });

  it('rejects a garbled octet count and resumes at the next LF', () => {
    const framer = createSyslogFramer({ framing: 'octet-counting' });
    const frames = framer.push(Buffer.from(`12x34 junk\n${a.length} ${a}`));
    expect(text(frames)).toEqual([
      'ERR invalid octet count: expected MSG-LEN SP MSG (RFC 6587 3.4.1); skipped to the next LF',
      a,
    ]);
  });

  it('reports a stream cut inside an octet-counted frame', () => {
    const framer = createSyslogFramer();
    expect(framer.push(Buffer.from(`100 ${a}`))).toEqual([]);
    expect(text(framer.end())).toEqual([
      `ERR stream ended inside an octet-counted frame (${a.length + 4} octets pending)`,
    ]);
  });

  it('handles a slow sender of a long LF frame in linear time', () => {
    const framer = createSyslogFramer();
    const line = Buffer.from(`<13>1 - - - - - - ${'w'.repeat(60_000)}\n`);
    const started = performance.now();
    const frames: SyslogFrame[] = [];
    for (let i = 0; i < line.length; i += 16) frames.push(...framer.push(line.subarray(i, i + 16)));
    expect(frames).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('splitOctetCounted returns the frames and the incomplete tail', () => {
    const data = Buffer.from(`${a.length} ${a}${a.length} ${a.slice(0, 5)}`);
    const split = splitOctetCounted(data);
    expect(split.messages.map(String)).toEqual([a]);
    expect(split.errors).toEqual([]);
    expect(split.rest.toString()).toBe(`${a.length} ${a.slice(0, 5)}`);
    expect(splitOctetCounted(Buffer.from('0 x')).errors[0]).toMatch(/invalid octet count/);
  });

  it('feeds frames into the parser end to end', () => {
    const framer = createSyslogFramer();
    const parser = createSyslogParser({ now: NOW });
    const msg = '<38>1 2024-03-03T10:00:00Z h sshd 9 - - Invalid user guest from 192.0.2.9 port 4';
    const frames = framer.push(Buffer.from(`${Buffer.byteLength(msg)} ${msg}`));
    const results = frames.flatMap((f, i) =>
      'message' in f ? parser.push(f.message.toString('utf8'), i + 1) : [],
    );
    const event = (results[0] as { event: AuditEvent }).event;
    expect(event).toMatchObject({ event: { action: 'ssh.invalid_user' }, user: { name: 'guest' } });
  });
});

describe('parse rate', () => {
  it('parses the OpenSSH_2k log as RFC 3164 and RFC 5424 messages at a measurable rate', () => {
    const raw = readFileSync(
      new URL('../../test/fixtures/loghub_openssh/OpenSSH_2k.log', import.meta.url),
      'utf8',
    );
    const lines = raw.split('\n').filter((l) => l.length > 0);
    const header = /^(\w{3} [ \d]\d \d\d:\d\d:\d\d) (\S+) (\w+)\[(\d+)\]: (.*?)\r?$/;
    const bsd = lines.map((l) => `<38>${l}`);
    const ietf = lines.map((l) => {
      const m = header.exec(l);
      if (!m) throw new Error(l);
      return `<38>1 2024-12-10T06:55:46.123456Z ${m[2]} ${m[3]} ${m[4]} - - ${m[5]}`;
    });
    for (const [name, messages] of [
      ['RFC 3164', bsd],
      ['RFC 5424', ietf],
    ] as const) {
      const parser = createSyslogParser({ now: Date.UTC(2025, 0, 15) });
      for (let r = 0; r < 5; r++) for (let i = 0; i < messages.length; i++) parser.push(messages[i] ?? '', i);
      const rounds = 100;
      let events = 0;
      const started = performance.now();
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < messages.length; i++) {
          for (const result of parser.push(messages[i] ?? '', i)) if ('event' in result) events++;
        }
      }
      const seconds = (performance.now() - started) / 1000;
      const rate = Math.round(events / seconds);
      console.log(`syslog ${name}: ${events} messages in ${seconds.toFixed(3)} s = ${rate} messages/s`);
      expect(events).toBe(rounds * messages.length);
      expect(rate).toBeGreaterThan(20_000); // loose floor for loaded CI; the target is 200,000 on an idle core
    }
  });
});
