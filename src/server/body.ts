// Reads a request body as hostile input: the size limit is enforced on the wire (Content-Length is
// refused before reading, a chunked body is cut at the limit) and after gzip decompression, and the
// text must be valid UTF-8.

import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { SteleError } from '../core/errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    throw new SteleError('too_large', `body of ${declared} bytes exceeds the limit of ${limit} bytes`);
  }
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  let stream: Readable = req;
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    const gunzip = createGunzip();
    req.on('error', (err) => gunzip.destroy(err));
    stream = req.pipe(gunzip);
  } else if (encoding !== 'identity') {
    throw new SteleError('unsupported', `content-encoding '${encoding}' is not supported (use gzip or none)`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    // Not destroyed on the way out: destroying the request would reset the connection before the 413
    // is written (http.ts drains the rest and closes).
    for await (const chunk of stream.iterator({ destroyOnReturn: false })) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        if (stream !== req) stream.destroy();
        throw new SteleError('too_large', `body exceeds the limit of ${limit} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof SteleError) throw err;
    throw new SteleError('validation', `cannot read the body: ${(err as Error).message}`);
  }
  try {
    return utf8.decode(Buffer.concat(chunks, size));
  } catch {
    throw new SteleError('validation', 'body is not valid UTF-8');
  }
}
