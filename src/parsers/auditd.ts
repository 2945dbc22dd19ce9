// Linux audit (audit.log) parser: records are grouped into events by audit(time:serial), then
// each event is mapped to one normalized event (login, sudo, exec, account change, audit config).

import type { ActionInfo, ParseResult, ParserOptions, RecordParser } from './parser.js';
import { parseAuditRecord, type AuditRecord } from './auditd-record.js';
import { createReassembler, type AuditEventGroup } from './auditd-reassembler.js';
import { ARCH_NAMES, errnoName, syscallName } from './auditd-tables.js';
import { RelatedCollector, finishEvent, isIpAddress, isoFromMillis } from './json-records.js';
import { unmapIpv4 } from './linux-auth-actions.js';

type Shape = { action: string; category: string[]; type: string[] };

const shape = (action: string, category: string[], type: string[]): Shape => ({ action, category, type });

// Record type -> action. Types not listed fall back to `auditd.<type in lower case>`.
const TYPE_SHAPES: Record<string, Shape> = {
  USER_AUTH: shape('user.authenticate', ['authentication'], ['info']),
  USER_ACCT: shape('user.authorize', ['authentication'], ['info']),
  USER_ERR: shape('user.auth_error', ['authentication'], ['error']),
  CRED_ACQ: shape('user.credentials_acquire', ['authentication'], ['info']),
  CRED_REFR: shape('user.credentials_refresh', ['authentication'], ['info']),
  CRED_DISP: shape('user.credentials_dispose', ['authentication'], ['info']),
  USER_START: shape('session.open', ['session'], ['start']),
  USER_END: shape('session.close', ['session'], ['end']),
  LOGIN: shape('session.loginuid_set', ['session'], ['info']),
  USER_CHAUTHTOK: shape('user.password_change', ['iam'], ['user', 'change']),
  GRP_CHAUTHTOK: shape('group.password_change', ['iam'], ['group', 'change']),
  ADD_USER: shape('user.create', ['iam'], ['user', 'creation']),
  DEL_USER: shape('user.delete', ['iam'], ['user', 'deletion']),
  USER_MGMT: shape('user.change', ['iam'], ['user', 'change']),
  CHUSER_ID: shape('user.change', ['iam'], ['user', 'change']),
  ACCT_LOCK: shape('user.lock', ['iam'], ['user', 'change']),
  ACCT_UNLOCK: shape('user.unlock', ['iam'], ['user', 'change']),
  ADD_GROUP: shape('group.create', ['iam'], ['group', 'creation']),
  DEL_GROUP: shape('group.delete', ['iam'], ['group', 'deletion']),
  GRP_MGMT: shape('group.change', ['iam'], ['group', 'change']),
  CHGRP_ID: shape('group.change', ['iam'], ['group', 'change']),
  USER_ROLE_CHANGE: shape('user.role_change', ['iam'], ['user', 'change']),
  ROLE_ASSIGN: shape('user.role_change', ['iam'], ['user', 'change']),
  ROLE_REMOVE: shape('user.role_change', ['iam'], ['user', 'change']),
  ROLE_MODIFY: shape('user.role_change', ['iam'], ['change']),
  USER_CMD: shape('sudo.exec', ['process'], ['start']),
  USER_TTY: shape('tty.input', ['process'], ['info']),
  TTY: shape('tty.input', ['process'], ['info']),
  CONFIG_CHANGE: shape('audit.config_change', ['configuration'], ['change']),
  DAEMON_CONFIG: shape('audit.config_change', ['configuration'], ['change']),
  DAEMON_RECONFIG: shape('audit.config_change', ['configuration'], ['change']),
  DAEMON_START: shape('audit.start', ['process'], ['start']),
  DAEMON_END: shape('audit.stop', ['process'], ['end']),
  DAEMON_ABORT: shape('audit.stop', ['process'], ['end']),
  DAEMON_ROTATE: shape('audit.log_rotate', ['file'], ['change']),
  DAEMON_RESUME: shape('audit.resume', ['process'], ['info']),
  DAEMON_ERR: shape('audit.error', ['process'], ['error']),
  SERVICE_START: shape('service.start', ['process'], ['start']),
  SERVICE_STOP: shape('service.stop', ['process'], ['end']),
  SYSTEM_BOOT: shape('system.boot', ['host'], ['start']),
  SYSTEM_SHUTDOWN: shape('system.shutdown', ['host'], ['end']),
  SYSTEM_RUNLEVEL: shape('system.runlevel_change', ['host'], ['change']),
  USYS_CONFIG: shape('system.config_change', ['configuration'], ['change']),
  AVC: shape('mac.check', ['process'], ['access']),
  USER_AVC: shape('mac.check', ['process'], ['access']),
  APPARMOR_AUDIT: shape('mac.check', ['process'], ['access']),
  APPARMOR_ALLOWED: shape('mac.check', ['process'], ['access', 'allowed']),
  APPARMOR_DENIED: shape('mac.check', ['process'], ['access', 'denied']),
  SELINUX_ERR: shape('mac.error', ['process'], ['error']),
  USER_SELINUX_ERR: shape('mac.error', ['process'], ['error']),
  MAC_POLICY_LOAD: shape('mac.config_change', ['configuration'], ['change']),
  MAC_CONFIG_CHANGE: shape('mac.config_change', ['configuration'], ['change']),
  MAC_STATUS: shape('mac.config_change', ['configuration'], ['change']),
  USER_MAC_POLICY_LOAD: shape('mac.config_change', ['configuration'], ['change']),
  USER_MAC_CONFIG_CHANGE: shape('mac.config_change', ['configuration'], ['change']),
  NETFILTER_CFG: shape('firewall.config_change', ['configuration', 'network'], ['change']),
  SECCOMP: shape('process.seccomp', ['process'], ['info']),
  ANOM_ABEND: shape('process.crash', ['process'], ['end']),
  ANOM_PROMISCUOUS: shape('network.promiscuous_mode', ['network', 'host'], ['change']),
  ANOM_LOGIN_FAILURES: shape('user.login_failures_exceeded', ['authentication'], ['info']),
  CRYPTO_SESSION: shape('crypto.session', ['network'], ['protocol']),
  CRYPTO_KEY_USER: shape('crypto.key', ['network'], ['protocol']),
};

