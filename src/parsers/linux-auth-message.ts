// Dispatches the message of one auth-log line on its program name (sshd, sudo, su, pkexec, polkitd,
// PAM modules, shadow-utils, logind, login, ftpd) and turns it into an event. Shared by the
// linux-auth and syslog parsers: whatever carried the line, `sshd: Accepted ...` is the same ssh.login.

import type { AuditEvent } from '../core/event.js';
import { ACCOUNT_PROGRAMS, parseAccountMessage } from './linux-auth-accounts.js';
import { buildAuthEvent, type AuthFacts } from './linux-auth-actions.js';
import { parsePamPrefixed, parsePamText, type MessageContext } from './linux-auth-pam.js';
import {
  parseConsoleLoginMessage,
  parseFtpdMessage,
  parseGdmMessage,
  parseKlogindMessage,
  parseLogindMessage,
  parsePolkitMessage,
} from './linux-auth-services.js';
import { parseSshdMessage } from './linux-auth-sshd.js';
import { parsePkexecMessage, parseSudoMessage, parseSuMessage } from './linux-auth-sudo.js';

export const LINUX_AUTH_DATASET = 'linux.auth';

type Handler = (message: string, ctx: MessageContext) => AuthFacts | undefined;

const HANDLERS = new Map<string, Handler>([
  ['sshd', parseSshdMessage],
  ['sshd-session', parseSshdMessage], // OpenSSH 9.8+ per-connection binary
  ['sshd-auth', parseSshdMessage], // OpenSSH 10 pre-authentication binary
  ['sudo', parseSudoMessage],
  ['su', parseSuMessage],
  ['pkexec', parsePkexecMessage],
  ['polkitd', parsePolkitMessage],
  ['polkitd(authority=local)', parsePolkitMessage], // polkit < 0.106 names its backend in the tag
  ['systemd-logind', parseLogindMessage],
  ['login', parseConsoleLoginMessage],
  ['ftpd', parseFtpdMessage],
  ['in.ftpd', parseFtpdMessage],
  ['klogind', parseKlogindMessage],
  ['gdm', parseGdmMessage],
  ['gdm-binary', parseGdmMessage],
  ['gdm-password', parseGdmMessage],
  ...ACCOUNT_PROGRAMS.map((p): [string, Handler] => [p, parseAccountMessage]),
]);

/** Programs whose messages parseAuthMessage understands (PAM lines of any program as well). */
export const AUTH_PROGRAMS: ReadonlySet<string> = new Set(HANDLERS.keys());

const REPEATED = /^message repeated (\d+) times: \[ ?(.*)\]$/;
const PROGRAM_WITH_MODULE = /^(.+)\((pam_\w+)\)$/;
const IPV4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])/g;

/** Program name without path and without the `(pam_unix)` suffix of old Red Hat logs. */
export function normalizeProgram(program: string): { name: string; pamModule?: string } {
  const slash = program.lastIndexOf('/');
  const name = slash >= 0 ? program.slice(slash + 1) : program;
  if (!name.endsWith(')')) return { name };
  const m = PROGRAM_WITH_MODULE.exec(name);
  return m ? { name: m[1] ?? name, pamModule: m[2] } : { name };
}

/**
 * Turns one auth-log message into an event: `base` (the record's @timestamp, host, event.original
 * and whatever the caller adds, built for this one record) is completed in place and returned.
 * Messages that are not access records become `system.message` events with outcome unknown.
 * Never throws on any input text.
 */
export function parseAuthMessage(
  program: string,
  pid: number | undefined,
  message: string,
  base: AuditEvent,
): AuditEvent {
  const { name, pamModule } = normalizeProgram(program);
  const ctx: MessageContext = { program: name, pid };
  let text = message;
  let repeated: string | undefined;
  const rep = text.startsWith('message repeated ') ? REPEATED.exec(text) : null;
  if (rep) {
    repeated = rep[1];
    text = rep[2] ?? '';
  }
  const facts = readFacts(name, pamModule, text, ctx);
  const event = base;
  const ev = event.event ?? {};
  ev.dataset = LINUX_AUTH_DATASET;
  event.event = ev;
  const process = event.process ?? {};
  process.name = name;
  if (pid !== undefined) process.pid = pid;
  event.process = process;
  if (!facts) {
    const other: AuthFacts = { action: 'system.message', outcome: 'unknown', relatedIps: findIpv4(text) };
    if (pamModule) other.labels = { pam_module: pamModule };
    return buildAuthEvent(event, other);
  }
  if (repeated) {
    facts.labels ??= {};
    facts.labels.repeat_count = repeated;
  }
  return buildAuthEvent(event, facts);
}

function readFacts(name: string, pamModule: string | undefined, text: string, ctx: MessageContext) {
  if (pamModule) return parsePamText(pamModule, name, text, ctx);
  if (text.startsWith('pam_')) return parsePamPrefixed(text, ctx);
  const handler = HANDLERS.get(name);
  const facts = handler?.(text, ctx);
  if (facts || handler === parseConsoleLoginMessage) return facts;
  const c = text.charCodeAt(0);
  return c === 82 /* R */ || c === 76 /* L */ || c === 70 /* F */
    ? parseConsoleLoginMessage(text)
    : undefined;
}

/** IPv4 addresses mentioned in free text, for related.ip (at most 16). */
export function findIpv4(text: string): string[] | undefined {
  if (text.indexOf('.') < 0) return undefined;
  const found = text.match(IPV4);
  if (!found) return undefined;
  const ips = found.filter((ip) => ip.split('.').every((octet) => Number(octet) <= 255));
  return ips.length > 0 ? ips.slice(0, 16) : undefined;
}
