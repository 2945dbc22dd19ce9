// A small glob for the file follower (Node 20 has no fs.glob): `*`, `?`, `[abc]`/`[!abc]` within one
// path segment and `**` for any number of directories. Hidden entries match only a pattern segment
// that starts with a dot; symbolic links to directories are not descended.

import fs from 'node:fs/promises';
import path from 'node:path';

const MAGIC = /[*?[]/;
const MAX_DEPTH = 16;

export function hasMagic(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/** Regular expression for one path segment. */
export function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = segment.slice(i + 1, close);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += ch.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Regular files matching `pattern`, sorted. */
export async function expandGlob(pattern: string): Promise<string[]> {
  const absolute = path.resolve(pattern);
  if (!hasMagic(absolute)) return (await isFile(absolute)) ? [absolute] : [];
  const segments = absolute.split(path.sep).filter((s) => s !== '');
  const out = new Set<string>();
  await walk(path.sep, segments, 0, out);
  return [...out].sort();
}

async function walk(dir: string, segments: string[], depth: number, out: Set<string>): Promise<void> {
  const [segment, ...rest] = segments;
  if (segment === undefined || depth > MAX_DEPTH) return;
  if (segment === '**') {
    await walk(dir, rest, depth + 1, out); // zero directories
    for (const sub of await subdirectories(dir, false)) await walk(sub, segments, depth + 1, out);
    return;
  }
  if (!hasMagic(segment)) {
    const next = path.join(dir, segment);
    if (rest.length === 0) {
      if (await isFile(next)) out.add(next);
    } else await walk(next, rest, depth + 1, out);
    return;
  }
  const re = segmentRegExp(segment);
  const entries = await readdir(dir);
  for (const e of entries) {
    if (!re.test(e.name) || (e.name.startsWith('.') && !segment.startsWith('.'))) continue;
    const next = path.join(dir, e.name);
    if (rest.length === 0) {
      if (await isFile(next)) out.add(next);
    } else if (e.isDirectory()) await walk(next, rest, depth + 1, out);
  }
}

async function readdir(dir: string) {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

async function subdirectories(dir: string, hidden: boolean): Promise<string[]> {
  return (await readdir(dir))
    .filter((e) => e.isDirectory() && (hidden || !e.name.startsWith('.')))
    .map((e) => path.join(dir, e.name));
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}