const EXEC = shape('process.exec', ['process'], ['start']);

/** Every action this parser emits; patterns in angle brackets cover the open-ended families. */
export const AUDITD_ACTIONS: ActionInfo[] = [
  { action: 'ssh.login', description: 'USER_LOGIN by sshd', category: 'authentication', type: 'start' },
  { action: 'ssh.logout', description: 'USER_LOGOUT by sshd', category: 'session', type: 'end' },
  {
    action: 'user.login',
    description: 'USER_LOGIN by login, gdm, ...',
    category: 'authentication',
    type: 'start',
  },
  { action: 'user.logout', description: 'USER_LOGOUT other than sshd', category: 'session', type: 'end' },
  {
    action: 'group.member_add',
    description: 'USER_MGMT/GRP_MGMT adding a user to a group',
    category: 'iam',
    type: 'change',
  },
  {
    action: 'group.member_remove',
    description: 'USER_MGMT/GRP_MGMT removing a user from a group',
    category: 'iam',
    type: 'change',
  },
  ...uniqueShapes([...Object.entries(TYPE_SHAPES), ['SYSCALL+EXECVE', EXEC]]),
  {
    action: 'syscall.<name>',
    description: 'Another audited system call (number when the name is unknown)',
    category: 'process',
    type: 'info',
  },
  {
    action: 'auditd.<record type>',
    description: 'A record type without its own action, lower-cased',
    category: 'host',
    type: 'info',
  },
];

