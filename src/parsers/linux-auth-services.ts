// Other access-related services found in auth logs: systemd-logind sessions, login(1) on a console,
// ftpd connections and logins, klogind (Kerberos rlogin) and gdm authentication failures.

import type { AuthFacts } from './linux-auth-actions.js';

// systemd 258 quotes both and adds the class and type: `New session '7' of user 'alice' with class ...`.
const NEW_SESSION = /^New session '?([^\s']+?)'? of user '?([^\s']+?)'?(?: with class .*)?\.?$/;
const REMOVED_SESSION = /^Removed session '?([^\s']+?)'?\.?$/;

export function parseLogindMessage(message: string): AuthFacts | undefined {
  let m = NEW_SESSION.exec(message);
  if (m) return { action: 'session.start', outcome: 'success', user: m[2], session: `logind/${m[1] ?? ''}` };
  m = REMOVED_SESSION.exec(message);
  if (m) return { action: 'session.end', outcome: 'success', session: `logind/${m[1] ?? ''}` };
  return undefined;
}

const ROOT_LOGIN = /^ROOT LOGIN ON (\S+)(?: FROM (\S+))?/;
const LOGIN_ON = /^LOGIN ON (\S+) BY (\S+)(?: FROM (\S+))?/;
// util-linux: `FAILED LOGIN 1 FROM tty1 FOR root, reason`, `FAILED LOGIN SESSION FROM ...` and
// `TOO MANY LOGIN TRIES (3) FROM ...`, FROM naming the remote host or else the tty; shadow-utils:
// `FAILED LOGIN (1) on '/dev/tty1'[ from 'host'] FOR 'root', reason`, `TOO MANY LOGIN TRIES (5) on ... FOR 'root'`.
const FAILED_LOGIN =
  /^(FAILED LOGIN(?: SESSION| \(?\d+\)?)|TOO MANY LOGIN TRIES \(\d+\)) (?:FROM (\S+)|on '([^']*)'(?: from '([^']*)')?) FOR '?(.*?)'?(?:, (.*))?$/;
const TERMINAL = /^(?:\/dev\/|tty|pts\/|console|hvc|xvc)/;
const UNKNOWN_USERS = new Set(['UNKNOWN', '(unknown)']);

/** Console logins: recognized by their text whatever the tag (old logins log as `-- root[pid]`). */
export function parseConsoleLoginMessage(message: string): AuthFacts | undefined {
  const text = message.trimEnd();
  let m = ROOT_LOGIN.exec(text);
  if (m) return consoleLogin(true, 'root', m[1], m[2]);
  m = LOGIN_ON.exec(text);
  if (m) return consoleLogin(true, m[2], m[1], m[3]);
  m = FAILED_LOGIN.exec(text);
  return m ? failedLogin(m) : undefined;
}

function failedLogin(m: RegExpExecArray): AuthFacts {
  const [, what = '', from, tty, host, user = '', reason] = m;
  const fromTty = from !== undefined && TERMINAL.test(from);
  const facts = consoleLogin(
    false,
    UNKNOWN_USERS.has(user) ? undefined : user,
    tty ?? (fromTty ? from : undefined),
    host ?? (fromTty ? undefined : from),
  );
  facts.reason = reason ?? (what.startsWith('TOO') ? 'too many login tries' : 'login failed');
  return facts;
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

// polkitd: `Operator of unix-session:2 FAILED to authenticate to gain authorization for action A for
// unix-process:1234:5678 [bash] (owned by unix-user:alice)`.
const POLKIT_FAILED =
  /^Operator of (\S+) FAILED to authenticate to gain authorization for action (\S+) for (.*) \(owned by unix-user:([^)]*)\)$/;

export function parsePolkitMessage(message: string): AuthFacts | undefined {
  const m = POLKIT_FAILED.exec(message.trimEnd());
  if (!m) return undefined;
  return {
    action: 'auth.failure',
    outcome: 'failure',
    user: m[4],
    reason: `failed to authenticate for ${m[2] ?? ''}`,
    labels: { polkit_action: m[2] ?? '', polkit_subject: m[3] ?? '' },
  };
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
