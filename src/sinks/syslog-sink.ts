// Syslog forwarding of alerts as CEF (ArcSight Common Event Format, "Implementing ArcSight CEF"
// rev. 25) inside RFC 5424 messages, over UDP (one datagram each) or TCP (RFC 6587 octet counting).

import dgram from 'node:dgram';
import net from 'node:net';
import { SteleError } from '../core/errors.js';
import type { AlertMessage, AlertSink } from './sink.js';

/** CEF header fields: backslash and pipe are escaped; a line break cannot appear, so it becomes a space. */
export function cefHeader(value: string): string {
  return value.replace(/[\\|]/g, (c) => `\\${c}`).replace(/\r\n|[\r\n]/g, ' ');
}

/** CEF extension values: backslash and equals are escaped, line breaks written as \n and \r. */
export function cefValue(value: string): string {
  return value
    .replace(/[\\=]/g, (c) => `\\${c}`)
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n');
}

const CEF_SEVERITY: Record<string, number> = { informational: 1, low: 3, medium: 5, high: 8, critical: 10 };
const SYSLOG_SEVERITY: Record<string, number> = { informational: 6, low: 5, medium: 4, high: 3, critical: 2 };

export function cefMessage(alert: AlertMessage): string {
  const level = alert.rule.level ?? 'medium';
  const ext: Array<[string, string]> = [
    ['rt', String(Date.parse(alert.last_time))],
    ['cnt', String(alert.count)],
    ['externalId', String(alert.id)],
    ['cs1Label', 'group'],
    ['cs1', alert.group ? JSON.stringify(alert.group) : ''],
    ['cs2Label', 'seqs'],
    ['cs2', `${alert.first_seq}-${alert.last_seq}`],
  ];
  const header = [
    'CEF:0',
    'Stele',
    'Stele',
    '0.1.0',
    alert.rule.id ?? alert.rule.title,
    alert.rule.title,
    String(CEF_SEVERITY[level] ?? 5),
  ]
    .map((f, i) => (i === 0 ? f : cefHeader(f)))
    .join('|');
  return `${header}|${ext.map(([k, v]) => `${k}=${cefValue(v)}`).join(' ')}`;
}

/** RFC 5424: facility authpriv (10), severity from the alert level. */
export function syslogLine(alert: AlertMessage, hostname: string): string {
  const pri = 10 * 8 + (SYSLOG_SEVERITY[alert.rule.level ?? 'medium'] ?? 4);
  return `<${pri}>1 ${new Date().toISOString()} ${hostname || '-'} stele - alert - ${cefMessage(alert)}`;
}

export interface SyslogSinkOptions {
  name: string;
  protocol: 'udp' | 'tcp';
  host: string;
  port: number;
  hostname: string;
  timeoutMs?: number;
}

export function createSyslogSink(options: SyslogSinkOptions): AlertSink {
  let tcp: net.Socket | undefined;
  const timeout = options.timeoutMs ?? 10_000;
  const connectTcp = () =>
    new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(options.port, options.host);
      s.setTimeout(timeout, () => s.destroy(new Error('timed out')));
      s.once('connect', () => resolve(s));
      s.once('error', reject);
      s.on('close', () => {
        if (tcp === s) tcp = undefined;
      });
    });
  return {
    name: options.name,
    type: 'syslog',
    async send(alert) {
      const line = Buffer.from(syslogLine(alert, options.hostname));
      try {
        if (options.protocol === 'udp') {
          const socket = dgram.createSocket(net.isIPv6(options.host) ? 'udp6' : 'udp4');
          await new Promise<void>((resolve, reject) =>
            socket.send(line, options.port, options.host, (err) => (err ? reject(err) : resolve())),
          ).finally(() => socket.close());
          return;
        }
        tcp ??= await connectTcp();
        const socket = tcp;
        await new Promise<void>((resolve, reject) =>
          socket.write(Buffer.concat([Buffer.from(`${line.length} `), line]), (err) =>
            err ? reject(err) : resolve(),
          ),
        );
      } catch (err) {
        tcp?.destroy();
        tcp = undefined;
        throw new SteleError('unavailable', `${options.name}: ${(err as Error).message}`, { cause: err });
      }
    },
    async close() {
      tcp?.end();
      tcp = undefined;
    },
  };
}
