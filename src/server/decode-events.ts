// Splits a request body into events: a JSON array, or NDJSON (one object per line; a single object
// is NDJSON of one line). A malformed array fails the request; a malformed NDJSON line fails only
// that item, so the rest of the batch is still admitted.

import { SteleError } from '../core/errors.js';

/** A decoded item; `ts` when a parser already validated it (ParseResult), its `@timestamp` in ms. */
export type DecodedItem = { ok: true; value: unknown; ts?: number } | { ok: false; message: string };

export function decodeEvents(body: string, maxItems: number): DecodedItem[] {
  const start = body.search(/\S/);
  if (start === -1)
    throw new SteleError('validation', 'body is empty: send a JSON array of events or NDJSON');
  if (body[start] === '[') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      throw new SteleError('validation', `malformed JSON: ${(err as Error).message}`);
    }
    const items = parsed as unknown[];
    if (items.length > maxItems) {
      throw new SteleError('too_large', `${items.length} events in one request; the limit is ${maxItems}`);
    }
    return items.map((value) => ({ ok: true, value }));
  }
  if (body[start] !== '{') {
    throw new SteleError(
      'validation',
      'body must be a JSON array of event objects or NDJSON (one object per line)',
    );
  }
  const items: DecodedItem[] = [];
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    if (items.length >= maxItems) {
      throw new SteleError('too_large', `more than ${maxItems} events in one request`);
    }
    try {
      items.push({ ok: true, value: JSON.parse(line) });
    } catch (err) {
      items.push({ ok: false, message: `malformed JSON: ${(err as Error).message}` });
    }
  }
  return items;
}
