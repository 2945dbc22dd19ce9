// pgaudit parser: the AUDIT: SESSION/OBJECT records of PostgreSQL server logs; other server
// messages are read (to follow sessions) but produce no events.

import type { ParserOptions, RecordParser } from './parser.js';
import { createPgParser } from './postgres-session.js';

export { PGAUDIT_ACTIONS } from './pgaudit-record.js';

export function createPgauditParser(options: ParserOptions): RecordParser {
  return createPgParser(options, 'pgaudit');
}
