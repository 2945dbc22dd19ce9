import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../query/parser.js';
import { matchesPredicate, planQuery } from '../../query/plan.js';
import type { AuditEvent } from '../../core/event.js';
import { recordFor, runStoreSuite } from '../store.case.js';
import { SqliteStore } from './sqlite-store.js';

let dir = '';
runStoreSuite(
  'sqlite',
  async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stele-sqlite-'));
    return new SqliteStore(dir);
  },
  async () => fs.rmSync(dir, { recursive: true, force: true }),
  async (store, sql) => void (store as SqliteStore).raw.exec(sql),
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

  it('scans instead when a term is so common that a page of matches is found sooner in time order', async () => {
    const store = new SqliteStore(fs.mkdtempSync(path.join(os.tmpdir(), 'stele-fts-')));
    const events = Array.from({ length: 3000 }, (_, i) => ({
      '@timestamp': new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      event: { action: 'ssh.login' },
      message: i === 1234 ? 'a rare needle here' : `common words ${i}`,
    })) as AuditEvent[];
    await store.append({ events: events.map(recordFor), nodes: [], frontier: '{}', producers: [] });
    const plan = (q: string) => planQuery(parseQuery(q), { now: 0 });
    expect(store.compileFilter(plan('needle'))?.sql).toContain('events_fts MATCH');
    expect(store.compileFilter(plan('common'))?.sql).not.toContain('events_fts');
    for (const q of ['needle', 'common', 'words 12', 'NOT common']) {
      const expected = events.flatMap((e, seq) => (matchesPredicate(plan(q), e) ? [seq] : [])).reverse();
      const rows = await store.search({ where: store.compileFilter(plan(q)), limit: 5000 });
      expect(
        rows.map((r) => r.seq),
        q,
      ).toEqual(expected);
    }
    await store.close();
  });
});