function uniqueShapes(entries: Array<[string, Shape]>): ActionInfo[] {
  const seen = new Map<string, ActionInfo>();
  for (const [type, s] of entries) {
    const known = seen.get(s.action);
    if (known) known.description += `, ${type}`;
    else
      seen.set(s.action, {
        action: s.action,
        description: `${type} record`,
        category: s.category[0]!,
        type: s.type.join(','),
      });
  }
  return [...seen.values()];
}

// Records that only add detail to the event they belong to.
const AUXILIARY = new Set([
  'EXECVE',
  'CWD',
  'PATH',
  'PROCTITLE',
  'SOCKADDR',
  'EOE',
  'BPRM_FCAPS',
  'CAPSET',
  'MMAP',
  'OBJ_PID',
  'FD_PAIR',
  'IPC',
  'SOCKETCALL',
  'KERN_MODULE',
  'AVC_PATH',
  'IPC_SET_PERM',
  'MQ_OPEN',
  'MQ_SENDRECV',
  'MQ_NOTIFY',
  'MQ_GETSETATTR',
  'OPENAT2',
  'URINGOP',
  'TIME_INJOFFSET',
  'TIME_ADJNTPVAL',
]);

const UNSET_ID = new Set(['4294967295', '-1']);
// OpenSSH 9.8 moved each connection into sshd-session, OpenSSH 10 its authentication into sshd-auth.
const SSHD_BINARIES = new Set(['sshd', 'sshd-session', 'sshd-auth']);
const FILE_SYSCALLS =
  /^(open|openat|openat2|creat|truncate|ftruncate|unlink|unlinkat|rename|renameat|renameat2|mkdir|mkdirat|rmdir|link|linkat|symlink|symlinkat|chmod|fchmod|fchmodat|chown|fchown|lchown|fchownat|setxattr|removexattr|utime|utimes|utimensat|mknod|mknodat)$/;
const NETWORK_SYSCALLS = /^(connect|accept|accept4|bind|listen|sendto|sendmsg|recvfrom|recvmsg|socket)$/;

export interface AuditdParserOptions {
  /** Events waiting for more records before the oldest is emitted anyway (go-libaudit: maxInFlight). */
  maxInFlight?: number;
}

export interface AuditdParser extends RecordParser {
  /** Events missing from the serial sequence so far. */
  readonly lost: number;
}

export function createAuditdParser(options: ParserOptions, tuning: AuditdParserOptions = {}): AuditdParser {
  const reassembler = createReassembler(tuning.maxInFlight ?? 32);
  const toResults = (groups: AuditEventGroup[]) => groups.map((g) => buildEvent(g, options));
  return {
    format: 'auditd',
    push(line, lineNumber) {
      if (line.trim() === '') return [];
      const record = parseAuditRecord(line);
      if (typeof record === 'string') return [{ line: lineNumber, error: record }];
      return toResults(reassembler.push(record, lineNumber));
    },
    end() {
      return toResults(reassembler.flush());
    },
    get lost() {
      return reassembler.lost;
    },
  };
}

/** The record that says what the event is: a user-space or kernel message, else SYSCALL, else the first. */
function primaryRecord(records: AuditRecord[]): AuditRecord {
  return (
    records.find((r) => r.type !== 'SYSCALL' && !AUXILIARY.has(r.type)) ??
    records.find((r) => r.type === 'SYSCALL') ??
    records[0]!
  );
}

function firstOf(records: AuditRecord[], type: string): AuditRecord | undefined {
  return records.find((r) => r.type === type);
}

/** success/failure from an AVC or AppArmor verdict, `res=` (user space) or `success=` (syscalls). */
export function auditOutcome(f: Record<string, string>): 'success' | 'failure' | 'unknown' {
  if (f.seresult) return f.seresult === 'denied' ? 'failure' : 'success';
  if (f.apparmor) return /^DENIED$/i.test(f.apparmor) ? 'failure' : 'success';
  const res = f.res ?? f.success;
  if (res === undefined) return 'unknown';
  if (/^(success|yes|ok)$/i.test(res)) return 'success';
  if (/^(fail|failed|failure|no)$/i.test(res)) return 'failure';
  if (/^\d+$/.test(res)) return res === '0' ? 'failure' : 'success';
  return 'unknown';
}

