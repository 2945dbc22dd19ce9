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

  it('finds a term of the message or the original whether or not the original contains the message', async () => {
    const store = new SqliteStore(fs.mkdtempSync(path.join(os.tmpdir(), 'stele-fts-')));
    const line = (i: number) => `<38>Dec  6 08:00:0${i} web-1 sshd[9${i}]: Failed password for mallory${i}`;
    const events = [0, 1, 2, 3].map((i) => ({
      '@timestamp': new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      // 0 and 1: the message is part of the original (only the original is indexed); 2: it is not; 3: no original.
      message: i === 2 ? `rewritten note about alice${i}` : `Failed password for mallory${i}`,
      ...(i === 3 ? {} : { event: { original: line(i) } }),
    })) as AuditEvent[];
    await store.append({ events: events.map(recordFor), nodes: [], frontier: '{}', producers: [] });
    const plan = (q: string) => planQuery(parseQuery(q), { now: 0 });
    const body = await store.search({ where: undefined, limit: 10 });
    for (const q of [
      'mallory0',
      'mallory1',
      'alice2',
      'mallory2',
      'mallory3',
      'sshd',
      'message:mallory1',
      'event.original:alice2',
    ]) {
      expect(store.compileFilter(plan(q))?.sql, q).toContain('events_fts MATCH');
      const expected = events.flatMap((e, seq) => (matchesPredicate(plan(q), e) ? [seq] : [])).reverse();
      const rows = await store.search({ where: store.compileFilter(plan(q)), limit: 10 });
      expect(
        rows.map((r) => r.seq),
        q,
      ).toEqual(expected);
    }
    expect(body).toHaveLength(4);
    await store.close();
  });
});
