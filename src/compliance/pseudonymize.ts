// Keyed pseudonymization at ingest (docs/compliance.md): the configured fields' values are replaced,
// before admission, by `pseud:` + base64url of the first 16 bytes of HMAC-SHA256(key, field-class +
// value). The same value gives the same token, so search, counts and correlation still work; without
// the key a token cannot be turned back into the value or checked against a guess. It does not hide
// values in fields that are not listed (a name inside a free-text message, say).

import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import type { AuditEvent } from '../core/event.js';
import { ConfigError } from '../core/errors.js';
import type { Admitter } from '../ingest/admitter.js';

export const TOKEN_PREFIX = 'pseud:';

export interface Pseudonymizer {
  readonly fields: readonly string[];
  /** The token for one value (strings and numbers; others are returned unchanged). */
  token(value: unknown): unknown;
  /** A copy of the event with every configured field's value(s) replaced by tokens. */
  apply(event: AuditEvent): AuditEvent;
}

/** Reads the key (at least 32 bytes; hex, base64 or raw) from the configured file. */
export function loadPseudonymizer(config: { fields: string[]; key_file: string }): Pseudonymizer {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(config.key_file);
  } catch (err) {
    throw new ConfigError(`pseudonymize.key_file: cannot read ${config.key_file}: ${(err as Error).message}`);
  }
  const text = raw.toString('utf8').trim();
  const key = /^[0-9a-f]{64,}$/i.test(text)
    ? Buffer.from(text, 'hex')
    : /^[A-Za-z0-9+/=_-]{43,}$/.test(text)
      ? Buffer.from(text, 'base64')
      : raw;
  if (key.length < 32) throw new ConfigError('pseudonymize.key_file: the key must be at least 32 bytes');
  return createPseudonymizer(key, config.fields);
}

export function createPseudonymizer(key: Buffer, fields: readonly string[]): Pseudonymizer {
  const token = (value: unknown): unknown => {
    if (typeof value !== 'string' && typeof value !== 'number') return value;
    const text = String(value);
    if (text.startsWith(TOKEN_PREFIX)) return text; // already a token: idempotent
    // One namespace for every field, so alice as user.name and in related.user correlate.
    const mac = createHmac('sha256', key).update('stele/pseud/v1\n').update(text).digest();
    return TOKEN_PREFIX + mac.subarray(0, 16).toString('base64url');
  };
  return {
    fields,
    token,
    apply(event) {
      const copy = structuredClone(event) as Record<string, unknown>;
      for (const field of fields) replaceAt(copy, field.split('.'), token);
      return copy as AuditEvent;
    },
  };
}

function replaceAt(node: Record<string, unknown>, path: string[], token: (v: unknown) => unknown): void {
  const [head, ...rest] = path;
  if (head === undefined || !(head in node)) {
    // A flattened event ({"user.name": ...}) holds the dotted name as one key.
    const flat = path.join('.');
    if (path.length > 1 && flat in node) node[flat] = tokenize(node[flat], token);
    return;
  }
  if (rest.length === 0) {
    node[head] = tokenize(node[head], token);
    return;
  }
  const child = node[head];
  if (child !== null && typeof child === 'object' && !Array.isArray(child))
    replaceAt(child as Record<string, unknown>, rest, token);
}

function tokenize(value: unknown, token: (v: unknown) => unknown): unknown {
  return Array.isArray(value) ? value.map(token) : token(value);
}

/**
 * Makes every event submitted to `admitter` (all sources, the HTTP API, the k8s webhook) pseudonymized
 * before admission; Stele's own events (source `stele`) are left as they are.
 */
export function pseudonymizeAdmission(admitter: Admitter, p: Pseudonymizer): void {
  const submit = admitter.submit.bind(admitter);
  admitter.submit = (candidates, source) =>
    submit(
      source === 'stele' ? candidates : candidates.map((c) => ({ ...c, event: p.apply(c.event) })),
      source,
    );
}
