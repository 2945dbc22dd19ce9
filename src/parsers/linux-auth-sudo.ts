// sudo, pkexec and su: privilege changes. sudo logs `alice : [reason ; ]TTY=pts/0 ; PWD=/home/alice ;
// USER=root ; COMMAND=/bin/ls -la`; su logs `Successful su for root by alice`, `FAILED su ...`,
// util-linux `(to root) alice on pts/0`, BSD `'su root' failed for alice on /dev/pts/8`.

import type { AuthFacts } from './linux-auth-actions.js';

const SUDO = /^\s*(\S+) : (.*)$/;
const SUDO_FIELD = /^[A-Z]{2,16}=/;

/** Facts of one sudo message (PAM lines are handled before), or undefined. */
export function parseSudoMessage(message: string): AuthFacts | undefined {
  const m = SUDO.exec(message);
  if (!m) return undefined;
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  const problems: string[] = [];
  const rest = m[2] ?? '';
  // COMMAND comes last and may itself contain " ; ": everything after COMMAND= is the command.
  const commandAt = rest.startsWith('COMMAND=') ? 0 : rest.indexOf(' ; COMMAND=');
  const head = commandAt < 0 ? rest : rest.slice(0, commandAt);
  for (const part of head.split(' ; ')) {
    if (SUDO_FIELD.test(part)) {
      const eq = part.indexOf('=');
      fields[part.slice(0, eq)] = part.slice(eq + 1);
    } else if (part.length > 0) {
      problems.push(part.trim());
    }
  }
  if (commandAt >= 0) fields.COMMAND = rest.slice(rest.indexOf('COMMAND=', commandAt) + 8);
  if (fields.COMMAND === undefined && fields.USER === undefined && fields.TTY === undefined) return undefined;

  const facts: AuthFacts = {
    action: 'sudo.exec',
    outcome: problems.length === 0 ? 'success' : 'failure',
    user: m[1],
    effectiveUser: fields.USER ?? 'root',
  };
  if (problems.length > 0) facts.reason = problems.join('; ');
  if (fields.COMMAND !== undefined) facts.commandLine = fields.COMMAND;
  if (fields.PWD !== undefined) facts.workingDirectory = fields.PWD;
  const labels: Record<string, string> = {};
  if (fields.TTY) labels.tty = fields.TTY;
  if (fields.GROUP) labels.sudo_group = fields.GROUP;
  if (Object.keys(labels).length > 0) facts.labels = labels;
  return facts;
}

// polkit's pkexec: `alice: Executing command [USER=root] [TTY=/dev/pts/0] [CWD=/home/alice]
// [COMMAND=/usr/bin/id]`, or an error text in place of `Executing command` when it refused.
const PKEXEC = /^(\S+): (.*?) \[USER=([^\]]*)\] \[TTY=([^\]]*)\] \[CWD=([^\]]*)\] \[COMMAND=(.*)\]$/;

/** Facts of one pkexec message: a command run as another user, like sudo's. */
export function parsePkexecMessage(message: string): AuthFacts | undefined {
  const m = PKEXEC.exec(message.trimEnd());
  if (!m) return undefined;
  const success = m[2] === 'Executing command';
  const facts: AuthFacts = {
    action: 'sudo.exec',
    outcome: success ? 'success' : 'failure',
    user: m[1],
    effectiveUser: m[3],
    commandLine: m[6],
    workingDirectory: m[5],
  };
  if (!success) facts.reason = m[2];
  if (m[4]) facts.labels = { tty: m[4] };
  return facts;
}

const SU_RESULT = /^(Successful|FAILED) su for (\S+) by (\S+)$/;
const SU_TO = /^(FAILED SU )?\(to (\S+)\) (\S+) on (\S+)$/;
const SU_SIGN = /^([+-]) (\S+) (\S+?):(\S+)$/;
const SU_BSD = /^'su (\S+)' (failed|succeeded) for (\S+) on (\S+)$/;
const SU_BAD = /^BAD SU (\S+) to (\S+)(?: on (\S+))?$/;

/** Facts of one su message (PAM lines are handled before), or undefined. */
export function parseSuMessage(message: string): AuthFacts | undefined {
  const text = message.trimEnd();
  let m = SU_RESULT.exec(text);
  if (m) return su(m[1] === 'Successful', m[3], m[2]);
  m = SU_TO.exec(text);
  if (m) return su(m[1] === undefined, m[3], m[2], m[4]);
  m = SU_SIGN.exec(text);
  if (m) return su(m[1] === '+', m[3], m[4], m[2]);
  m = SU_BSD.exec(text);
  if (m) return su(m[2] === 'succeeded', m[3], m[1], m[4]);
  m = SU_BAD.exec(text);
  if (m) return su(false, m[1], m[2], m[3]);
  return undefined;
}

function su(success: boolean, from: string | undefined, to: string | undefined, tty?: string): AuthFacts {
  const facts: AuthFacts = { action: 'su.switch', outcome: success ? 'success' : 'failure' };
  if (from) facts.user = from;
  if (to) facts.effectiveUser = to;
  if (!success) facts.reason = 'authentication failure';
  if (tty) facts.labels = { tty };
  return facts;
}
