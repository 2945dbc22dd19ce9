// The HTTP ingest contract of DESIGN.md, against a real server: accepted/duplicates/rejected
// replies, idempotent re-sends, access control, and hostile bodies answered with a 4xx JSON error.

import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleEvent, startTestServer, type TestServer } from './helpers/server.js';

let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.close();
});

interface Reply {
  accepted: Array<{ index: number; seq: number }>;
  duplicates: Array<{ index: number; seq: number }>;
  rejected: Array<{ index: number; field: string; message: string }>;
  error?: { code: string; message: string };
}

async function expectError(res: Response, status: number, pattern: RegExp): Promise<void> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: { message: string } };
  expect(body.error.message).toMatch(pattern);
}

describe('POST /v1/events', () => {
  it('stores a JSON array and replies with gapless seqs in request order', async () => {
    const res = await srv.post(JSON.stringify([sampleEvent(), sampleEvent(), sampleEvent()]));
    expect(res.status).toBe(200);
    const reply = (await res.json()) as Reply;
    expect(reply.accepted.map((a) => a.index)).toEqual([0, 1, 2]);
    const seqs = reply.accepted.map((a) => a.seq);
    expect(seqs[1]! - seqs[0]!).toBe(1);
    expect(seqs[2]! - seqs[1]!).toBe(1);
    const stored = (await (await srv.get(`/v1/events/${seqs[1]}`)).json()) as Record<string, any>;
    expect(stored.stele.seq).toBe(seqs[1]);
    expect(stored.user.name).toBe('alice');
    expect(stored.stele.source).toBe('http:admin');
  });

  it('accepts NDJSON and gzip', async () => {
    const ndjson = [sampleEvent(), sampleEvent()].map((e) => JSON.stringify(e)).join('\n') + '\n';
    const res = await srv.post(gzipSync(ndjson), {
      'content-type': 'application/x-ndjson',
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Reply).accepted).toHaveLength(2);
  });

  it('normalizes @timestamp to UTC with milliseconds', async () => {
    const res = await srv.post(JSON.stringify([sampleEvent({ '@timestamp': '2026-03-01T10:00:00+02:00' })]));
    const { accepted } = (await res.json()) as Reply;
    const stored = (await (await srv.get(`/v1/events/${accepted[0]!.seq}`)).json()) as Record<
      string,
      unknown
    >;
    expect(stored['@timestamp']).toBe('2026-03-01T08:00:00.000Z');
  });

  it('stores a producer re-send once and reports it as a duplicate with its seq', async () => {
    const e = sampleEvent({ stele: { producer: { id: 'agent-7', seq: 1 } } });
    const first = (await (await srv.post(JSON.stringify([e]))).json()) as Reply;
    const again = (await (await srv.post(JSON.stringify([e, e]))).json()) as Reply;
    expect(again.accepted).toEqual([]);
    expect(again.duplicates).toEqual([
      { index: 0, seq: first.accepted[0]!.seq },
      { index: 1, seq: first.accepted[0]!.seq },
    ]);
  });

  it('answers a re-send of duplicates only, when a checkpoint is due, with the duplicates', async () => {
    // A batch adding no entry has nothing new to sign: it once carried a second checkpoint of the
    // same size, which the store refused, so the re-send got a 503 every time.
    const e = sampleEvent({ stele: { producer: { id: 'agent-resend', seq: 1 } } });
    const first = (await (await srv.post(JSON.stringify([e]))).json()) as Reply;
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setTimeout(r, 400)); // past the 250 ms between batch checkpoints
      const res = await srv.post(JSON.stringify([e]));
      expect(res.status).toBe(200);
      expect(((await res.json()) as Reply).duplicates).toEqual([{ index: 0, seq: first.accepted[0]!.seq }]);
    }
  });

  it('counts gaps in a producer sequence in /metrics', async () => {
    const batch = [1, 2, 5].map((seq) => sampleEvent({ stele: { producer: { id: 'agent-gappy', seq } } }));
    expect((await srv.post(JSON.stringify(batch))).status).toBe(200);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toMatch(/stele_producer_gaps\{producer="agent-gappy"\} 2/);
    // A producer with nothing missing has no series (one per `stele ingest --server` run would pile up).
    expect(metrics).not.toMatch(/stele_producer_gaps\{producer="agent-7"\}/);
    expect(metrics).toMatch(/stele_events_duplicate_total\{source="http:admin"\} [1-9]/);
    expect(metrics).toMatch(/stele_events_accepted_total\{source="http:admin"\} [1-9]/);
    expect(metrics).toMatch(/stele_database_bytes [1-9]/);
    expect(metrics).toMatch(/stele_commit_seconds_bucket/);
  });

  it('names the one bad event of a 1,000-event batch and stores the other 999', async () => {
    const batch = Array.from({ length: 1000 }, () => sampleEvent());
    batch[537] = { ...sampleEvent(), '@timestamp': 'yesterday' };
    const res = await srv.post(JSON.stringify(batch));
    expect(res.status).toBe(200);
    const reply = (await res.json()) as Reply;
    expect(reply.rejected).toEqual([
      { index: 537, field: '@timestamp', message: expect.stringMatching(/RFC 3339/) },
    ]);
    expect(reply.accepted).toHaveLength(999);
    expect(reply.accepted.some((a) => a.index === 537)).toBe(false);
    const seqs = reply.accepted.map((a) => a.seq);
    expect(seqs.at(-1)! - seqs[0]!).toBe(998);
  });
});

