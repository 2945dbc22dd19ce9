import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../query/parser.js';
import { planQuery } from '../../query/plan.js';
import { runStoreSuite } from '../store.case.js';
import { SqliteStore } from './sqlite-store.js';

let dir = '';
runStoreSuite(
  'sqlite',
  async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stele-sqlite-'));
    return new SqliteStore(dir);
  },
  async () => fs.rmSync(dir, { recursive: true, force: true }),
);

describe('sqlite full-text index', () => {
  it('narrows text predicates with the trigram index, and scans for terms under three characters', () => {
    const store = new SqliteStore(fs.mkdtempSync(path.join(os.tmpdir(), 'stele-fts-')));
    const sql = (q: string) => store.compileFilter(planQuery(parseQuery(q), { now: 0 }))?.sql ?? '';
    expect(sql('failed')).toContain('events_fts MATCH');
    expect(sql('message:*denied')).toContain('events_fts MATCH');
    expect(sql('ab')).not.toContain('events_fts');
    expect(sql('process.command_line:*nginx*')).not.toContain('events_fts');
    void store.close();
  });
});
