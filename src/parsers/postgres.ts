// PostgreSQL server log parser (stderr with common log_line_prefix settings, csvlog, jsonlog):
// connections, authentication failures, disconnections, statements, and pgaudit records.

import type { ActionInfo, ParserOptions, RecordParser } from './parser.js';
import { PGAUDIT_ACTIONS } from './pgaudit-record.js';
import { POSTGRES_MESSAGE_ACTIONS } from './postgres-messages.js';
import { createPgParser } from './postgres-session.js';

/** Server-message actions plus the pgaudit ones, since AUDIT records in the log are emitted too. */
export const POSTGRES_ACTIONS: ActionInfo[] = [
  ...POSTGRES_MESSAGE_ACTIONS,
  ...PGAUDIT_ACTIONS.filter((a) => !POSTGRES_MESSAGE_ACTIONS.some((m) => m.action === a.action)),
];

export function createPostgresParser(options: ParserOptions): RecordParser {
  return createPgParser(options, 'postgres');
}
