// The `linux-auth` format: /var/log/auth.log and /var/log/secure lines
// (`Mmm dd hh:mm:ss host program[pid]: message`, or an RFC 3339 timestamp as newer rsyslog writes).
// The header is read here; the message is handed to parseAuthMessage.

import type { AuditEvent } from '../core/event.js';
import { buildAuthEvent } from './linux-auth-actions.js';
import { LINUX_AUTH_DATASET, parseAuthMessage } from './linux-auth-message.js';
import { createLineParser, type ParserOptions, type RecordParser } from './parser.js';
import { createZoneClock, readLogTime, type ZoneClock } from './syslog-time.js';

export { LINUX_AUTH_ACTIONS, type AuthFacts } from './linux-auth-actions.js';
export {
  AUTH_PROGRAMS,
  LINUX_AUTH_DATASET,
  normalizeProgram,
  parseAuthMessage,
} from './linux-auth-message.js';

/** Longest line accepted, in characters (UTF-16 code units); longer ones are rejected unread. */
export const MAX_LINE_CHARS = 64 * 1024;

// Years 0001 to 9999: what an RFC 3339 @timestamp can carry (an offset can push 0001-01-01 back).
const MIN_EPOCH = -62135596800000; // 0001-01-01T00:00:00Z
const MAX_EPOCH = 253402300799999; // 9999-12-31T23:59:59.999Z

// Tag: one to three words (old syslogds wrote `syslogd 1.4.1:` and `-- root[2421]:`), an optional
// [pid], a colon. Character classes exclude the separators, so the match never backtracks far.
const TAG = /([^\s[\]:]{1,128}(?: [^\s[\]:]{1,64}){0,2})(?:\[([^\]\s]{0,32})\])?:(?: |$)/y;
const REPEATED = /^(?:---? )?last message repeated \d+ times?(?: ---)?$/;

export type LineResult = { event: AuditEvent } | { error: string } | undefined;

export function createLinuxAuthParser(options: ParserOptions): RecordParser {
  const clock = createZoneClock(options.now, options.timezone);
  const keepOriginal = options.keepOriginal !== false;
  return createLineParser('linux-auth', (line) =>
    parseLinuxAuthLine(line, clock, keepOriginal, options.hostname),
  );
}

/**
 * One line without its terminator: an event, a rejection, or undefined for a blank line.
 * `defaultHost` stands in for a host name the line lacks (syslogds that log locally without one).
 */
export function parseLinuxAuthLine(
  raw: string,
  clock: ZoneClock,
  keepOriginal = true,
  defaultHost?: string,
): LineResult {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line.length > MAX_LINE_CHARS) {
    return { error: `line of ${line.length} characters exceeds the ${MAX_LINE_CHARS}-character limit` };
  }
  if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === '')) return undefined;

  const time = readLogTime(line, 0, clock);
  if (!time)
    return { error: "no timestamp: expected 'Mmm dd hh:mm:ss' or RFC 3339 at the start of the line" };
  const epoch = time.epoch;
  if (epoch === undefined) return { error: `no such date: '${line.slice(0, time.end)}'` };
  let pos = time.end;
  if (!(epoch >= MIN_EPOCH && epoch <= MAX_EPOCH)) return { error: 'timestamp out of range' };
  if (line.charCodeAt(pos) !== 32) return { error: `no space after the timestamp (column ${pos + 1})` };
  pos = skipSpaces(line, pos);

  const hostEnd = line.indexOf(' ', pos);
  if (hostEnd <= pos) return { error: `no host name and program after the timestamp (column ${pos + 1})` };
  let host: string | undefined = line.slice(pos, hostEnd);
  if (host.endsWith(':')) {
    // `Mmm dd hh:mm:ss sshd[1]: ...`: a tag where the host name belongs.
    if (defaultHost === undefined) {
      return {
        error: `no host name before the program tag (column ${pos + 1}); configure a default host name`,
      };
    }
    host = defaultHost;
  } else {
    pos = skipSpaces(line, hostEnd);
  }

  const base: AuditEvent = {
    '@timestamp': clock.format(epoch),
    event: keepOriginal ? { dataset: LINUX_AUTH_DATASET, original: line } : { dataset: LINUX_AUTH_DATASET },
    host: { name: host },
  };
  TAG.lastIndex = pos;
  const tag = TAG.exec(line);
  if (!tag) {
    const rest = line.slice(pos);
    if (!REPEATED.test(rest))
      return { error: `no program tag ('program[pid]: ') after the host name (column ${pos + 1})` };
    base.message = rest;
    return { event: buildAuthEvent(base, { action: 'system.message', outcome: 'unknown' }) };
  }
  const program = tag[1] ?? '';
  const pidText = tag[2];
  const pid = pidText && /^\d{1,10}$/.test(pidText) ? Number(pidText) : undefined;
  const message = line.slice(TAG.lastIndex);
  if (message.length > 0) base.message = message;
  return { event: parseAuthMessage(program, pid, message, base) };
}

function skipSpaces(text: string, pos: number): number {
  let i = pos;
  while (text.charCodeAt(i) === 32) i++;
  return i;
}
