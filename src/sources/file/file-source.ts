// File follower: the files matching a glob, followed as they grow, across rotation (rename and a new
// file) and truncation (copytruncate). Each file is read in chunks, one batch at a time: the next
// chunk is read only after the previous batch is durably committed and its offset saved, so a
// restart neither loses nor repeats a line, and a full pipeline simply stops the reading.

import type { FileHandle } from 'node:fs/promises';
import fs from 'node:fs/promises';
import type { Candidate } from '../../ingest/admitter.js';
import { collectCandidates, createSourceParser, decodeRecord, type SourceParser } from '../records.js';
import type { SourceCounters } from '../source-metrics.js';
import { DEFAULT_MAX_BACKLOG, type Source, type SourceDeps } from '../source.js';
import { expandGlob } from './glob.js';
import { HEAD_BYTES, OffsetStore, hashHead, type FileOffset } from './offsets.js';

export interface FileSourceConfig {
  path: string;
  format?: string;
  max_line_bytes?: number;
  poll_interval_ms?: number;
}

export interface FileSourceOptions {
  /** How often the glob is expanded and files checked for growth (default 250 ms). */
  pollIntervalMs?: number;
  /** Longer lines are rejected and skipped (default 64 KiB). */
  maxLineBytes?: number;
  /** Bytes read per batch (default 256 KiB; at least maxLineBytes + 1). */
  chunkBytes?: number;
  /** Admitter backlog above which files are not read (default 50,000). */
  maxBacklog?: number;
  /** A file no longer matched (rotated away, deleted) is read this long after it stops growing. */
  rotateGraceMs?: number;
}

interface Followed {
  id: string;
  path: string;
  handle: FileHandle;
  offset: number;
  head: string;
  headLength: number;
  /** Inside an over-long line: skip to the next LF. */
  discarding: boolean;
  /** Size when the head was last checked. */
  checkedSize: number;
  parser: SourceParser;
  /** When the glob stopped matching it (rotated out, deleted). */
  goneSince: number | undefined;
  grewAt: number;
}

export type CountersFor = (name: string, connections: () => number) => SourceCounters;

