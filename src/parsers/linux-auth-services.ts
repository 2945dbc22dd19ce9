// Other access-related services found in auth logs: systemd-logind sessions, login(1) on a console,
// ftpd connections and logins, klogind (Kerberos rlogin) and gdm authentication failures.

import type { AuthFacts } from './linux-auth-actions.js';

const NEW_SESSION = /^New session (\S+) of user (\S+?)\.?$/;
const REMOVED_SESSION = /^Removed session (\S+?)\.?$/;

export function parseLogindMessage(message: string): AuthFacts | undefined {
  let m = NEW_SESSION.exec(message);
  if (m) return { action: 'session.start', outcome: 'success', user: m[2], session: `logind/${m[1] ?? ''}` };
  m = REMOVED_SESSION.exec(message);
  if (m) return { action: 'session.end', outcome: 'success', session: `logind/${m[1] ?? ''}` };
  return undefined;
}

const ROOT_LOGIN = /^ROOT LOGIN ON (\S+)(?: FROM (\S+))?/;
const LOGIN_ON = /^LOGIN ON (\S+) BY (\S+)(?: FROM (\S+))?/;
// shadow-utils: `FAILED LOGIN 1 FROM tty1 FOR root, Authentication failure`;
// util-linux: `FAILED LOGIN 1 FROM tty1 FOR root, Authentication failure` or `... on '/dev/tty1' FOR 'root', ...`.
const FAILED_LOGIN = /^FAILED LOGIN \(?(\d+)\)? (?:FROM|on) '?(\S+?)'? FOR '?(.*?)'?, (.*)$/;

/** Console logins: recognized by their text whatever the tag (old logins log as `-- root[pid]`). */
export function parseConsoleLoginMessage(message: string): AuthFacts | undefined {
  const text = message.trimEnd();
  let m = ROOT_LOGIN.exec(text);
  if (m) return consoleLogin(true, 'root', m[1], m[2]);
  m = LOGIN_ON.exec(text);
  if (m) return consoleLogin(true, m[2], m[1], m[3]);
  m = FAILED_LOGIN.exec(text);
  if (m) {
    const facts = consoleLogin(false, m[3], m[2], undefined);
    facts.reason = m[4];
    return facts;
  }
  return undefined;
}

function consoleLogin(
  success: boolean,
  user: string | undefined,
  tty: string | undefined,
  from: string | undefined,
) {
  const facts: AuthFacts = { action: 'console.login', outcome: success ? 'success' : 'failure' };
  if (user) facts.user = user;
  if (tty) facts.labels = { tty };
  if (from) facts.source = from;
  return facts;
}

const FTP_CONNECTION = /^connection from (\S+) \(([^)]*)\)/;
const FTP_ANONYMOUS = /^ANONYMOUS FTP LOGIN FROM (\S+?),/;
const FTP_LOGIN = /^FTP LOGIN FROM (\S+?)(?: \[(\S+)\])?, (\S+)$/;
const FTP_FAILED = /^FAILED FTP LOGIN FROM (\S+?)(?: \[(\S+)\])?, (\S+)$/;
const FTP_TIMEOUT = /^User (\S+) timed out after (\d+) seconds/;

export function parseFtpdMessage(message: string): AuthFacts | undefined {
  const text = message.trimEnd();
  let m = FTP_CONNECTION.exec(text);
  if (m) {
    const facts: AuthFacts = { action: 'ftp.connect', outcome: 'success', source: m[1] };
    if (m[2] && m[2] !== m[1]) facts.relatedHosts = [m[2]];
    return facts;
  }
  m = FTP_ANONYMOUS.exec(text);
  if (m) return { action: 'ftp.login', outcome: 'success', user: 'anonymous', source: m[1] };
  m = FTP_LOGIN.exec(text) ?? FTP_FAILED.exec(text);
  if (m) {
    const success = text.startsWith('FTP');
    const facts: AuthFacts = { action: 'ftp.login', outcome: success ? 'success' : 'failure', user: m[3] };
    facts.source = m[2] ?? m[1];
    if (m[2]) facts.relatedHosts = [m[1] ?? ''];
    if (!success) facts.reason = 'login failed';
    return facts;
  }
  m = FTP_TIMEOUT.exec(text);
  if (m) {
    // wu-ftpd writes "User unknown" before anyone logged in.
    const facts: AuthFacts = {
      action: 'ftp.disconnect',
      outcome: 'failure',
      reason: `timed out after ${m[2]} seconds`,
    };
    if (m[1] !== 'unknown') facts.user = m[1];
    return facts;
  }
  return undefined;
}

const KLOGIND_FAILED = /^Authentication failed from (\S+) \(([^)]*)\): (.*)$/;

export function parseKlogindMessage(message: string): AuthFacts | undefined {
  const text = message.trimEnd();
  const m = KLOGIND_FAILED.exec(text);
  if (m) {
    const facts: AuthFacts = { action: 'auth.failure', outcome: 'failure', source: m[1], reason: m[3] };
    if (m[2] && m[2] !== m[1]) facts.relatedHosts = [m[2]];
    return facts;
  }
  if (text === 'Kerberos authentication failed') {
    return { action: 'auth.failure', outcome: 'failure', reason: 'Kerberos authentication failed' };
  }
  return undefined;
}

export function parseGdmMessage(message: string): AuthFacts | undefined {
  const text = message.trimEnd();
  if (text === "Couldn't authenticate user") {
    return { action: 'auth.failure', outcome: 'failure', reason: "couldn't authenticate user" };
  }
  return undefined;
}
