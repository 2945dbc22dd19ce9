// The command-line contract of DESIGN.md for usage itself: every command takes --help, and a usage
// mistake exits non-zero with a one-line reason, like every other failure.

import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/main.js';
import { runStele } from './helpers/child.js';

describe('stele usage', () => {
  it('every command and subcommand takes --help', async () => {
    const paths = buildProgram().commands.flatMap((c) => [
      [c.name()],
      ...c.commands.map((sub) => [c.name(), sub.name()]),
    ]);
    expect(paths.length).toBeGreaterThan(20);
    const runs = await Promise.all(paths.map((names) => runStele([...names, '--help'])));
    runs.forEach(({ stdout, code }, i) => {
      expect({ names: paths[i], code }).toEqual({ names: paths[i], code: 0 });
      expect(stdout).toMatch(/^Usage: stele /);
    });
  });

  it.each([
    [['query', 'user.name:alice', '--bogus'], /^stele: unknown option '--bogus'/],
    [['frobnicate'], /^stele: unknown command 'frobnicate'/],
    [['keys', 'create'], /^stele: required option '--scope <scopes>' not specified/],
    [['proof'], /^stele: missing required argument 'seq'/],
    [['query', '--limit'], /^stele: option '--limit <n>' argument missing/],
  ])('%j exits 2 with a one-line reason', async (args, reason) => {
    const { stderr, code } = await runStele(args);
    expect(code).toBe(2);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(reason);
    expect(stderr).toMatch(/--help/);
  });
});
