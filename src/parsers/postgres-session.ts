// Turns PostgreSQL log messages into events, following each backend (pid) from "connection
// received" to "disconnection" so that lines whose prefix lacks %u/%d/%h/%c still name the user,
// database, client and session. Shared by the postgres and pgaudit parsers.

import type { ParseResult, ParserOptions, RecordParser } from './parser.js';
import { RelatedCollector, finishEvent, isIpAddress } from './json-records.js';
import { createPgLogReader, pgBaseDraft, type PgContext, type PgLogMessage } from './postgres-log.js';
import { interpretPgMessage } from './postgres-messages.js';
import { classifyPgaudit, parsePgauditMessage } from './pgaudit-record.js';

interface Session {
  /** Backend start, epoch seconds: with the pid it makes the %c session id. */
  start?: number;
  host?: string;
  port?: number;
  user?: string;
  database?: string;
  application?: string;
  authorized: boolean;
  authMethod?: string;
}

const MAX_SESSIONS = 10_000;

function createSessionTracker() {
  const sessions = new Map<number, Session>();

  function remember(pid: number, s: Session): void {
    sessions.delete(pid);
    sessions.set(pid, s);
    if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
  }

  /** Updates the backend's state from the message and returns the message's full context. */
  function observe(msg: PgLogMessage): PgContext {
    const pid = msg.pid;
    let s = pid === undefined ? undefined : sessions.get(pid);
    const text = msg.message;
    if (pid !== undefined && msg.severity === 'LOG') {
      const received = /^connection received: host=(\S+?)(?: port=(\d+))?$/.exec(text);
      if (received) {
        s = {
          start: Math.floor(msg.time / 1000),
          host: received[1],
          port: received[2] ? Number(received[2]) : undefined,
          authorized: false,
        };
        remember(pid, s);
      } else if (/^(?:replication )?connection authorized: /.test(text)) {
        s ??= { authorized: false };
        s.authorized = true;
        s.user = /\buser=(\S+)/.exec(text)?.[1] ?? s.user;
        s.database = /\bdatabase=(\S+)/.exec(text)?.[1] ?? s.database;
        // The name may hold spaces ("pgAdmin 4 - DB:sales"); SSL or GSS details follow it.
        s.application =
          / application_name=(.+?)(?: SSL enabled \(| GSS \(|$)/.exec(text)?.[1] ?? s.application;
        remember(pid, s);
      } else if (/^connection authenticated: /.test(text) && s) {
        s.authMethod = /\bmethod=(\S+)/.exec(text)?.[1];
      }
    }
    const derivedId =
      s?.start !== undefined && pid !== undefined ? `${s.start.toString(16)}.${pid.toString(16)}` : undefined;
    return {
      pid,
      user: msg.user ?? s?.user,
      database: msg.database ?? s?.database,
      application: msg.application ?? s?.application,
      host: msg.host ?? s?.host,
      port: msg.port ?? s?.port,
      sessionId: msg.sessionId ?? derivedId,
      authorized: s?.authorized,
      authMethod: s?.authMethod,
    };
  }

  /** Forgets a backend once it has ended. */
  function settle(msg: PgLogMessage): void {
    if (msg.pid === undefined) return;
    if (msg.severity === 'FATAL' || msg.severity === 'PANIC' || msg.message.startsWith('disconnection: ')) {
      sessions.delete(msg.pid);
    }
  }

  return { observe, settle };
}

export type PgFormat = 'postgres' | 'pgaudit';

/** `postgres` emits server and pgaudit events; `pgaudit` only the AUDIT records. */
export function createPgParser(options: ParserOptions, format: PgFormat): RecordParser {
  const reader = createPgLogReader(options);
  const tracker = createSessionTracker();

  function toEvent(msg: PgLogMessage): ParseResult | undefined {
    const ctx = tracker.observe(msg);
    try {
      const audit = parsePgauditMessage(msg.message);
      if (typeof audit === 'string') return { line: msg.line, error: audit };
      if (audit) return finish(pgauditDraft(msg, ctx, audit), msg);
      if (format === 'pgaudit') return undefined;
      const meaning = interpretPgMessage(msg, ctx);
      if (!meaning) return undefined;
      const draft = pgBaseDraft(msg, ctx, options, 'postgresql');
      const host = meaning.host ?? ctx.host;
      return finish(
        {
          ...draft,
          message: meaning.message,
          event: {
            ...draft.event,
            action: meaning.action,
            category: meaning.category,
            type: meaning.type,
            outcome: meaning.outcome,
            reason: meaning.reason,
          },
          user: { name: meaning.user ?? ctx.user },
          service: { ...draft.service, name: meaning.database ?? ctx.database },
          source:
            host && host !== '[local]'
              ? {
                  ip: isIpAddress(host) ? host : undefined,
                  address: host,
                  port: meaning.host ? meaning.port : ctx.port,
                }
              : undefined,
          labels: { ...draft.labels, ...meaning.labels },
        },
        msg,
      );
    } finally {
      tracker.settle(msg);
    }
  }

  function pgauditDraft(
    msg: PgLogMessage,
    ctx: PgContext,
    rec: Exclude<ReturnType<typeof parsePgauditMessage>, string | undefined>,
  ) {
    const draft = pgBaseDraft(msg, ctx, options, 'pgaudit');
    const { action, category, type } = classifyPgaudit(rec);
    return {
      ...draft,
      message: rec.statement.startsWith('<') ? undefined : rec.statement,
      event: { ...draft.event, action, category, type, outcome: 'unknown' },
      labels: {
        ...draft.labels,
        audit_type: rec.auditType,
        statement_id: String(rec.statementId),
        substatement_id: String(rec.substatementId),
        class: rec.class,
        command: rec.command,
        object_type: rec.objectType,
        object_name: rec.objectName,
        parameter: rec.parameter,
        rows: rec.rows,
      },
    };
  }

  function finish(draft: Record<string, unknown>, msg: PgLogMessage): ParseResult {
    const user = draft.user as { name?: string } | undefined;
    const source = draft.source as { ip?: string } | undefined;
    const host = draft.host as { name?: string } | undefined;
    draft.related = new RelatedCollector().user(user?.name).ip(source?.ip).host(host?.name).toJSON();
    return finishEvent(draft, msg.raw, msg.line, options);
  }

  function convert(items: ReturnType<typeof reader.push>): ParseResult[] {
    const out: ParseResult[] = [];
    for (const item of items) {
      if ('error' in item) out.push(item);
      else {
        const r = toEvent(item);
        if (r) out.push(r);
      }
    }
    return out;
  }

  return {
    format,
    push: (line, lineNumber) => convert(reader.push(line, lineNumber)),
    end: () => convert(reader.end()),
  };
}
