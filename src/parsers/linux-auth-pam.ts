// PAM module messages, whichever program logs them: `pam_unix(sshd:auth): authentication failure;
// logname= uid=0 ... rhost=IP user=X`, session opened/closed, password changes, faillock lockouts.
// Old Red Hat syslogs name the module in the tag instead: `sshd(pam_unix)[pid]: ...`.

import type { AuthFacts } from './linux-auth-actions.js';

export interface MessageContext {
  /** Program name as normalized by the dispatcher (no path, no `(pam_unix)` suffix). */
  program: string;
  pid: number | undefined;
}

const PAM_PREFIX = /^(pam_[\w-]{1,32})\(([^:()\s]{1,64}):(\w{1,16})\): /;
const SESSION = /^session (opened|closed) for user (\S+?)(?:\(uid=(\d+)\))?(?: by (\S*?)\(uid=(\d+)\))?$/;
const PASSWORD_CHANGED = /^password changed for (\S+)$/;
const NO_PASSWORD = /^auth could not identify password for \[(.*)\]$/;
const FAILLOCK = /^Consecutive login failures for user (\S+) account temporarily locked/;
const TALLY = /^user (\S+) \((\d+)\) tally (\d+), deny (\d+)/;
const SSS = /^received for user (\S+): (\d+) \((.*)\)$/;
const EXPIRED = /^account (\S+) has expired \((.*)\)$/;
const NOT_MET = /^requirement "(.*)" not met by user "(.*)"$/;

/** `key=value` pairs separated by spaces; values may be empty (`ruser= rhost=`). */
export function parsePamKv(text: string): Record<string, string> {
  const kv: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const token of text.split(' ')) {
    const eq = token.indexOf('=');
    if (eq > 0) kv[token.slice(0, eq)] = token.slice(eq + 1);
  }
  return kv;
}

/** Facts of an `authentication failure; logname= uid= euid= tty= ruser= rhost= user=` line. */
export function pamFailureFacts(kv: Record<string, string>): AuthFacts {
  const facts: AuthFacts = { action: 'auth.failure', outcome: 'failure', reason: 'authentication failure' };
  if (kv.user) facts.user = kv.user;
  if (kv.rhost) facts.source = kv.rhost;
  const others = [kv.ruser, kv.logname].filter((u): u is string => !!u);
  if (others.length > 0) facts.relatedUsers = others;
  if (kv.tty) facts.labels = { tty: kv.tty };
  return facts;
}

/** A message starting with `pam_module(service:type): `, or undefined. */
export function parsePamPrefixed(message: string, ctx: MessageContext): AuthFacts | undefined {
  const m = PAM_PREFIX.exec(message);
  if (!m) return undefined;
  return parsePamText(m[1] ?? '', m[2] ?? '', message.slice(m[0].length), ctx);
}

/** The text after the PAM prefix (or of an old `program(pam_unix)` line). */
export function parsePamText(
  module: string,
  service: string,
  raw: string,
  ctx: MessageContext,
): AuthFacts | undefined {
  const facts = parseText(raw.trimEnd(), ctx);
  if (facts) {
    facts.labels ??= {};
    facts.labels.pam_module = module;
    facts.labels.pam_service = service;
  }
  return facts;
}

function parseText(text: string, ctx: MessageContext): AuthFacts | undefined {
  if (text.startsWith('authentication failure;')) return pamFailureFacts(parsePamKv(text.slice(23)));
  if (text.startsWith('session ')) return session(text, ctx);
  if (text === 'check pass; user unknown') {
    return { action: 'auth.failure', outcome: 'failure', reason: 'user unknown' };
  }
  let m = PASSWORD_CHANGED.exec(text);
  if (m) return { action: 'user.password_change', outcome: 'success', targetUser: m[1] };
  m = NO_PASSWORD.exec(text);
  if (m)
    return { action: 'auth.failure', outcome: 'failure', user: m[1], reason: 'could not identify password' };
  m = FAILLOCK.exec(text) ?? TALLY.exec(text);
  if (m)
    return { action: 'auth.lockout', outcome: 'failure', user: m[1], reason: 'account temporarily locked' };
  m = SSS.exec(text);
  if (m && m[2] !== '0') return { action: 'auth.failure', outcome: 'failure', user: m[1], reason: m[3] };
  m = EXPIRED.exec(text);
  if (m) return { action: 'auth.failure', outcome: 'failure', user: m[1], reason: m[2] };
  m = NOT_MET.exec(text);
  if (m)
    return {
      action: 'auth.failure',
      outcome: 'failure',
      user: m[2],
      reason: `requirement "${m[1]}" not met`,
    };
  return undefined;
}

// "session opened for user root(uid=0) by alice(uid=1000)": when a named user opened it (su, sudo),
// that user acted and the session user is the effective one; "by (uid=0)" / "by LOGIN(uid=0)" is
// the service itself, so the session user is the actor.
function session(text: string, ctx: MessageContext): AuthFacts | undefined {
  const m = SESSION.exec(text);
  if (!m) return undefined;
  const opened = m[1] === 'opened';
  const sessionUser = m[2] ?? '';
  const by = m[4];
  const facts: AuthFacts = { action: opened ? 'session.start' : 'session.end', outcome: 'success' };
  if (by && by !== 'LOGIN' && by !== sessionUser) {
    facts.user = by;
    facts.userId = m[5];
    facts.effectiveUser = sessionUser;
    facts.effectiveUserId = m[3];
  } else {
    facts.user = sessionUser;
    facts.userId = m[3];
  }
  if (ctx.pid !== undefined) facts.session = `${ctx.program}/${ctx.pid}`;
  return facts;
}
