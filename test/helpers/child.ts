// Test harness for the built CLI as a real child process: one command run to its end, and
// `stele serve` (crash, shutdown and README tests).

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'stele');

const execFileAsync = promisify(execFile);

/** Runs `bin/stele` with `args` (and `input` on its standard input) to its end. */
export async function runStele(
  args: string[],
  input?: string,
): Promise<{ stdout: string; stderr: string; code: number }> {
  const child = execFileAsync(process.execPath, [BIN, ...args], { maxBuffer: 64 * 1024 * 1024 });
  if (input !== undefined) child.child.stdin!.end(input);
  try {
    const { stdout, stderr } = await child;
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface ServeChild {
  child: ChildProcess;
  /** The admin token, when this start created it. */
  token?: string;
  stderr(): string;
}

/** Starts `stele serve` and waits until it listens. */
export async function startServeChild(
  dataDir: string,
  port: number,
  args: string[] = [],
): Promise<ServeChild> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const deadline = Date.now() + 20_000;
  // A first start prints the admin token on stdout before "listening on" on stderr; the pipes are
  // read separately, so wait for the token too when the server says it made one.
  const ready = () =>
    err.includes('listening on') &&
    (!err.includes('created the first admin API key') || /stele_\S+/.test(out));
  while (!ready()) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const token = out
    .trim()
    .split('\n')
    .find((l) => l.startsWith('stele_'));
  return { child, ...(token ? { token } : {}), stderr: () => err };
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
