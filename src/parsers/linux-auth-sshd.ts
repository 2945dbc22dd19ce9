// OpenSSH sshd messages (auth.log / secure): logins, invalid users, disconnects, break-in warnings.
// Formats of OpenSSH 3.x to 9.x; `[preauth]` marks lines of the unauthenticated privsep child.

import type { AuthFacts } from './linux-auth-actions.js';
import { parsePamKv, pamFailureFacts, type MessageContext } from './linux-auth-pam.js';

const PREAUTH = ' [preauth]';
const AUTH_FAILED_TEXT =
  /auth(?:entication)? fail|no more user authentication methods|too many authentication failures/i;

// User names are matched greedily so a name that itself contains " from ... port ..." (an attacker
// probing with odd names) still leaves the last, real, address to the address group.
const LOGIN =
  /^(Accepted|Failed) (\S+) for (?:(invalid|illegal) user )?(.*) from (\S+) port (\d+)(?: ssh\d?)?(?:: (\S+)(?: (\S+))?.*)?$/;
const INVALID_USER = /^(?:Invalid|Illegal) user (.*) from (\S+?)(?: port (\d+))?$/;
const INPUT_USERAUTH = /^input_userauth_request: (?:invalid|illegal) user (.*)$/;
const NOT_ALLOWED = /^User (.*) from (\S+) not allowed because (.*)$/;
const ROOT_REFUSED = /^ROOT LOGIN REFUSED FROM (\S+?)(?: port (\d+))?$/;
const CONNECTION_FROM = /^Connection from (\S+) port (\d+)(?: on (\S+) port (\d+))?/;
// `[authenticating |invalid ]user NAME ADDR port N` or `ADDR[ port N]`: groups 1-3 or 4-5.
const WHO = String.raw`(?:authenticating user|invalid user|user) (.*) (\S+) port (\d+)|(\S+?)(?: port (\d+))?`;
const CLOSED = new RegExp(`^Connection (?:closed|reset) by (?:${WHO})$`);
const DISCONNECTED = new RegExp(`^Disconnected from (?:${WHO})$`);
const CLIENT_TIMEOUT = new RegExp(`^Timeout, client not responding from (?:${WHO})$`);
const READ_ERROR = /^Read error from remote host (\S+) port (\d+): (.*)$/;
const RECEIVED_DISCONNECT = /^Received disconnect from (\S+)(?: port (\d+))?: ?(\d+): ?(.*)$/;
const DISCONNECTING_NEW =
  /^Disconnecting (?:authenticating user|invalid user|user) (.*) (\S+) port (\d+): (.*)$/;
const TOO_MANY_OLD =
  /^Disconnecting: (Too many authentication failures)(?: for (?:(?:invalid|illegal) user )?(.*?))?(?: from (\S+) port (\d+)(?: ssh\d)?)?$/;
const MAX_ATTEMPTS =
  /^maximum authentication attempts exceeded for (?:(?:invalid|illegal) user )?(.*) from (\S+) port (\d+)(?: ssh\d)?$/;
const NO_IDENT = /^Did not receive identification string from (\S+?)(?: port (\d+))?$/;
const REVERSE_MAPPING = /^reverse mapping checking getaddrinfo for (\S+) \[([^\]\s]+)\] failed/;
const ADDRESS_MAPS = /^Address (\S+) maps to (\S+), but this does not map back to the address/;
const PAM_MORE = /^PAM (\d+) more authentication failures?; (.*)$/;
const PAM_ERROR = /^PAM: (.*?) for (?:(?:invalid|illegal) user )?(.*) from (\S+)$/;
const UNABLE_NEGOTIATE = /^Unable to negotiate with (\S+) port (\d+): (.*)$/;
const BAD_PROTOCOL = /^Bad protocol version identification '(.*)' from (\S+?)(?: port (\d+))?$/;
const TIMEOUT = /^Timeout before authentication for (\S+?)(?: port (\d+))?$/;
const BANNER = /^banner exchange: Connection from (\S+) port (\d+): (.*)$/;
const ENDPOINT = /(?:from|by|for|with) ([0-9a-fA-F.:]+) port (\d+)/;

