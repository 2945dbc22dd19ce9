// What a PostgreSQL server message means for the audit trail: connections, authentication,
// statements, failed statements, configuration reloads. Message texts are PostgreSQL's own
// (src/backend/postmaster, libpq/auth.c, tcop/postgres.c, utils/misc/guc.c).

import type { ActionInfo } from './parser.js';
import type { PgContext, PgLogMessage } from './postgres-log.js';

export const POSTGRES_MESSAGE_ACTIONS: ActionInfo[] = [
  {
    action: 'db.connection_received',
    description: 'A client connected, before authentication',
    category: 'network',
    type: 'connection',
  },
  {
    action: 'db.connect',
    description: 'Connection authorized, or refused by authentication (FATAL)',
    category: 'authentication',
    type: 'start',
  },
  {
    action: 'db.disconnect',
    description: 'Session ended (disconnection, or terminated by FATAL)',
    category: 'session',
    type: 'end',
  },
  {
    action: 'db.query',
    description:
      'A statement logged (log_statement, log_min_duration_statement) or failed (ERROR + STATEMENT)',
    category: 'database',
    type: 'access|change|creation|deletion|info',
  },
  {
    action: 'db.error',
    description: 'An ERROR without the statement that caused it',
    category: 'database',
    type: 'error',
  },
  {
    action: 'db.config_change',
    description: 'A server parameter changed on reload',
    category: 'configuration',
    type: 'change',
  },
  {
    action: 'db.config_reload',
    description: 'The server reloaded its configuration files (SIGHUP)',
    category: 'configuration',
    type: 'change',
  },
  {
    action: 'db.server_start',
    description: 'The server is ready to accept connections',
    category: 'process',
    type: 'start',
  },
  { action: 'db.server_stop', description: 'The server has shut down', category: 'process', type: 'end' },
];

export interface PgMeaning {
  action: string;
  category: string[];
  type: string[];
  outcome: 'success' | 'failure' | 'unknown';
  reason?: string;
  /** SQL text for statements, else the server message. */
  message: string;
  /** Identity named by the message itself (authentication failures name the user they refused). */
  user?: string;
  database?: string;
  host?: string;
  port?: number;
  labels?: Record<string, string | undefined>;
}

const AUTH_FAILURES: RegExp[] = [
  /^(?:[\w-]+ )?authentication failed for user "([^"]*)"/,
  /^no pg_hba\.conf entry for (?:replication connection from )?host "([^"]*)", user "([^"]*)"(?:, database "([^"]*)")?/,
  /^pg_hba\.conf rejects (?:replication )?connection for host "([^"]*)", user "([^"]*)"(?:, database "([^"]*)")?/,
  /^role "([^"]*)" does not exist/,
  /^role "([^"]*)" is not permitted to log in/,
  /^too many connections for role "([^"]*)"/,
  /^database "([^"]*)" does not exist/,
  /^permission denied for database "([^"]*)"/,
  /^sorry, too many clients already/,
  /^no PostgreSQL user name specified in startup packet/,
];

