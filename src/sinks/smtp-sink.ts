// E-mail over SMTP with node:net (RFC 5321): EHLO, STARTTLS when the server offers it and it is
// enabled (RFC 3207), AUTH PLAIN when configured (RFC 4616), MAIL FROM / RCPT TO / DATA with
// dot-stuffing (RFC 5321 4.5.2). Credentials never go over a cleartext connection to a remote host.

import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import { SteleError } from '../core/errors.js';
import { alertSummary, type AlertMessage, type AlertSink } from './sink.js';

export interface SmtpSinkOptions {
  name: string;
  host: string;
  port: number;
  from: string;
  to: string[];
  /** Upgrade with STARTTLS when offered (default true). */
  starttls?: boolean;
  /** Verify the server certificate after STARTTLS (default true). */
  rejectUnauthorized?: boolean;
  username?: string;
  password?: string;
  timeoutMs?: number;
  /** EHLO name (default: this host's name). */
  helo?: string;
}

interface Reply {
  code: number;
  lines: string[];
}

/** Reads SMTP replies (multi-line `250-...` up to `250 ...`) from a socket, one at a time. */
class ReplyReader {
  private buffer = '';
  private lines: string[] = [];
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private readonly replies: Reply[] = [];

  constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.feed(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  detach(): void {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('error');
    this.socket.removeAllListeners('close');
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    if (this.buffer.length > 1 << 20) return this.fail(new Error('reply too long'));
    let i: number;
    while ((i = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, i).replace(/\r$/, '');
      this.buffer = this.buffer.slice(i + 1);
      this.lines.push(line);
      if (/^\d{3}(?: |$)/.test(line)) {
        const reply = { code: Number(line.slice(0, 3)), lines: this.lines.map((l) => l.slice(4)) };
        this.lines = [];
        const w = this.waiting;
        this.waiting = undefined;
        if (w) w.resolve(reply);
        else this.replies.push(reply);
      }
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(err);
  }

  next(): Promise<Reply> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }
}

/** RFC 5321 4.5.2: a line starting with a dot gets one more; line ends become CRLF. */
export function dotStuff(body: string): string {
  return body
    .replace(/\r?\n/g, '\r\n')
    .split('\r\n')
    .map((l) => (l.startsWith('.') ? `.${l}` : l))
    .join('\r\n');
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

export function emailMessage(alert: AlertMessage, from: string, to: string[]): string {
  const subject = `Stele alert: ${alert.rule.title}`.replace(/[\r\n]+/g, ' ');
  return [
    `From: ${from}`,
    `To: ${to.join(', ')}`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    alertSummary(alert),
    '',
    JSON.stringify(alert, null, 2),
    '',
  ].join('\r\n');
}

export async function sendMail(options: SmtpSinkOptions, message: string): Promise<void> {
  const timeout = options.timeoutMs ?? 30_000;
  let socket: net.Socket = net.connect(options.port, options.host);
  socket.setTimeout(timeout, () => socket.destroy(new Error('timed out')));
  let reader = new ReplyReader(socket);
  const expect = async (codes: number[], what: string): Promise<Reply> => {
    const reply = await reader.next();
    if (!codes.includes(reply.code))
      throw new Error(`${what}: server replied ${reply.code} ${reply.lines.join(' ')}`.trim());
    return reply;
  };
  const command = async (line: string, codes: number[], what = line.split(' ')[0] ?? line) => {
    socket.write(`${line}\r\n`);
    return expect(codes, what);
  };
  const helo = (options.helo ?? os.hostname()) || 'localhost';
  try {
    await expect([220], 'greeting');
    let ehlo = await command(`EHLO ${helo}`, [250], 'EHLO');
    const offers = (r: Reply, ext: string) => r.lines.some((l) => l.toUpperCase().split(' ')[0] === ext);
    let secure = false;
    if ((options.starttls ?? true) && offers(ehlo, 'STARTTLS')) {
      await command('STARTTLS', [220]);
      reader.detach();
      socket = tls.connect({
        socket,
        servername: net.isIP(options.host) ? undefined : options.host,
        rejectUnauthorized: options.rejectUnauthorized ?? true,
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', () => resolve());
        socket.once('error', reject);
      });
      reader = new ReplyReader(socket);
      secure = true;
      ehlo = await command(`EHLO ${helo}`, [250], 'EHLO');
    }
    if (options.username !== undefined) {
      if (!secure && !isLoopback(options.host))
        throw new Error('refusing AUTH over a cleartext connection (the server did not offer STARTTLS)');
      const token = Buffer.from(`\u0000${options.username}\u0000${options.password ?? ''}`).toString(
        'base64',
      );
      await command(`AUTH PLAIN ${token}`, [235], 'AUTH');
    }
    await command(`MAIL FROM:<${options.from}>`, [250], 'MAIL FROM');
    for (const rcpt of options.to) await command(`RCPT TO:<${rcpt}>`, [250, 251], 'RCPT TO');
    await command('DATA', [354]);
    socket.write(`${dotStuff(message)}\r\n.\r\n`);
    await expect([250], 'message');
    socket.write('QUIT\r\n');
    await reader.next().catch(() => undefined);
  } finally {
    socket.destroy();
  }
}

export function createSmtpSink(options: SmtpSinkOptions): AlertSink {
  return {
    name: options.name,
    type: 'email',
    async send(alert) {
      try {
        await sendMail(options, emailMessage(alert, options.from, options.to));
      } catch (err) {
        throw new SteleError('unavailable', `${options.name}: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}
