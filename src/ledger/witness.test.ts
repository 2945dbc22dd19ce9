// Witness publishing: the file witness keeps the latest checkpoint and refuses to go back; the URL
// witness POSTs each note with its token, retries what may pass on a later try, and a newer note
// replaces one still waiting behind a slow witness.

import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signCheckpoint } from './checkpoint.js';
import { createSignerKey } from './note.js';
import { createWitnessPublisher } from './witness.js';

const signer = createSignerKey('example.org/log', Buffer.alloc(32, 1));
const note = (size: number, fill = size % 256) =>
  signCheckpoint({ origin: signer.name, size, rootHash: Buffer.alloc(32, fill) }, signer);

interface Received {
  body: string;
  authorization: string | undefined;
}

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A witness endpoint answering each request with the next status (the last one repeats). */
async function endpoint(statuses: number[], delayMs = 0): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ body, authorization: req.headers.authorization });
      const status = statuses[Math.min(received.length - 1, statuses.length - 1)]!;
      setTimeout(() => res.writeHead(status).end(), delayMs);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/add-checkpoint`, received };
}

describe('file witness', () => {
  it('keeps the latest checkpoint and refuses an older one or another root for the same size', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stele-witness-')), 'sub', 'checkpoint');
    const witnesses = createWitnessPublisher([{ type: 'file', path: file }]);
    await witnesses.publish(note(10));
    await witnesses.publish(note(12));
    expect(fs.readFileSync(file, 'utf8')).toBe(note(12));
    await expect(witnesses.publish(note(11))).rejects.toThrow(
      /keeps a checkpoint of example.org\/log at size 12; refusing size 11 \(was the log rolled back\?\)/,
    );
    await expect(witnesses.publish(note(12, 99))).rejects.toThrow(/another root for size 12/);
    expect(fs.readFileSync(file, 'utf8')).toBe(note(12));
  });
});

describe('URL witness', () => {
  it('POSTs the note text with the bearer token from the environment, retrying a 503', async () => {
    const { url, received } = await endpoint([503, 200]);
    const witnesses = createWitnessPublisher([{ type: 'url', url, token_env: 'WITNESS_TOKEN' }], {
      env: { WITNESS_TOKEN: 't0ken' },
      backoffMs: 10,
    });
    await witnesses.publish(note(5));
    expect(received).toEqual([
      { body: note(5), authorization: 'Bearer t0ken' },
      { body: note(5), authorization: 'Bearer t0ken' },
    ]);
  });

  it('gives up at once on a 4xx refusal, and after the attempts on an unreachable witness', async () => {
    const { url, received } = await endpoint([409]);
    const refused = createWitnessPublisher([{ type: 'url', url }], { backoffMs: 10 });
    await expect(refused.publish(note(5))).rejects.toThrow(/add-checkpoint: HTTP 409/);
    expect(received).toHaveLength(1);
    const down = createWitnessPublisher([{ type: 'url', url: 'http://127.0.0.1:1/' }], {
      attempts: 2,
      backoffMs: 10,
      timeoutMs: 500,
    });
    await expect(down.publish(note(5))).rejects.toThrow(
      /witness did not take the checkpoint: http:\/\/127.0.0.1:1\//,
    );
  });

  it('sends a newer checkpoint instead of one still waiting behind a slow witness', async () => {
    const { url, received } = await endpoint([200], 150);
    const witnesses = createWitnessPublisher([{ type: 'url', url }]);
    const sent = [1, 2, 3].map((size) => witnesses.publish(note(size)));
    await Promise.all(sent);
    await witnesses.close();
    expect(received.map((r) => r.body)).toEqual([note(1), note(3)]);
  });

  it('names a missing token variable when it is created (at start-up)', () => {
    expect(() =>
      createWitnessPublisher([{ type: 'url', url: 'http://127.0.0.1:1/', token_env: 'NO_SUCH_VAR' }], {
        env: {},
      }),
    ).toThrow(/environment variable NO_SUCH_VAR is not set/);
  });
});
