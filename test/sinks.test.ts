// Alert sinks against local fakes on 127.0.0.1: SMTP dialogue with dot-stuffing, CEF escaping,
// syslog over TCP, and the dispatcher's retries, dead letters and exactly-one delivery.

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher } from '../src/sinks/dispatcher.js';
import type { AlertMessage, AlertSink } from '../src/sinks/sink.js';
import { dotStuff, sendMail } from '../src/sinks/smtp-sink.js';
import { cefHeader, cefMessage, cefValue, createSyslogSink } from '../src/sinks/syslog-sink.js';
import { createSinks } from '../src/sinks/index.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { tempDir } from './helpers/server.js';

const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function listen(onConn: (s: net.Socket) => void): Promise<number> {
  const server = net.createServer(onConn);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as net.AddressInfo).port;
}

const alert: AlertMessage = {
  id: 7,
  rule: { id: 'r1', title: 'Brute|force = bad\\x', level: 'high' },
  group: { 'source.ip': '198.51.100.9' },
  status: 'open',
  count: 3,
  first_seq: 1,
  last_seq: 9,
  first_time: '2024-01-01T00:00:00.000Z',
  last_time: '2024-01-01T00:01:00.000Z',
  created: '2024-01-01T00:01:00.000Z',
};

describe('SMTP', () => {
  it('speaks EHLO, AUTH PLAIN, MAIL/RCPT/DATA and dot-stuffs the body', async () => {
    const commands: string[] = [];
    let data = '';
    const port = await listen((sock) => {
      let inData = false;
      let buf = '';
      sock.write('220 fake ESMTP\r\n');
      sock.on('data', (chunk) => {
        buf += chunk.toString();
        let i: number;
        while ((i = buf.indexOf('\r\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (inData) {
            if (line === '.') {
              inData = false;
              sock.write('250 queued\r\n');
            } else data += line + '\n';
            continue;
          }
          commands.push(line);
          if (line.startsWith('EHLO')) sock.write('250-fake\r\n250 AUTH PLAIN\r\n');
          else if (line.startsWith('AUTH PLAIN')) sock.write('235 ok\r\n');
          else if (line === 'DATA') {
            inData = true;
            sock.write('354 go\r\n');
          } else if (line === 'QUIT') sock.end('221 bye\r\n');
          else sock.write('250 ok\r\n');
        }
      });
    });
    await sendMail(
      {
        name: 'mail',
        host: '127.0.0.1',
        port,
        from: 'stele@example.org',
        to: ['a@example.org'],
        username: 'u',
        password: 'p',
      },
      'Subject: x\r\n\r\nline\r\n.leading dot\r\n',
    );
    expect(commands[0]).toMatch(/^EHLO /);
    expect(commands[1]).toBe(`AUTH PLAIN ${Buffer.from('\u0000u\u0000p').toString('base64')}`);
    expect(commands.slice(2)).toEqual([
      'MAIL FROM:<stele@example.org>',
      'RCPT TO:<a@example.org>',
      'DATA',
      'QUIT',
    ]);
    expect(data).toContain('\n..leading dot\n');
    expect(dotStuff('.a\n..b\nc')).toBe('..a\r\n...b\r\nc');
  });

  it('fails on a rejected recipient', async () => {
    const port = await listen((sock) => {
      sock.write('220 fake\r\n');
      sock.on('data', (c) => {
        const l = c.toString();
        sock.write(
          l.startsWith('RCPT')
            ? '550 no such user\r\n'
            : l.startsWith('EHLO')
              ? '250 fake\r\n'
              : '250 ok\r\n',
        );
      });
    });
    await expect(
      sendMail({ name: 'm', host: '127.0.0.1', port, from: 's@x.org', to: ['b@x.org'] }, 'hi'),
    ).rejects.toThrow(/RCPT TO: server replied 550/);
  });
});

describe('CEF and syslog', () => {
  it('escapes | and \\ in the header, \\ = and newlines in extensions', () => {
    expect(cefHeader('a|b\\c\nd')).toBe('a\\|b\\\\c d');
    expect(cefValue('k=v\\x\r\ny|z')).toBe('k\\=v\\\\x\\r\\ny|z');
    const line = cefMessage(alert);
    expect(line.startsWith('CEF:0|Stele|Stele|0.1.0|r1|Brute\\|force = bad\\\\x|8|')).toBe(true);
    expect(line).toContain('cnt=3');
    expect(line).not.toMatch(/[\r\n]/);
  });

  it('forwards over TCP with octet counting', async () => {
    let got = '';
    const port = await listen((s) => s.on('data', (c) => (got += c.toString())));
    const sink = createSyslogSink({ name: 's', protocol: 'tcp', host: '127.0.0.1', port, hostname: 'h' });
    await sink.send(alert, 1);
    await new Promise((r) => setTimeout(r, 100));
    await sink.close?.();
    const m = /^(\d+) (<83>1 .*)$/s.exec(got);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(Buffer.byteLength(m![2]!));
  });
});

describe('configuration', () => {
  it('names the bad field', () => {
    expect(() => createSinks([{ type: 'webhook', url: 'ftp://x' }])).toThrow(/sinks\[0\]\.url/);
    expect(() => createSinks([{ type: 'webhook', url: 'https://x', secret_env: 'NOPE_UNSET' }], {})).toThrow(
      /sinks\[0\]\.secret_env: environment variable NOPE_UNSET/,
    );
    expect(() => createSinks([{ type: 'pager' }])).toThrow(/sinks\[0\]\.type/);
    expect(() => createSinks([{ type: 'email', host: 'h', from: 'a@b.c', to: [] }])).toThrow(
      /sinks\[0\]\.to/,
    );
  });
});

describe('dispatcher', () => {
  it('retries with backoff, delivers once, and dead-letters after max attempts', async () => {
    const store = new SqliteStore(tempDir());
    let now = 1_000_000;
    const clock = { now: () => now };
    await store.recordDetections({
      alerts: [
        { ruleKey: 'r1', ruleId: 'r1', title: 't', level: 'high', groupKey: '', group: null, seq: 0, ts: 0 },
      ],
      cursor: 0,
      seen: [],
      sinks: ['flaky', 'down'],
      dedupWindowMs: 0,
      now,
    });
    const sent: string[] = [];
    let flakyFailures = 1;
    const flaky: AlertSink = {
      name: 'flaky',
      type: 'test',
      async send() {
        if (flakyFailures-- > 0) throw new Error('503');
        sent.push('flaky');
      },
    };
    const down: AlertSink = {
      name: 'down',
      type: 'test',
      async send() {
        throw new Error('refused');
      },
    };
    const d = createDispatcher({
      store,
      clock,
      sinks: [
        { sink: flaky, maxAttempts: 5 },
        { sink: down, maxAttempts: 2 },
      ],
      baseDelayMs: 1000,
      random: () => 1,
      pollMs: 60_000,
    });
    await d.run();
    expect(sent).toEqual([]);
    expect(await store.dueDeliveries(now, 10)).toEqual([]); // both wait for their backoff
    now += 1000;
    await d.run();
    expect(sent).toEqual(['flaky']);
    now += 100_000;
    await d.run();
    await d.run();
    expect(sent).toEqual(['flaky']); // never twice
    const dead = await store.listDeadLetters();
    expect(dead).toMatchObject([{ sink: 'down', attempts: 2, error: 'refused' }]);
    await d.close();
    await store.close();
  });
});