function setId(value: string | undefined): string | undefined {
  return value !== undefined && !UNSET_ID.has(value) ? value : undefined;
}

function buildEvent(group: AuditEventGroup, options: ParserOptions): ParseResult {
  const { records } = group;
  const primary = primaryRecord(records);
  const syscall = firstOf(records, 'SYSCALL');
  const execve = firstOf(records, 'EXECVE');
  const ctx = { ...(syscall?.fields ?? {}), ...primary.fields };
  const enriched = { ...(syscall?.enriched ?? {}), ...primary.enriched };
  const arch = ctx.arch ? (ARCH_NAMES[ctx.arch] ?? ctx.arch) : undefined;
  const sysName = syscall ? syscallName(arch, syscall.fields.syscall) : undefined;
  const outcome = auditOutcome(ctx);
  const s = shapeOf(primary, syscall, execve, sysName, ctx);

  const auid = setId(ctx.auid);
  const actorId = auid ?? setId(ctx.uid);
  const actorName = auid ? enriched.AUID : enriched.UID;
  const related = new RelatedCollector();
  const identity = identify(primary.type, s.action, ctx, enriched, actorId, actorName);

  const addr = ctx.addr && isIpAddress(ctx.addr) ? unmapIpv4(ctx.addr) : undefined;
  const remote = ctx.hostname && isIpAddress(ctx.hostname) ? unmapIpv4(ctx.hostname) : ctx.hostname;
  const hostname = remote && remote !== addr ? remote : undefined;
  const sock = firstOf(records, 'SOCKADDR')?.fields;
  const outbound = sysName !== undefined && /^(connect|sendto|sendmsg)$/.test(sysName);
  const inbound = sysName !== undefined && /^(accept|accept4|recvfrom|recvmsg)$/.test(sysName);
  const peer = sock?.addr && isIpAddress(sock.addr) ? { ip: sock.addr, port: toPort(sock.port) } : undefined;
  const source = addr
    ? { ip: addr, address: hostname ?? addr, port: toPort(ctx.rport) }
    : inbound && peer
      ? { ip: peer.ip, address: peer.ip, port: peer.port }
      : hostname
        ? { address: hostname }
        : undefined;
  const hostName = group.node ?? options.hostname;

  const args = execve ? execArgs(execve.fields) : undefined;
  const proctitle = firstOf(records, 'PROCTITLE')?.fields.proctitle;
  const cwd = firstOf(records, 'CWD')?.fields.cwd ?? (primary.type === 'USER_CMD' ? ctx.cwd : undefined);
  const commandLine = primary.type === 'USER_CMD' ? ctx.cmd : args ? args.map(quoteArg).join(' ') : proctitle;
  const keys = ctx.key ? ctx.key.split('\x01').filter(Boolean) : undefined;
  const file = s.category.includes('file') ? filePath(records, cwd) : undefined;

  related
    .user(identity.user.name, identity.user.effective?.name, identity.user.target?.name)
    .ip(source?.ip, outbound ? peer?.ip : undefined)
    .host(hostName, hostname);

  const draft = {
    '@timestamp': isoFromMillis(primary.time) ?? '',
    event: {
      action: s.action,
      outcome,
      category: s.category,
      type: outcome === 'failure' && s.type.includes('access') ? [...s.type, 'denied'] : s.type,
      reason: outcome === 'failure' ? reasonOf(primary, syscall, ctx) : undefined,
      dataset: 'auditd',
      module: 'auditd',
      kind: 'event',
      id: group.id,
    },
    user: identity.user,
    group: identity.group,
    source,
    destination: outbound && peer ? { ip: peer.ip, port: peer.port, address: peer.ip } : undefined,
    host: { name: hostName },
    process: {
      pid: toInt(ctx.pid),
      name: ctx.comm ?? basename(ctx.exe),
      executable: ctx.exe,
      args,
      command_line: commandLine,
      working_directory: cwd,
      parent: ctx.ppid ? { pid: toInt(ctx.ppid) } : undefined,
    },
    file,
    session: { id: setId(ctx.ses) },
    related: related.toJSON(),
    tags: keys,
    labels: {
      record_type: primary.type,
      syscall: sysName ?? syscall?.fields.syscall,
      arch,
      auid: ctx.auid,
      uid: ctx.uid,
      euid: ctx.euid,
      op: ctx.op,
      terminal: ctx.terminal ?? (ctx.tty && ctx.tty !== '(none)' ? ctx.tty : undefined),
      exit: syscall?.fields.exit,
      unit: ctx.unit,
    },
  };
  return finishEvent(draft, records.map((r) => r.raw).join('\n'), group.line, options);
}