const port = (digits: string | undefined) => (digits === undefined ? undefined : Number(digits));

/** Facts of one sshd message, or undefined when it is not an access record. */
export function parseSshdMessage(message: string, ctx: MessageContext): AuthFacts | undefined {
  const preauth = message.endsWith(PREAUTH);
  let text = preauth ? message.slice(0, -PREAUTH.length) : message;
  if (text.startsWith('error: ')) text = text.slice(7);
  const facts = parseText(text, preauth);
  if (facts && ctx.pid !== undefined && !facts.session) facts.session = `sshd/${ctx.pid}`;
  return facts;
}

function parseText(text: string, preauth: boolean): AuthFacts | undefined {
  switch (text.charCodeAt(0)) {
    case 65: // A
      return text.startsWith('Accepted ') ? login(text) : addressMaps(text);
    case 70: // F
      return text.startsWith('Failed ') ? login(text) : undefined;
    case 73: // I
      return invalidUser(INVALID_USER.exec(text));
    case 105: // i
      return invalidUser(INPUT_USERAUTH.exec(text));
    case 67: // C
      return text.startsWith('Connection from ') ? connectionFrom(text) : closed(text, preauth);
    case 68: // D
      return disconnected(text, preauth) ?? disconnecting(text) ?? noIdentification(text);
    case 82: // R
      return receivedDisconnect(text, preauth) ?? rootRefused(text) ?? readError(text);
    case 114: // r
      return reverseMapping(text);
    case 80: // P
      return pamMore(text) ?? pamError(text);
    case 85: // U
      return notAllowed(text) ?? unableToNegotiate(text);
    case 109: // m
      return maxAttempts(text);
    case 84: // T
      return timeout(TIMEOUT.exec(text)) ?? clientTimeout(text, preauth);
    case 66: // B
      return badProtocol(text);
    case 98: // b
      return banner(text);
    case 102: // f
      return text.startsWith('fatal: ') ? fatal(text.slice(7)) : undefined;
    default:
      return undefined;
  }
}

function login(text: string): AuthFacts | undefined {
  const m = LOGIN.exec(text);
  if (!m) return undefined;
  const success = m[1] === 'Accepted';
  const method = m[2] ?? '';
  const invalid = m[3] !== undefined;
  const facts: AuthFacts = {
    action: 'ssh.login',
    outcome: success ? 'success' : 'failure',
    source: m[5],
    sourcePort: port(m[6]),
    labels: { ssh_auth_method: method },
  };
  if (m[4]) facts.user = m[4];
  if (!success) facts.reason = invalid ? 'invalid user' : `${method} rejected`;
  if (m[7] && facts.labels) {
    facts.labels.ssh_key_type = m[7];
    if (m[8]) facts.labels.ssh_key_fingerprint = m[8];
  }
  return facts;
}

function invalidUser(m: RegExpExecArray | null): AuthFacts | undefined {
  if (!m) return undefined;
  const facts: AuthFacts = { action: 'ssh.invalid_user', outcome: 'failure', reason: 'invalid user' };
  if (m[1]) facts.user = m[1];
  if (m[2]) facts.source = m[2];
  facts.sourcePort = port(m[3]);
  return facts;
}

function notAllowed(text: string): AuthFacts | undefined {
  const m = NOT_ALLOWED.exec(text);
  if (!m) return undefined;
  return {
    action: 'ssh.login',
    outcome: 'failure',
    user: m[1],
    source: m[2],
    reason: `not allowed because ${m[3] ?? ''}`,
  };
}