/** What the statement does, from its first keyword. */
export function sqlType(sql: string): { type: string; iam: boolean } {
  const word = /^[\s(]*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*([A-Za-z]+)(?:\s+([A-Za-z]+))?/.exec(sql);
  const first = word?.[1]?.toUpperCase() ?? '';
  const second = word?.[2]?.toUpperCase() ?? '';
  const iam =
    first === 'GRANT' ||
    first === 'REVOKE' ||
    (/^(CREATE|ALTER|DROP)$/.test(first) && /^(ROLE|USER|GROUP)$/.test(second));
  if (/^(SELECT|SHOW|TABLE|VALUES|EXPLAIN|FETCH)$/.test(first)) return { type: 'access', iam };
  if (first === 'CREATE') return { type: 'creation', iam };
  if (first === 'DROP') return { type: 'deletion', iam };
  if (
    /^(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|COPY|ALTER|GRANT|REVOKE|COMMENT|SET|RESET|REINDEX|CLUSTER|VACUUM|SECURITY|REFRESH|IMPORT|CALL|DO)$/.test(
      first,
    )
  ) {
    return { type: 'change', iam };
  }
  return { type: 'info', iam };
}

function query(sql: string, outcome: PgMeaning['outcome'], reason?: string, duration?: string): PgMeaning {
  const { type, iam } = sqlType(sql);
  return {
    action: 'db.query',
    category: iam ? ['database', 'iam'] : ['database'],
    type: outcome === 'failure' ? [type, 'error'] : [type],
    outcome,
    reason,
    message: sql,
    labels: { duration_ms: duration },
  };
}

const STATEMENT = /^(?:duration: ([\d.]+) ms {2})?(?:statement|execute [^:]*): ([\s\S]*)$/;

/** The audit meaning of one message, or undefined for server chatter (checkpoints, autovacuum...). */
export function interpretPgMessage(msg: PgLogMessage, ctx: PgContext): PgMeaning | undefined {
  const text = msg.message;
  const sev = msg.severity;
  if (sev === 'LOG') {
    const received = /^connection received: host=(\S+?)(?: port=(\d+))?$/.exec(text);
    if (received) {
      return {
        action: 'db.connection_received',
        category: ['network'],
        type: ['connection', 'start'],
        outcome: 'success',
        message: text,
      };
    }
    if (/^(?:replication )?connection authorized: /.test(text)) {
      return {
        action: 'db.connect',
        category: ['authentication', 'session'],
        type: ['start'],
        outcome: 'success',
        message: text,
      };
    }
    // The message names the session it ends (postgres.c log_disconnections), so a log read from
    // its middle, or whose prefix lacks %u %d %r, still says whose session it was.
    const disconnection =
      /^disconnection: session time: (\S+) user=(\S+) database=(\S*) host=(\S+)(?: port=(\d+))?/.exec(text);
    if (disconnection) {
      const [, time, user, database, host, port] = disconnection;
      return {
        action: 'db.disconnect',
        category: ['session'],
        type: ['end'],
        outcome: 'success',
        message: text,
        user,
        database: database || undefined,
        host,
        port: port ? Number(port) : undefined,
        labels: { session_time: time },
      };
    }
    const stmt = STATEMENT.exec(text);
    if (stmt) return query(stmt[2]!, 'success', undefined, stmt[1]);
    const param = /^parameter "([^"]+)" changed to "([\s\S]*)"$/.exec(text);
    if (param) {
      return {
        action: 'db.config_change',
        category: ['configuration', 'database'],
        type: ['change'],
        outcome: 'success',
        message: text,
        labels: { parameter: param[1], value: param[2] },
      };
    }
    if (/^received SIGHUP, reloading configuration files/.test(text)) {
      return {
        action: 'db.config_reload',
        category: ['configuration'],
        type: ['change'],
        outcome: 'success',
        message: text,
      };
    }
    if (/^database system is ready to accept (?:read-only )?connections/.test(text)) {
      return {
        action: 'db.server_start',
        category: ['process', 'database'],
        type: ['start'],
        outcome: 'success',
        message: text,
      };
    }
    if (/^database system is shut down/.test(text)) {
      return {
        action: 'db.server_stop',
        category: ['process', 'database'],
        type: ['end'],
        outcome: 'success',
        message: text,
      };
    }
    return undefined;
  }
  if (sev === 'FATAL' || sev === 'PANIC') {
    const match = AUTH_FAILURES.map((re) => re.exec(text)).find((m) => m !== null);
    if (match || (sev === 'FATAL' && ctx.authorized === false)) return authFailure(text, match);
    return {
      action: 'db.disconnect',
      category: ['session'],
      type: ['end'],
      outcome: 'failure',
      reason: text,
      message: text,
    };
  }
  if (sev === 'ERROR') {
    if (msg.statement) return query(msg.statement, 'failure', text);
    return {
      action: 'db.error',
      category: ['database'],
      type: ['error'],
      outcome: 'failure',
      reason: text,
      message: text,
    };
  }
  return undefined;
}

function authFailure(text: string, match: RegExpExecArray | null | undefined): PgMeaning {
  const out: PgMeaning = {
    action: 'db.connect',
    category: ['authentication', 'session'],
    type: ['start'],
    outcome: 'failure',
    reason: text,
    message: text,
  };
  if (!match) return out;
  const quoted = [...text.matchAll(/(host|user|database|role) "([^"]*)"/g)];
  for (const [, key, value] of quoted) {
    if (key === 'user' || key === 'role') out.user = value;
    else if (key === 'database') out.database = value;
    else if (key === 'host') out.host = value;
  }
  return out;
}
