// Opaque pagination cursors: the position of the last event of a page (newest first) and the
// highest seq of the snapshot, so pages stay stable while new events arrive.

import { SteleError } from '../core/errors.js';

export interface Cursor {
  ts: number;
  seq: number;
  max: number;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.ts}.${c.seq}.${c.max}`).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  const m = /^(-?\d{1,16})\.(\d{1,16})\.(-?\d{1,16})$/.exec(Buffer.from(text, 'base64url').toString());
  if (!m) throw new SteleError('validation', 'malformed cursor');
  return { ts: Number(m[1]), seq: Number(m[2]), max: Number(m[3]) };
}