function rootRefused(text: string): AuthFacts | undefined {
  const m = ROOT_REFUSED.exec(text);
  if (!m) return undefined;
  return {
    action: 'ssh.login',
    outcome: 'failure',
    user: 'root',
    source: m[1],
    sourcePort: port(m[2]),
    reason: 'root login refused',
  };
}

function connectionFrom(text: string): AuthFacts | undefined {
  const m = CONNECTION_FROM.exec(text);
  if (!m) return undefined;
  return {
    action: 'ssh.connect',
    outcome: 'success',
    source: m[1],
    sourcePort: port(m[2]),
    destination: m[3],
    destinationPort: port(m[4]),
  };
}

// Before authentication a disconnect is neutral; after it, the logged-in client went away.
function ending(preauth: boolean, source: string | undefined, sourcePort: string | undefined): AuthFacts {
  const facts: AuthFacts = preauth
    ? { action: 'ssh.disconnect', outcome: 'unknown' }
    : { action: 'ssh.logout', outcome: 'success' };
  facts.source = source;
  facts.sourcePort = port(sourcePort);
  return facts;
}

function closed(text: string, preauth: boolean): AuthFacts | undefined {
  const m = CLOSED.exec(text);
  if (!m) return undefined;
  const facts = endpointFacts(m, preauth);
  return text.startsWith('Connection reset') ? cutOff(facts, 'connection reset by peer') : facts;
}

// ClientAliveCountMax keepalives went unanswered: sshd dropped the connection, logged in or not.
function clientTimeout(text: string, preauth: boolean): AuthFacts | undefined {
  const m = CLIENT_TIMEOUT.exec(text);
  return m ? cutOff(endpointFacts(m, preauth), 'client not responding') : undefined;
}

function readError(text: string): AuthFacts | undefined {
  const m = READ_ERROR.exec(text);
  if (!m) return undefined;
  return { action: 'ssh.disconnect', outcome: 'failure', source: m[1], sourcePort: port(m[2]), reason: m[3] };
}

/** A connection that ended on an error rather than by either side's choice. */
function cutOff(facts: AuthFacts, reason: string): AuthFacts {
  facts.action = 'ssh.disconnect';
  facts.outcome = 'failure';
  facts.reason = reason;
  return facts;
}

function disconnected(text: string, preauth: boolean): AuthFacts | undefined {
  const m = DISCONNECTED.exec(text);
  return m ? endpointFacts(m, preauth) : undefined;
}

function endpointFacts(m: RegExpExecArray, preauth: boolean): AuthFacts {
  const facts = m[2] !== undefined ? ending(preauth, m[2], m[3]) : ending(preauth, m[4], m[5]);
  if (m[1]) facts.user = m[1];
  return facts;
}

function receivedDisconnect(text: string, preauth: boolean): AuthFacts | undefined {
  const m = RECEIVED_DISCONNECT.exec(text);
  if (!m) return undefined;
  const reason = m[4] ?? '';
  const facts = ending(preauth, m[1], m[2]);
  facts.labels = { ssh_disconnect_code: m[3] ?? '' };
  if (AUTH_FAILED_TEXT.test(reason)) {
    facts.action = 'ssh.disconnect';
    facts.outcome = 'failure';
    facts.reason = reason;
  }
  return facts;
}

function disconnecting(text: string): AuthFacts | undefined {
  let m = DISCONNECTING_NEW.exec(text);
  if (m) {
    return {
      action: 'ssh.disconnect',
      outcome: 'failure',
      user: m[1],
      source: m[2],
      sourcePort: port(m[3]),
      reason: m[4],
    };
  }
  m = TOO_MANY_OLD.exec(text);
  if (m) {
    const facts: AuthFacts = { action: 'ssh.disconnect', outcome: 'failure', reason: m[1] };
    if (m[2]) facts.user = m[2];
    if (m[3]) facts.source = m[3];
    facts.sourcePort = port(m[4]);
    return facts;
  }
  if (text.startsWith('Disconnecting: ')) return fatal(text.slice(15));
  return undefined;
}

