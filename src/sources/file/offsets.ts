// Where a file source has read up to, kept in the data directory. A file is known by its identity
// (device and inode) plus a hash of its first bytes, so a rotated file is found under its new name
// and a replaced or truncated file is read again from the start. Saved only after the events of the
// lines before the offset are durably committed.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SteleError } from '../../core/errors.js';

/** Bytes at the start of a file that identify its content. */
export const HEAD_BYTES = 1024;

export interface FileOffset {
  path: string;
  /** Byte offset of the first line not yet committed. */
  offset: number;
  /** SHA-256 (hex) of the first `headLength` bytes. */
  head: string;
  headLength: number;
}

export function hashHead(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class OffsetStore {
  readonly file: string;

  constructor(dataDir: string, sourceName: string) {
    const id = createHash('sha256').update(sourceName).digest('hex').slice(0, 16);
    this.file = path.join(dataDir, 'sources', `file-${id}.json`);
  }

  /** Offsets by file identity (`dev:ino`); empty when nothing was saved yet. */
  load(): Map<string, FileOffset> {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return new Map();
    }
    try {
      const saved = JSON.parse(text) as { files: Record<string, FileOffset> };
      return new Map(Object.entries(saved.files));
    } catch (err) {
      throw new SteleError('store', `file source offsets ${this.file} are unreadable`, { cause: err });
    }
  }

  /** Replaces the saved offsets atomically (write, then rename over the old file). */
  save(source: string, offsets: Map<string, FileOffset>): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ source, files: Object.fromEntries(offsets) }, null, 1));
    fs.renameSync(tmp, this.file);
  }
}