export async function startFileSource(
  config: FileSourceConfig,
  deps: SourceDeps,
  countersFor: CountersFor,
  options: FileSourceOptions = {},
): Promise<Source> {
  const name = `file:${config.path}`;
  const pollMs = options.pollIntervalMs ?? config.poll_interval_ms ?? 250;
  const maxLine = options.maxLineBytes ?? config.max_line_bytes ?? 64 * 1024;
  const chunkBytes = Math.max(options.chunkBytes ?? 256 * 1024, maxLine + 1);
  const maxBacklog = options.maxBacklog ?? DEFAULT_MAX_BACKLOG;
  const graceMs = options.rotateGraceMs ?? Math.max(1000, pollMs * 4);
  const format = config.format ?? 'auto';
  const store = new OffsetStore(deps.dataDir, name);
  const saved = store.load(); // offsets of files not (yet) followed are kept
  const followed = new Map<string, Followed>();
  const counters = countersFor(name, () => followed.size);
  let closing = false;
  let blocked = false;

  const persist = () => {
    const all = new Map(saved);
    for (const f of followed.values()) {
      all.set(f.id, { path: f.path, offset: f.offset, head: f.head, headLength: f.headLength });
    }
    store.save(name, all);
  };

  const open = async (file: string, id: string): Promise<void> => {
    let handle: FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch {
      return; // gone between the glob and the open: the next poll sees what is there
    }
    const stat = await handle.stat();
    if (`${stat.dev}:${stat.ino}` !== id) {
      await handle.close();
      return;
    }
    const head = await readHead(handle, HEAD_BYTES);
    const f: Followed = {
      id,
      path: file,
      handle,
      offset: 0,
      head: hashHead(head),
      headLength: head.length,
      discarding: false,
      checkedSize: stat.size,
      parser: createSourceParser(format, deps.timezone, deps.clock),
      goneSince: undefined,
      grewAt: Date.now(),
    };
    const before = saved.get(id);
    if (before && (await sameContent(handle, before)) && before.offset <= stat.size) {
      f.offset = before.offset;
      f.head = before.head;
      f.headLength = before.headLength;
    }
    saved.delete(id);
    followed.set(id, f);
  };

  const discover = async () => {
    const seen = new Set<string>();
    for (const file of await expandGlob(config.path)) {
      let stat;
      try {
        stat = await fs.stat(file);
      } catch {
        continue;
      }
      const id = `${stat.dev}:${stat.ino}`;
      seen.add(id);
      const known = followed.get(id);
      if (known) {
        known.path = file;
        known.goneSince = undefined;
      } else await open(file, id);
    }
    for (const f of followed.values()) if (!seen.has(f.id)) f.goneSince ??= Date.now();
  };

  /** Truncated or replaced in place: start again from the beginning. */
  const checkReplaced = async (f: Followed, size: number) => {
    if (size === f.checkedSize && size >= f.offset) return;
    f.checkedSize = size;
    const truncated = size < f.offset || !(await sameContent(f.handle, f));
    if (truncated) {
      f.offset = 0;
      f.discarding = false;
      f.parser.end();
    }
    if (truncated || f.headLength < HEAD_BYTES) {
      const head = await readHead(f.handle, HEAD_BYTES);
      f.head = hashHead(head);
      f.headLength = head.length;
    }
  };

  /** Reads and commits one chunk; returns whether there may be more to read now. */
  const readChunk = async (f: Followed, finalRead: boolean): Promise<boolean> => {
    const buf = Buffer.allocUnsafe(chunkBytes);
    const { bytesRead } = await f.handle.read(buf, 0, chunkBytes, f.offset);
    if (bytesRead === 0) return false;
    f.grewAt = Date.now();
    const data = buf.subarray(0, bytesRead);
    const candidates: Candidate[] = [];
    let pos = 0;
    if (f.discarding) {
      const lf = data.indexOf(10);
      pos = lf < 0 ? bytesRead : lf + 1;
      f.discarding = lf < 0;
    }
    for (let lf = data.indexOf(10, pos); lf >= 0; lf = data.indexOf(10, pos)) {
      takeLine(f, data.subarray(pos, lf), candidates);
      pos = lf + 1;
    }
    const rest = bytesRead - pos;
    if (rest > maxLine) {
      counters.rejected('too_large');
      f.discarding = true;
      pos = bytesRead;
    } else if (rest > 0 && finalRead && bytesRead < chunkBytes) {
      takeLine(f, data.subarray(pos), candidates); // the last, LF-less line of a finished file
      pos = bytesRead;
    }
    collectCandidates(f.parser.end(), counters, candidates);
    counters.bytes(pos);
    if (candidates.length > 0) {
      const result = await deps.admitter.submit(candidates, name);
      counters.accepted(result.accepted.length + result.duplicates.length);
    }
    f.offset += pos;
    persist();
    return bytesRead === chunkBytes && pos > 0;
  };

  const takeLine = (f: Followed, line: Buffer, into: Candidate[]) => {
    const end = line.length > 0 && line[line.length - 1] === 13 ? line.length - 1 : line.length;
    if (end > maxLine) {
      counters.rejected('too_large');
      return;
    }
    const { text, invalidUtf8 } = decodeRecord(line.subarray(0, end));
    collectCandidates(f.parser.push(text), counters, into, invalidUtf8 ? 'invalid_utf8' : undefined);
  };

  const follow = async (f: Followed) => {
    const stat = await f.handle.stat();
    await checkReplaced(f, stat.size);
    const finished = f.goneSince !== undefined && Date.now() - Math.max(f.goneSince, f.grewAt) > graceMs;
    while (!closing && stat.size > f.offset) {
      if (deps.admitter.backlog >= maxBacklog) {
        if (!blocked) counters.paused();
        blocked = true;
        return;
      }
      blocked = false;
      if (!(await readChunk(f, finished))) break;
    }
    if (finished && !closing) {
      followed.delete(f.id);
      await f.handle.close();
      persist();
    }
  };

  const poll = async () => {
    await discover();
    for (const f of [...followed.values()]) {
      if (closing) return;
      try {
        await follow(f);
      } catch {
        // A failed commit or read: the offset did not move, so the next poll reads it again.
        f.parser.end();
      }
    }
  };

  let running: Promise<void> | undefined;
  const tick = () => {
    if (running || closing) return; // a slow poll is not stacked
    running = poll()
      .catch(() => {})
      .finally(() => (running = undefined));
  };
  // The first poll is not awaited: a slow pipeline must not hold up the server's start.
  tick();
  const timer = setInterval(tick, pollMs);
  timer.unref();

  return {
    name,
    stats: () => counters.stats(),
    async close() {
      closing = true;
      clearInterval(timer);
      await running;
      for (const f of followed.values()) await f.handle.close();
      followed.clear();
    },
  };
}

async function readHead(handle: FileHandle, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buf, 0, length, 0);
  return buf.subarray(0, bytesRead);
}

async function sameContent(
  handle: FileHandle,
  known: Pick<FileOffset, 'head' | 'headLength'>,
): Promise<boolean> {
  const head = await readHead(handle, known.headLength);
  return head.length === known.headLength && hashHead(head) === known.head;
}