function maxAttempts(text: string): AuthFacts | undefined {
  const m = MAX_ATTEMPTS.exec(text);
  if (!m) return undefined;
  return {
    action: 'ssh.disconnect',
    outcome: 'failure',
    user: m[1],
    source: m[2],
    sourcePort: port(m[3]),
    reason: 'maximum authentication attempts exceeded',
  };
}

function noIdentification(text: string): AuthFacts | undefined {
  const m = NO_IDENT.exec(text);
  if (!m) return undefined;
  return {
    action: 'ssh.disconnect',
    outcome: 'failure',
    source: m[1],
    sourcePort: port(m[2]),
    reason: 'did not receive identification string',
  };
}

function reverseMapping(text: string): AuthFacts | undefined {
  const m = REVERSE_MAPPING.exec(text);
  if (!m) return undefined;
  return {
    action: 'ssh.reverse_dns_mismatch',
    outcome: 'failure',
    source: m[2],
    relatedHosts: [m[1] ?? ''],
    reason: 'reverse mapping checking getaddrinfo failed (POSSIBLE BREAK-IN ATTEMPT)',
  };
}

function addressMaps(text: string): AuthFacts | undefined {
  const m = ADDRESS_MAPS.exec(text);
  if (!m) return undefined;
  return {
    action: 'ssh.reverse_dns_mismatch',
    outcome: 'failure',
    source: m[1],
    relatedHosts: [m[2] ?? ''],
    reason: 'address maps to a name that does not map back (POSSIBLE BREAK-IN ATTEMPT)',
  };
}

function pamMore(text: string): AuthFacts | undefined {
  const m = PAM_MORE.exec(text);
  if (!m) return undefined;
  const facts = pamFailureFacts(parsePamKv(m[2] ?? ''));
  facts.reason = `${m[1] ?? ''} more authentication failure${m[1] === '1' ? '' : 's'}`;
  return facts;
}

function pamError(text: string): AuthFacts | undefined {
  const m = PAM_ERROR.exec(text);
  if (!m) return undefined;
  return { action: 'ssh.login', outcome: 'failure', reason: m[1], user: m[2], source: m[3] };
}

function unableToNegotiate(text: string): AuthFacts | undefined {
  const m = UNABLE_NEGOTIATE.exec(text);
  if (!m) return undefined;
  return { action: 'ssh.disconnect', outcome: 'failure', source: m[1], sourcePort: port(m[2]), reason: m[3] };
}

function badProtocol(text: string): AuthFacts | undefined {
  const m = BAD_PROTOCOL.exec(text);
  if (!m) return undefined;
  return {
    action: 'ssh.disconnect',
    outcome: 'failure',
    source: m[2],
    sourcePort: port(m[3]),
    reason: 'bad protocol version identification',
  };
}

function timeout(m: RegExpExecArray | null): AuthFacts | undefined {
  if (!m) return undefined;
  return {
    action: 'ssh.disconnect',
    outcome: 'failure',
    source: m[1],
    sourcePort: port(m[2]),
    reason: 'timeout before authentication',
  };
}

function banner(text: string): AuthFacts | undefined {
  const m = BANNER.exec(text);
  if (!m) return undefined;
  return { action: 'ssh.disconnect', outcome: 'failure', source: m[1], sourcePort: port(m[2]), reason: m[3] };
}

// `fatal:` ends the connection's process: a disconnect on error, with the address when it is named.
function fatal(reason: string): AuthFacts {
  const t = TIMEOUT.exec(reason);
  if (t) return timeout(t) as AuthFacts;
  const facts: AuthFacts = { action: 'ssh.disconnect', outcome: 'failure', reason };
  const m = ENDPOINT.exec(reason);
  if (m) {
    facts.source = m[1];
    facts.sourcePort = port(m[2]);
  }
  return facts;
}