function shapeOf(
  primary: AuditRecord,
  syscall: AuditRecord | undefined,
  execve: AuditRecord | undefined,
  sysName: string | undefined,
  ctx: Record<string, string>,
): Shape {
  const type = primary.type;
  if (type === 'USER_LOGIN' || type === 'USER_LOGOUT') {
    const sshd = SSHD_BINARIES.has(basename(ctx.exe) ?? '');
    const verb = type === 'USER_LOGIN' ? 'login' : 'logout';
    return type === 'USER_LOGIN'
      ? shape(`${sshd ? 'ssh' : 'user'}.${verb}`, ['authentication', 'session'], ['start'])
      : shape(`${sshd ? 'ssh' : 'user'}.${verb}`, ['session'], ['end']);
  }
  if (type === 'USER_MGMT' || type === 'GRP_MGMT') {
    const op = (ctx.op ?? '').toLowerCase();
    if (/add.*(to|user).*group|add-user-to/.test(op) && !/^add-(shadow-)?group$/.test(op)) {
      return shape('group.member_add', ['iam'], ['group', 'change']);
    }
    if (/(del|remove).*(from|user).*group/.test(op))
      return shape('group.member_remove', ['iam'], ['group', 'change']);
  }
  const known = TYPE_SHAPES[type];
  if (known) return known;
  if (type === 'SYSCALL' || AUXILIARY.has(type)) {
    if (execve || sysName === 'execve' || sysName === 'execveat') return EXEC;
    if (!syscall) return shape(`auditd.${type.toLowerCase()}`, ['host'], ['info']);
    const name = sysName ?? syscall?.fields.syscall ?? 'unknown';
    if (sysName && FILE_SYSCALLS.test(sysName))
      return shape(`syscall.${name}`, ['file'], [fileType(sysName)]);
    if (sysName && NETWORK_SYSCALLS.test(sysName))
      return shape(`syscall.${name}`, ['network'], ['connection']);
    return shape(`syscall.${name}`, ['process'], ['info']);
  }
  return shape(`auditd.${type.toLowerCase()}`, ['host'], ['info']);
}

function fileType(sysName: string): string {
  if (/unlink|rmdir/.test(sysName)) return 'deletion';
  if (/creat|mkdir|link|mknod/.test(sysName)) return 'creation';
  if (/^open/.test(sysName)) return 'access';
  return 'change';
}

interface Identity {
  user: {
    name?: string;
    id?: string;
    effective?: { name?: string; id?: string };
    target?: { name?: string; id?: string };
  };
  group?: { name?: string; id?: string };
}

/**
 * Who acted and on whom. For login and PAM records the account named by `acct`/`id` is the
 * actor; for account management the actor is the login uid and the account is the target; for
 * everything else the actor is the login uid (auid) and the effective uid is `user.effective`.
 */
