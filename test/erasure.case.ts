// Erasure: after erasing a user, their name and address are in no stored row (and, where the
// database overwrites freed space, nowhere in its files: raw bytes, after the WAL is folded in),
// other people's events are untouched, and every stored event still hashes to its leaf, so every
// proof and checkpoint stays valid. Run on every database (erasure.test.ts).

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ledgerEntry } from '../src/ledger/entry.js';
import { CompactRange, hashLeaf } from '../src/ledger/merkle.js';
import { parseCheckpoint } from '../src/ledger/checkpoint.js';
import { rowToEvent } from '../src/store/store.js';
import { SearchService } from '../src/query/search.js';
import type { BackendKind, TestBackend } from './helpers/backends.js';
import { sampleEvent, startTestServer, type TestServer } from './helpers/server.js';

const NAME = 'zoe.erasable';
const IP = '198.51.100.77';

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}

export function runErasureSuite(kind: BackendKind): void {
  let backend: TestBackend;
  let srv: TestServer;

  beforeAll(async () => {
    backend = await kind.create();
    srv = await startTestServer({ ...backend.target });
    const events = [
      sampleEvent({
        user: { name: NAME },
        source: { ip: IP },
        message: `Accepted password for ${NAME} from ${IP}`,
      }),
      sampleEvent({
        event: { action: 'sudo.exec', outcome: 'success' },
        user: { name: NAME, effective: { name: 'root' } },
        process: { name: 'sudo', command_line: `/usr/bin/less /home/${NAME}/notes` },
        related: { user: [NAME, 'root'] },
      }),
      sampleEvent({
        user: { name: 'bob' },
        source: { ip: '203.0.113.9' },
        message: 'Accepted password for bob',
      }),
      // The person's address without a user (a preauth disconnect): theirs too.
      sampleEvent({
        user: undefined,
        source: { ip: IP },
        message: `Connection closed by ${IP} port 22 [preauth]`,
      }),
      // Someone else coming from the same address keeps their event.
      sampleEvent({ user: { name: 'carol' }, source: { ip: IP }, message: 'Accepted publickey for carol' }),
    ];
    const res = await srv.post(JSON.stringify(events));
    expect(res.status).toBe(200);
  });

  afterAll(async () => {
    await srv.close();
    await backend.dispose();
  });

  it('needs the admin scope', async () => {
    const { createApiKey } = await import('../src/auth/api-keys.js');
    const store = await backend.openStore();
    const { token } = await createApiKey(store, {
      name: 'ingester',
      scopes: ['ingest', 'read'],
      clock: { now: () => Date.now() },
    });
    await store.close();
    const res = await fetch(`${srv.url}/v1/erasure`, {
      method: 'POST',
      body: JSON.stringify({ user: NAME }),
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(403);
  });

  it('erases the person everywhere and keeps every leaf', async () => {
    // A search for the person, recorded (with its query) in the audit trail before the erasure.
    const before = (await (await srv.get(`/v1/events?q="${NAME}"`)).json()) as { events: unknown[] };
    expect(before.events.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    const res = await fetch(`${srv.url}/v1/erasure`, {
      method: 'POST',
      body: JSON.stringify({ user: NAME }),
      headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    // The person's two events and the address-only one lose every personal value; carol's event
    // from the same address loses only the address.
    const report = (await res.json()) as { events: number; remaining: number };
    // Their 2 events, the address-only one, carol's address, and the audit record of the search.
    expect(report).toMatchObject({ events: 5, remaining: 0 });
    const carol = (await (await srv.get('/v1/events?q=user.name:carol')).json()) as {
      events: Array<Record<string, any>>;
    };
    expect(carol.events).toHaveLength(1);
    expect(carol.events[0]!.source.ip).toBe('[erased]');
    expect(carol.events[0]!.message).toBe('Accepted publickey for carol');

    const erasedView = (await (await srv.get('/v1/events?q=user.name:"[erased]"')).json()) as {
      events: Array<Record<string, any>>;
    };
    expect(erasedView.events).toHaveLength(2);
    expect(erasedView.events.every((e) => e.message === '[erased]')).toBe(true);
    const record = (await (await srv.get('/v1/events?q=event.action:stele.erasure')).json()) as {
      events: Array<Record<string, any>>;
    };
    expect(record.events).toHaveLength(1);
    expect(JSON.stringify(record.events[0])).not.toContain(NAME);
    await srv.stop();

    // No stored row holds them, in any column of any table Stele keeps events or detection state in.
    for (const table of ['events', 'detect_seen', 'alerts']) {
      const rows = JSON.stringify(await backend.exec(`SELECT * FROM ${table}`), (_, v: unknown) =>
        typeof v === 'object' && v !== null && (v as { type?: string }).type === 'Buffer'
          ? Buffer.from((v as { data: number[] }).data).toString('latin1')
          : v,
      );
      expect(rows.includes(NAME), `${table} still holds the name`).toBe(false);
      expect(rows.includes(IP), `${table} still holds the address`).toBe(false);
    }
    // Raw bytes, where the database overwrites what it frees (SQLite's secure_delete; PostgreSQL
    // keeps old row versions in free space until reused: docs/postgresql.md).
    if (backend.overwritesFreedBytes) {
      for (const file of filesUnder(backend.dataDir)) {
        const bytes = fs.readFileSync(file);
        expect(bytes.includes(NAME), `${file} still holds the name`).toBe(false);
        expect(bytes.includes(IP), `${file} still holds the address`).toBe(false);
      }
    }

    const store = await backend.openStore({ readonly: true });
    const fields = JSON.parse((await store.getMeta('personal_fields'))!) as string[];
    const rows = await store.scanEvents(0, 1000);
    const range = new CompactRange();
    for (const row of rows) {
      const event = rowToEvent(row)!;
      expect(hashLeaf(ledgerEntry(event, row.seed, fields, row.erased)).equals(row.leafHash)).toBe(true);
      range.append(row.leafHash);
    }
    // Full-text search no longer finds the person; what others' events still say is still found.
    const search = new SearchService(store, { now: () => Date.now() });
    expect(await search.count(search.prepare(`"${NAME}"`))).toBe(0);
    expect(await search.count(search.prepare('"publickey for carol"'))).toBe(1);
    const people = rows.map((r) => rowToEvent(r)!.user?.name);
    expect(people).toContain('bob');
    expect(people).toContain('carol');
    const cp = (await store.latestCheckpoint())!;
    if (cp.size === range.size)
      expect(parseCheckpoint(cp.note.split('\n\n')[0]! + '\n').rootHash.equals(range.root())).toBe(true);
    await store.close();
  });
}

/**
 * Live detection raises alerts from just-committed events held in memory, a moment after their
 * commit. An erasure that follows at once must still reach those alerts: the server lets detection
 * catch up before it erases.
 */
export function runRecentErasureSuite(kind: BackendKind): void {
  const person = 'yann.justcreated';
  let backend: TestBackend;
  let srv: TestServer;

  beforeAll(async () => {
    backend = await kind.create();
    srv = await startTestServer({ ...backend.target });
  });

  afterAll(async () => {
    await srv.close();
    await backend.dispose();
  });

  it('erases the alert of an event committed just before', async () => {
    // `useradd` on a host raises the built-in "New local account created" alert, naming the account.
    const created = sampleEvent({
      event: { action: 'user.create', outcome: 'success', category: 'iam', dataset: 'linux.auth' },
      user: { name: 'root', target: { name: person } },
      related: { user: ['root', person] },
      message: `new user: name=${person}, UID=1001`,
    });
    expect((await srv.post(JSON.stringify([created]))).status).toBe(200);
    const res = await fetch(`${srv.url}/v1/erasure`, {
      method: 'POST',
      body: JSON.stringify({ user: person }),
      headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    await srv.stop();
    const alerts = JSON.stringify(await backend.exec('SELECT * FROM alerts'));
    expect(alerts).toContain('New local account created');
    expect(alerts.includes(person), 'an alert still names the erased person').toBe(false);
  });
}
