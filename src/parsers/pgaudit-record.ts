// pgaudit records inside PostgreSQL logs: "AUDIT: SESSION|OBJECT,statement id,substatement id,
// class,command,object type,object name,statement,parameter[,rows]" (https://github.com/pgaudit/pgaudit).

import type { ActionInfo } from './parser.js';
import { parseCsvRecord } from './postgres-log.js';

export interface PgauditRecord {
  auditType: 'SESSION' | 'OBJECT';
  statementId: number;
  substatementId: number;
  class: string;
  command: string;
  objectType?: string;
  objectName?: string;
  statement: string;
  parameter?: string;
  rows?: string;
}

const CLASSES = new Set(['READ', 'WRITE', 'FUNCTION', 'ROLE', 'DDL', 'MISC', 'MISC_SET']);

export const PGAUDIT_ACTIONS: ActionInfo[] = [
  {
    action: 'db.query',
    description: 'pgaudit READ, WRITE, FUNCTION, MISC or MISC_SET statement',
    category: 'database',
    type: 'access|change|info',
  },
  {
    action: 'db.ddl',
    description: 'pgaudit DDL statement (CREATE, ALTER, DROP ...)',
    category: 'database',
    type: 'creation|change|deletion',
  },
  {
    action: 'db.role_change',
    description: 'pgaudit ROLE statement on a role (CREATE/ALTER/DROP ROLE or USER)',
    category: 'iam',
    type: 'creation|change|deletion',
  },
  {
    action: 'db.privilege_change',
    description: 'pgaudit ROLE statement GRANT or REVOKE',
    category: 'iam',
    type: 'change',
  },
];

/** The record in a log message, undefined when the message is not an AUDIT record, or why it is malformed. */
export function parsePgauditMessage(message: string): PgauditRecord | string | undefined {
  if (!message.startsWith('AUDIT: ')) return undefined;
  const f = parseCsvRecord(message.slice(7));
  if (f.length < 9) return `pgaudit record with ${f.length} fields (expected 9 or 10)`;
  const [auditType, stmt, sub, cls, command, objectType, objectName, statement, parameter, rows] = f;
  if (auditType !== 'SESSION' && auditType !== 'OBJECT') return `unknown pgaudit audit type ${auditType}`;
  if (!/^\d+$/.test(stmt!) || !/^\d+$/.test(sub!)) return 'pgaudit statement ids are not numbers';
  if (!CLASSES.has(cls!)) return `unknown pgaudit class ${cls}`;
  return {
    auditType,
    statementId: Number(stmt),
    substatementId: Number(sub),
    class: cls!,
    command: command!,
    objectType: objectType || undefined,
    objectName: objectName || undefined,
    statement: statement!,
    parameter: parameter || undefined,
    rows: rows || undefined,
  };
}

function verbType(command: string): string {
  if (command.startsWith('CREATE')) return 'creation';
  if (command.startsWith('DROP')) return 'deletion';
  return 'change';
}

/** Action, ECS category and type of a record, by its class and command. */
export function classifyPgaudit(rec: PgauditRecord): { action: string; category: string[]; type: string[] } {
  switch (rec.class) {
    case 'DDL':
      return { action: 'db.ddl', category: ['database', 'configuration'], type: [verbType(rec.command)] };
    case 'ROLE':
      return rec.command === 'GRANT' || rec.command === 'REVOKE'
        ? { action: 'db.privilege_change', category: ['database', 'iam'], type: ['change'] }
        : { action: 'db.role_change', category: ['database', 'iam'], type: ['user', verbType(rec.command)] };
    case 'READ':
      return { action: 'db.query', category: ['database'], type: ['access'] };
    case 'WRITE':
    case 'MISC_SET':
      return { action: 'db.query', category: ['database'], type: ['change'] };
    default: // FUNCTION, MISC
      return { action: 'db.query', category: ['database'], type: ['info'] };
  }
}
