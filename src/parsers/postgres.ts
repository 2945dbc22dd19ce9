// PostgreSQL server log parser (stderr with common log_line_prefix settings, csvlog, jsonlog):
// connections, authentication failures, disconnections, statements, and pgaudit records.

import type { ParserOptions, RecordParser } from './parser.js';
import { createPgParser } from './postgres-session.js';

export { POSTGRES_ACTIONS } from './postgres-messages.js';

export function createPostgresParser(options: ParserOptions): RecordParser {
  return createPgParser(options, 'postgres');
}
