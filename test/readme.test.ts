// The README's quick start, run as written: `npm start`, then the shell block that posts an event
// with curl and finds it with `bin/stele query`. Only the port (a free one instead of 8080) and the
// token (the one this start printed) are substituted.

import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/server.js';
import { freePort } from './helpers/child.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe('README quick start', () => {
  it('works as written', async () => {
    const blocks = shellBlocks(README);
    expect(blocks[0]).toContain('npm install && npm start');
    const session = blocks.find((b) => b.includes('curl'))!;
    expect(session).toContain('bin/stele query');

    const port = await freePort();
    const data = tempDir('stele-readme-');
    const server = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, STELE_DATA: data, STELE_LISTEN: `127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let err = '';
    server.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    server.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const deadline = Date.now() + 30_000;
      while (!/stele_\S+/.test(out)) {
        if (server.exitCode !== null || Date.now() > deadline) throw new Error(`npm start failed: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(err).toContain(`listening on http://127.0.0.1:${port}`);
      const token = /stele_\S+/.exec(out)![0];
      const script = session
        .replace(/stele_k3x\.\.\./g, token)
        .replace(/127\.0\.0\.1:8080/g, `127.0.0.1:${port}`);
      const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT });
      expect(stdout).toContain('{"accepted":[{"index":0,"seq":0}],"duplicates":[],"rejected":[]}');
      // Off a terminal `stele query` prints NDJSON (a table on a terminal, as in the README).
      const found = stdout
        .slice(stdout.indexOf('}{') + 1)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, any>);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        user: { name: 'root' },
        event: { action: 'ssh.login', outcome: 'failure' },
        stele: { seq: 0 },
      });
    } finally {
      process.kill(-server.pid!, 'SIGTERM');
      await new Promise((r) => server.once('exit', r));
      fs.rmSync(data, { recursive: true, force: true });
    }
  }, 60_000);
});