function identify(
  type: string,
  action: string,
  f: Record<string, string>,
  enriched: Record<string, string>,
  actorId: string | undefined,
  actorName: string | undefined,
): Identity {
  const account = setId(f.id);
  const named = f.acct && f.acct !== '(invalid user)' ? f.acct : undefined;
  // The enriched format translates id= (a uid) into ID="name": the name when acct= is absent.
  const acct = named ?? (account !== undefined ? enrichedName(enriched.ID) : undefined);
  if (
    /^(USER_(LOGIN|LOGOUT|AUTH|ACCT|START|END|ERR|CHAUTHTOK)|CRED_(ACQ|REFR|DISP)|ACCT_(UN)?LOCK)$/.test(type)
  ) {
    return { user: { name: acct, id: account } };
  }
  if (action.startsWith('group.')) {
    const member = action === 'group.member_add' || action === 'group.member_remove';
    return {
      user: { id: actorId, name: actorName, target: member ? { name: acct, id: account } : undefined },
      group: { name: member ? f.grp : (f.grp ?? named), id: member ? undefined : account },
    };
  }
  if (action.startsWith('user.')) {
    return { user: { id: actorId, name: actorName, target: { name: acct, id: account } } };
  }
  const euid = setId(f.euid);
  const effective = euid !== undefined && euid !== actorId ? { id: euid, name: enriched.EUID } : undefined;
  return { user: { id: actorId, name: actorName, effective } };
}

/** An enriched name, unless auparse could not resolve it (`unknown(1001)`) or it was unset. */
function enrichedName(value: string | undefined): string | undefined {
  return value === undefined || value === 'unset' || value.startsWith('unknown(') ? undefined : value;
}

function reasonOf(
  primary: AuditRecord,
  syscall: AuditRecord | undefined,
  f: Record<string, string>,
): string | undefined {
  if (f.acct === '(invalid user)') return 'invalid user';
  if (f.seresult === 'denied') return `denied { ${(f.seperms ?? '').replace(/,/g, ' ')} }`;
  if (primary.fields.apparmor) return `apparmor ${primary.fields.apparmor}`;
  if (primary === syscall || !primary.fields.res) {
    const exit = syscall?.fields.exit;
    return errnoName(exit) ?? (exit ? `exit ${exit}` : undefined);
  }
  return f.op ? `${f.op} failed` : `${primary.type} res=${primary.fields.res}`;
}

function execArgs(f: Record<string, string>): string[] {
  const argc = Number(f.argc ?? NaN);
  const args: string[] = [];
  const max = Number.isInteger(argc) ? Math.min(argc, 4096) : 4096;
  for (let i = 0; i < max; i++) {
    const a = f[`a${i}`];
    if (a === undefined) {
      if (!Number.isInteger(argc)) break;
      args.push('');
      continue;
    }
    args.push(a);
  }
  return args;
}

/** Quotes an argument for display when it would not read back as one word. */
function quoteArg(arg: string): string {
  return arg !== '' && !/[\s"'\\]/.test(arg) ? arg : JSON.stringify(arg);
}

function filePath(records: AuditRecord[], cwd: string | undefined): { path: string } | undefined {
  const paths = records.filter((r) => r.type === 'PATH' && r.fields.nametype !== 'PARENT' && r.fields.name);
  const last = paths[paths.length - 1]?.fields.name;
  if (!last) return undefined;
  return { path: last.startsWith('/') || !cwd ? last : `${cwd.replace(/\/$/, '')}/${last}` };
}

function basename(path: string | undefined): string | undefined {
  if (!path) return undefined;
  return path.slice(path.lastIndexOf('/') + 1) || undefined;
}

function toInt(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,10}$/.test(value) ? Number(value) : undefined;
}

function toPort(value: string | undefined): number | undefined {
  const n = toInt(value);
  return n !== undefined && n <= 65535 ? n : undefined;
}
