// RFC 8785 JSON Canonicalization Scheme (JCS): the one byte form of a JSON value that the ledger
// hashes. The engine's JSON.stringify already escapes strings and prints numbers the way JCS
// requires (RFC 8785 3.2.2); this file adds the key order and the I-JSON checks.
//
// Two ways to the same text: the byte writer (canonical-writer.ts) for the values it can vouch
// for, and the checked serializer here, which decides everything else and names the first bad value.

import { ValidationError } from '../core/errors.js';
import { CanonicalWriter, MAX_CANONICAL_DEPTH } from './canonical-writer.js';

type Path = Array<string | number>;

// With the `u` flag a well-formed surrogate pair is one code point, so only a lone half matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** RFC 8785 canonical JSON text of `value`; throws a ValidationError naming the first bad value. */
export function canonicalize(value: unknown): string {
  return written(value)?.toString('utf8') ?? serializeChecked(value);
}

/** The UTF-8 bytes of `canonicalize(value)` (RFC 8785 3.2.4). */
export function canonicalBytes(value: unknown): Buffer {
  return written(value) ?? Buffer.from(serializeChecked(value), 'utf8');
}

/** The writer's bytes for `value`, or undefined for a value it leaves to the checked serializer. */
function written(value: unknown): Buffer | undefined {
  const out = new CanonicalWriter(256);
  return out.writeValue(value, 0)
    ? Buffer.from(out.bytes.buffer, out.bytes.byteOffset, out.length)
    : undefined;
}

/**
 * canonicalize by the checked serializer alone: the reference the byte writer is tested against,
 * and what decides, or names the first bad value, where the writer declines.
 */
export function serializeChecked(value: unknown): string {
  return serialize(value, [], 0);
}

function serialize(value: unknown, path: Path, depth: number): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value, path);
    case 'number':
      // RFC 8785 3.2.2.3: ECMAScript Number::toString; I-JSON has no NaN or Infinity.
      if (!Number.isFinite(value)) fail(path, `${value} is not a JSON number`);
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (depth >= MAX_CANONICAL_DEPTH) fail(path, `nesting deeper than ${MAX_CANONICAL_DEPTH}`);
      if (Array.isArray(value)) return serializeArray(value, path, depth + 1);
      return serializeObject(value, path, depth + 1);
    default:
      return fail(path, `${typeof value} is not a JSON value`);
  }
}

function serializeString(value: string, path: Path): string {
  // RFC 8785 3.2.2.2 via JSON.stringify; a lone surrogate has no UTF-8 form (I-JSON, RFC 7493 2.1).
  if (LONE_SURROGATE.test(value)) fail(path, 'string contains a lone UTF-16 surrogate');
  return JSON.stringify(value);
}

function serializeArray(value: readonly unknown[], path: Path, depth: number): string {
  let out = '[';
  for (let i = 0; i < value.length; i++) {
    if (i > 0) out += ',';
    path.push(i);
    out += serialize(value[i], path, depth);
    path.pop();
  }
  return out + ']';
}

function serializeObject(value: object, path: Path, depth: number): string {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const kind = (value.constructor as { name?: string } | undefined)?.name ?? 'non-plain object';
    fail(path, `${kind} is not a JSON value`);
  }
  const record = value as Record<string, unknown>;
  // RFC 8785 3.2.3: default sort compares UTF-16 code units, which is what JCS asks for.
  const keys = Object.keys(record).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0) out += ',';
    path.push(key);
    out += serializeString(key, path) + ':' + serialize(record[key], path, depth);
    path.pop();
  }
  return out + '}';
}

function fail(path: Path, message: string): never {
  const field = formatPath(path);
  throw new ValidationError(`cannot canonicalize${field ? ` ${field}` : ''}: ${message}`, {
    details: [{ field: field || '(root)', message }],
  });
}

function formatPath(path: Path): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out;
}
