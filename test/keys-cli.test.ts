// `stele keys`: tokens printed once, keys listed without them, revoked by id; each with --json, as
// DESIGN.md asks of every command.

import { describe, expect, it } from 'vitest';
import { runStele } from './helpers/child.js';
import { tempDir } from './helpers/server.js';

describe('stele keys', () => {
  it('creates, lists and revokes a key, each with --json', async () => {
    const data = tempDir();
    const created = await runStele([
      'keys',
      'create',
      '--scope',
      'read,ingest',
      '--name',
      'ci',
      '--data',
      data,
      '--json',
    ]);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { token: string; id: string };
    expect(key.token).toMatch(new RegExp(`^stele_${key.id}_`));

    const revoked = await runStele(['keys', 'revoke', key.id, '--data', data, '--json']);
    expect(revoked.code).toBe(0);
    const record = JSON.parse(revoked.stdout) as Record<string, unknown>;
    expect(record).toMatchObject({ id: key.id, name: 'ci', scopes: ['read', 'ingest'] });
    expect(record).not.toHaveProperty('hash');
    expect(Date.parse(record.revoked as string)).not.toBeNaN();

    const listed = await runStele(['keys', 'list', '--data', data, '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([record]);
  });

  it('refuses to revoke an unknown key with a one-line reason', async () => {
    const data = tempDir();
    await runStele(['keys', 'create', '--scope', 'read', '--data', data]);
    const { stderr, code } = await runStele(['keys', 'revoke', 'nosuchkey', '--data', data, '--json']);
    expect(code).toBe(4);
    expect(stderr).toBe('stele: no API key with id nosuchkey\n');
  });
});
