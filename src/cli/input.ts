// Line-by-line input from files or stdin, gzip-aware, with a cap on line length so one hostile
// line cannot exhaust memory.

import fs from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { SteleError } from '../core/errors.js';

/** Longest line read by default; a longer one is reported and skipped. */
export const MAX_LINE_BYTES = 1024 * 1024;

export interface InputLine {
  file: string;
  /** 1-based line number within its file. */
  line: number;
  text: string;
  /** Bytes of input consumed so far over all files (compressed bytes for .gz). */
  bytesRead: number;
}

/** Total size of the named files, when known (not for stdin). */
export function inputSize(inputs: string[]): number | undefined {
  if (inputs.includes('-')) return undefined;
  return inputs.reduce((n, f) => n + (fs.statSync(f, { throwIfNoEntry: false })?.size ?? 0), 0);
}

function open(file: string): { stream: Readable; raw: Readable } {
  if (file === '-') return { stream: process.stdin, raw: process.stdin };
  if (!fs.existsSync(file)) throw new SteleError('not_found', `${file}: no such file`);
  const raw = fs.createReadStream(file);
  return { stream: file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw, raw };
}

/**
 * The lines of the inputs in order, each without its line break. A line longer than `maxLineBytes`
 * is reported on standard error with its position and skipped, never held whole in memory.
 */
export async function* readLines(
  inputs: string[],
  { maxLineBytes = MAX_LINE_BYTES }: { maxLineBytes?: number } = {},
): AsyncGenerator<InputLine> {
  let before = 0;
  const decoder = new TextDecoder('utf-8');
  for (const file of inputs) {
    const { stream, raw } = open(file);
    const name = file === '-' ? '<stdin>' : file;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let skipping = false;
    let line = 0;
    const position = () => before + ((raw as fs.ReadStream).bytesRead ?? 0);
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
        line++;
        const piece = buf.subarray(start, nl);
        start = nl + 1;
        if (skipping || pendingBytes + piece.length > maxLineBytes) {
          skipping = false;
          pending = [];
          pendingBytes = 0;
          tooLong(name, line, maxLineBytes);
          continue;
        }
        const whole = pending.length > 0 ? Buffer.concat([...pending, piece]) : piece;
        pending = [];
        pendingBytes = 0;
        const text = decoder.decode(whole).replace(/\r$/, '');
        if (text.trim() !== '') yield { file: name, line, text, bytesRead: position() };
      }
      const rest = buf.subarray(start);
      if (rest.length > 0 && !skipping) {
        if (pendingBytes + rest.length > maxLineBytes) {
          skipping = true;
          pending = [];
          pendingBytes = 0;
        } else {
          pending.push(Buffer.from(rest));
          pendingBytes += rest.length;
        }
      }
    }
    if (skipping) {
      // The last line, without a line break, was too long.
      tooLong(name, line + 1, maxLineBytes);
    } else if (pending.length > 0) {
      line++;
      const text = decoder.decode(Buffer.concat(pending)).replace(/\r$/, '');
      if (text.trim() !== '') yield { file: name, line, text, bytesRead: position() };
    }
    before = position();
  }
}

function tooLong(name: string, line: number, maxLineBytes: number): void {
  process.stderr.write(`${name}:${line}: line longer than ${maxLineBytes} bytes, skipped\n`);
}
