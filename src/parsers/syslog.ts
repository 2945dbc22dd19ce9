// The `syslog` format: one RFC 5424 or RFC 3164 message per line (or per frame, see
// syslog-framing.ts). Messages of auth programs (sshd, sudo, su, PAM, shadow-utils...) go through
// parseAuthMessage, so sshd inside syslog is still ssh.login; the rest become system.message events.
// Syslog header fields are kept under ECS `log.syslog.*`.

import type { AuditEvent } from '../core/event.js';
import { buildAuthEvent } from './linux-auth-actions.js';
import { AUTH_PROGRAMS, findIpv4, normalizeProgram, parseAuthMessage } from './linux-auth-message.js';
import { MAX_LINE_CHARS } from './linux-auth.js';
import { createLineParser, type ParserOptions, type RecordParser } from './parser.js';
import { parseSyslogMessage, type StructuredData, type SyslogMessage } from './syslog-message.js';
import { createZoneClock, readLogTime, type ZoneClock } from './syslog-time.js';

export {
  parseSyslogMessage,
  type StructuredData,
  type SyslogMessage,
  type SyslogParseOptions,
  type SyslogParseResult,
} from './syslog-message.js';
export {
  createSyslogFramer,
  readOctetFrame,
  splitOctetCounted,
  DEFAULT_MAX_FRAME_SIZE,
  type SyslogFrame,
  type SyslogFramer,
  type SyslogFramerOptions,
  type SyslogFraming,
} from './syslog-framing.js';

export const SYSLOG_DATASET = 'syslog';

// RFC 5424 6.2.1 table 1 (keywords as syslog.conf spells them) and table 2.
const FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp',
  'security', 'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
]; // prettier-ignore
const SEVERITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'];

/** ECS `log.syslog` (https://www.elastic.co/guide/en/ecs/current/ecs-log.html). */
export interface LogSyslog {
  priority: number;
  facility: { code: number; name: string };
  severity: { code: number; name: string };
  version?: number;
  hostname?: string;
  appname?: string;
  procid?: string;
  msgid?: string;
  structured_data?: StructuredData;
}

export type SyslogEvent = AuditEvent & { log?: { syslog: LogSyslog } };

export interface SyslogParserOptions extends ParserOptions {
  /** Reject RFC 5424 messages whose MSG starts with a BOM but is not UTF-8 (default false). */
  compliantMsg?: boolean;
}

export function createSyslogParser(options: SyslogParserOptions): RecordParser {
  const clock = createZoneClock(options.now, options.timezone);
  return createLineParser('syslog', (line) => parseSyslogLine(line, clock, options));
}

/** One message (a line or a decoded frame): an event, a rejection, or undefined if blank. */
export function parseSyslogLine(
  raw: string,
  clock: ZoneClock,
  options: SyslogParserOptions,
): { event: SyslogEvent } | { error: string } | undefined {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line.length > MAX_LINE_CHARS) {
    return { error: `message of ${line.length} characters exceeds the ${MAX_LINE_CHARS}-character limit` };
  }
  if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === '')) return undefined;
  const parsed = parseSyslogMessage(line, { compliantMsg: options.compliantMsg });
  if ('error' in parsed) return parsed;
  const time = messageTime(parsed, clock, options.now);
  if (time === undefined) return { error: `no such date: '${parsed.timestamp ?? ''}'` };
  return { event: syslogToEvent(parsed, line, clock.format(time), options) };
}

function messageTime(message: SyslogMessage, clock: ZoneClock, now: number): number | undefined {
  const ts = message.timestamp;
  if (ts === undefined) return now; // RFC 5424 NILVALUE: the receiver's time is the best there is
  return readLogTime(ts, 0, clock)?.epoch;
}

/**
 * Maps a decoded message to an event; auth programs' messages are parsed by parseAuthMessage.
 * `timestamp` is the event's @timestamp (RFC 3339 UTC), resolved by the caller.
 */
export function syslogToEvent(
  message: SyslogMessage,
  original: string,
  timestamp: string,
  options: Pick<ParserOptions, 'hostname' | 'keepOriginal'>,
): SyslogEvent {
  const syslog: LogSyslog = {
    priority: message.priority,
    facility: { code: message.facility, name: FACILITIES[message.facility] ?? String(message.facility) },
    severity: { code: message.severity, name: SEVERITIES[message.severity] ?? String(message.severity) },
  };
  if (message.version !== undefined) syslog.version = message.version;
  if (message.hostname !== undefined) syslog.hostname = message.hostname;
  if (message.appName !== undefined) syslog.appname = message.appName;
  if (message.procId !== undefined) syslog.procid = message.procId;
  if (message.msgId !== undefined) syslog.msgid = message.msgId;
  if (message.structuredData !== undefined) syslog.structured_data = message.structuredData;

  const ev: NonNullable<AuditEvent['event']> = { dataset: SYSLOG_DATASET, severity: message.severity };
  if (options.keepOriginal !== false) ev.original = original;
  const base: SyslogEvent = { '@timestamp': timestamp, event: ev, log: { syslog } };
  if (message.timestamp === undefined) base.tags = ['timestamp_from_receiver'];
  if (message.msg !== undefined) base.message = message.msg;
  const hostname = message.hostname ?? options.hostname;
  if (hostname !== undefined) base.host = { name: hostname };
  const pid =
    message.procId !== undefined && /^\d{1,10}$/.test(message.procId) ? Number(message.procId) : undefined;
  if (message.appName !== undefined) {
    base.process = pid === undefined ? { name: message.appName } : { name: message.appName, pid };
    if (isAuthMessage(message.appName, message.msg)) {
      return parseAuthMessage(message.appName, pid, message.msg ?? '', base);
    }
  }
  const relatedIps = message.msg === undefined ? undefined : findIpv4(message.msg);
  return buildAuthEvent(base, { action: 'system.message', outcome: 'unknown', relatedIps });
}

function isAuthMessage(appName: string, msg: string | undefined): boolean {
  const { name, pamModule } = normalizeProgram(appName);
  return AUTH_PROGRAMS.has(name) || pamModule !== undefined || (msg?.startsWith('pam_') ?? false);
}