describe('bad input gets a 4xx with a JSON error, and the server stays up', () => {
  it('malformed JSON', async () => {
    await expectError(await srv.post('[{"@timestamp": '), 400, /malformed JSON/);
  });

  it('a body that is not an array of events', async () => {
    await expectError(await srv.post('"just a string"'), 400, /JSON array/);
    await expectError(await srv.post('42'), 400, /JSON array/);
  });

  it('an event without @timestamp', async () => {
    const res = await srv.post(JSON.stringify([{ event: { action: 'ssh.login' } }]));
    expect(res.status).toBe(422);
    const reply = (await res.json()) as Reply;
    expect(reply.rejected).toEqual([{ index: 0, field: '@timestamp', message: 'required' }]);
    expect(reply.error?.message).toMatch(/@timestamp/);
  });

  it('wrong types', async () => {
    const res = await srv.post(JSON.stringify([sampleEvent({ source: { ip: '10.0.0.1', port: 'ssh' } })]));
    expect(res.status).toBe(422);
    const reply = (await res.json()) as Reply;
    expect(reply.rejected[0]).toMatchObject({ index: 0, field: 'source.port' });
    const outcome = await srv.post(JSON.stringify([sampleEvent({ event: { outcome: 'maybe' } })]));
    expect(((await outcome.json()) as Reply).rejected[0]).toMatchObject({ field: 'event.outcome' });
  });

  it('a body over the limit is refused with 413 from its Content-Length', async () => {
    const limit = srv.config.limits.max_body_bytes;
    const res = await fetch(`${srv.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' },
      body: Buffer.alloc(limit + 1, 0x20),
    });
    await expectError(res, 413, /limit/);
  });

  it('a chunked body (no Content-Length) over the limit is refused with 413, not a reset', async () => {
    const limit = srv.config.limits.max_body_bytes;
    const piece = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > limit) controller.close();
        else controller.enqueue(piece);
        sent += piece.length;
      },
    });
    const res = await fetch(`${srv.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    await expectError(res, 413, /limit/);
  });

  it('a gzip bomb is stopped at the limit after decompression', async () => {
    const bomb = gzipSync(Buffer.alloc(srv.config.limits.max_body_bytes + 1024, 0x20));
    const res = await srv.post(bomb, { 'content-encoding': 'gzip' });
    await expectError(res, 413, /limit/);
  });

  it('a 1 MB field is rejected by name', async () => {
    const res = await srv.post(JSON.stringify([sampleEvent({ message: 'x'.repeat(1024 * 1024) })]));
    expect(res.status).toBe(422);
    expect(((await res.json()) as Reply).rejected[0]).toMatchObject({ index: 0, field: 'message' });
  });

  it('a 1 MB value or name of a field the schema does not know is rejected by name', async () => {
    const mb = 'x'.repeat(1024 * 1024);
    const res = await srv.post(
      JSON.stringify([
        sampleEvent({ custom: { blob: mb } }),
        sampleEvent({ custom: { list: ['ok', mb] } }),
        sampleEvent({ [mb]: 1 }),
        sampleEvent({ custom: { note: 'y'.repeat(8 * 1024) } }),
      ]),
    );
    expect(res.status).toBe(200);
    const reply = (await res.json()) as Reply;
    expect(reply.rejected.map(({ index, field }) => ({ index, field }))).toEqual([
      { index: 0, field: 'custom.blob' },
      { index: 1, field: 'custom.list.1' },
      { index: 2, field: `${mb.slice(0, 64)}...` },
    ]);
    expect(reply.rejected[0]!.message).toMatch(/8192/);
    expect(reply.accepted.map((a) => a.index)).toEqual([3]);
  });

  it('invalid UTF-8', async () => {
    const bytes = Buffer.concat([
      Buffer.from('[{"@timestamp":"2026-01-01T00:00:00Z","message":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}]'),
    ]);
    await expectError(await srv.post(bytes), 400, /UTF-8/);
  });

  it('JSON nested 10,000 deep', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const res = await srv.post(deep);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const obj = `[{"@timestamp":"2026-01-01T00:00:00Z","labels":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}]`;
    const res2 = await srv.post(obj);
    expect(res2.status).toBeGreaterThanOrEqual(400);
    expect(res2.status).toBeLessThan(500);
    expect(JSON.stringify(await res2.json())).toMatch(/nested deeper/);
  });

  it('no token, a wrong token, and a token without the ingest scope', async () => {
    await expectError(await srv.post(JSON.stringify([sampleEvent()]), {}, null), 401, /missing API key/);
    await expectError(
      await srv.post(JSON.stringify([sampleEvent()]), {}, 'stele_aaaaaaaaaaaa_' + 'b'.repeat(43)),
      401,
      /invalid/,
    );
    const { createApiKey } = await import('../src/auth/api-keys.js');
    const { SqliteStore } = await import('../src/store/sqlite/sqlite-store.js');
    const store = new SqliteStore(srv.dataDir);
    const { token } = await createApiKey(store, {
      name: 'reader',
      scopes: ['read'],
      clock: { now: () => Date.now() },
    });
    await store.close();
    await expectError(await srv.post(JSON.stringify([sampleEvent()]), {}, token), 403, /'ingest' scope/);
    expect((await srv.get('/v1/events?limit=1', token)).status).toBe(200);
  });

  it('still serves after all of that', async () => {
    const res = await srv.post(JSON.stringify([sampleEvent()]));
    expect(res.status).toBe(200);
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toMatch(/stele_events_rejected_total\{source="http:admin"\} [1-9]/);
  });
});

describe('GET /v1/events', () => {
  it('filters by field and time and pages with a cursor that ignores newer arrivals', async () => {
    const batch = Array.from({ length: 5 }, (_, i) =>
      sampleEvent({ user: { name: 'pager' }, '@timestamp': `2025-01-01T00:00:0${i}.000Z` }),
    );
    await srv.post(JSON.stringify(batch));
    const first = (await (await srv.get('/v1/events?q=user.name:pager&limit=2')).json()) as {
      events: Array<Record<string, any>>;
      next_cursor: string | null;
    };
    expect(first.events.map((e) => e['@timestamp'])).toEqual([
      '2025-01-01T00:00:04.000Z',
      '2025-01-01T00:00:03.000Z',
    ]);
    // A new matching event arrives between pages; it must not shift the pages already being read.
    await srv.post(
      JSON.stringify([sampleEvent({ user: { name: 'pager' }, '@timestamp': '2025-01-01T00:00:03.500Z' })]),
    );
    const second = (await (
      await srv.get(`/v1/events?q=user.name:pager&limit=2&cursor=${first.next_cursor}`)
    ).json()) as {
      events: Array<Record<string, any>>;
    };
    expect(second.events.map((e) => e['@timestamp'])).toEqual([
      '2025-01-01T00:00:02.000Z',
      '2025-01-01T00:00:01.000Z',
    ]);
    const ranged = (await (
      await srv.get('/v1/events?q=user.name:pager&from=2025-01-01T00:00:01Z&to=2025-01-01T00:00:03Z')
    ).json()) as {
      events: unknown[];
    };
    expect(ranged.events).toHaveLength(2);
    const count = (await (await srv.get('/v1/events/count?q=user.name:pager')).json()) as { count: number };
    expect(count.count).toBe(6);
  });

  it('rejects a bad limit and an unknown event', async () => {
    await expectError(await srv.get('/v1/events?limit=10001'), 400, /limit/);
    await expectError(await srv.get('/v1/events/99999999'), 404, /no event/);
  });
});
