// What the benchmarks share: temporary directories, free ports, `stele serve` as a child process,
// and a keep-alive POST of events.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const BIN = path.resolve(import.meta.dirname, '..', '..', 'bin', 'stele');

export function tmpDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `stele-bench-${name}-`));
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface ServeProcess {
  child: ChildProcess;
  port: number;
  /** The admin token, when this start created it. */
  token: string | undefined;
}

/**
 * Starts `stele serve ARGS --listen 127.0.0.1:PORT` and waits until it listens; with `script`, that
 * script (a variant of `stele serve` that prints the same lines) instead of `bin/stele serve`.
 */
export async function startServe(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  script?: string,
): Promise<ServeProcess> {
  const port = await freePort();
  const command = script ? [script] : [BIN, 'serve'];
  // The young-generation size `npm start` and bin/stele give the server (README, Performance).
  const child = spawn(
    process.execPath,
    ['--max-semi-space-size=64', ...command, ...args, '--listen', `127.0.0.1:${port}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  // A first start prints the admin token (stdout) before "listening on" (stderr); the pipes are
  // read separately, so wait for the token too when the server says it made one.
  const ready = () =>
    err.includes('listening on') &&
    (!err.includes('created the first admin API key') || /stele_\S+/.test(out));
  while (!ready()) {
    if (child.exitCode !== null) throw new Error(`server failed: ${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, port, token: /stele_\S+/.exec(out)?.[0] };
}

export async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** One keep-alive POST /v1/events; resolves with the status once the whole reply is read. */
export function postEvents(agent: http.Agent, port: number, token: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/events',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': body.length,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
