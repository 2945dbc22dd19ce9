// RFC 8785 JSON Canonicalization Scheme (JCS): the one byte form of a JSON value that the ledger
// hashes. The engine's JSON.stringify already escapes strings and prints numbers the way JCS
// requires (RFC 8785 3.2.2); this file adds the key order and the I-JSON checks.
//
// Two ways to the same text: a fast one (a copy with sorted keys, printed by JSON.stringify) for
// the values it can vouch for, and the checked serializer, which decides everything else and names
// the first bad value.

import { ValidationError } from '../core/errors.js';

/** Deepest nesting accepted. Events stop at 16 (core/event.ts); this bound only stops cycles. */
export const MAX_CANONICAL_DEPTH = 64;

type Path = Array<string | number>;

// With the `u` flag a well-formed surrogate pair is one code point, so only a lone half matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** RFC 8785 canonical JSON text of `value`; throws a ValidationError naming the first bad value. */
export function canonicalize(value: unknown): string {
  return printSorted(value) ?? serialize(value, [], 0);
}

/** The UTF-8 bytes of `canonicalize(value)` (RFC 8785 3.2.4). */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}

// ---------------------------------------------------------------------------------------------
// The fast way: JSON.stringify prints an object's keys in insertion order, except that it prints
// array-index keys ("0", "17") first, so a copy whose keys were inserted sorted prints as JCS.

/** What sortedCopy returns for a value it does not vouch for: the checked serializer decides. */
const UNSURE: unique symbol = Symbol('unsure');

/** The canonical text, or undefined when the checked serializer must decide (or reject). */
function printSorted(value: unknown): string | undefined {
  const copy = sortedCopy(value, 0);
  if (copy === UNSURE) return undefined;
  const text = JSON.stringify(copy);
  // JSON.stringify escapes a lone surrogate as \udXXX instead of rejecting it (RFC 7493 2.1). The
  // text can also hold an escaped backslash before "ud": rare, and the checked way tells them apart.
  return text.includes('\\ud') ? undefined : text;
}

/**
 * `value` with every object's keys in RFC 8785 3.2.3 order (objects already in order are shared,
 * not copied), or UNSURE for anything else than plain JSON data the copy prints right: a key that
 * starts with a digit or is "__proto__", a non-finite number, a non-JSON type, too deep a nesting.
 */
function sortedCopy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : UNSURE;
    case 'object':
      if (value === null) return value;
      if (depth >= MAX_CANONICAL_DEPTH) return UNSURE;
      return Array.isArray(value) ? sortedArray(value, depth + 1) : sortedObject(value, depth + 1);
    default:
      return UNSURE;
  }
}

function sortedArray(array: readonly unknown[], depth: number): unknown {
  let copy: unknown[] | undefined;
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    const sorted = sortedCopy(item, depth);
    if (sorted === UNSURE) return UNSURE;
    if (sorted !== item) copy ??= array.slice(0, i);
    copy?.push(sorted);
  }
  return copy ?? array;
}

function sortedObject(object: object, depth: number): unknown {
  const proto: unknown = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) return UNSURE;
  const record = object as Record<string, unknown>;
  const keys = Object.keys(record);
  let inOrder = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const first = key.charCodeAt(0);
    if ((first >= 0x30 && first <= 0x39) || key === '__proto__') return UNSURE;
    if (i > 0 && key < keys[i - 1]!) inOrder = false;
  }
  if (!inOrder) keys.sort();
  let copy: Record<string, unknown> | undefined = inOrder ? undefined : {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = record[key];
    const sorted = sortedCopy(item, depth);
    if (sorted === UNSURE) return UNSURE;
    if (sorted !== item && copy === undefined) {
      copy = {};
      for (let j = 0; j < i; j++) copy[keys[j]!] = record[keys[j]!];
    }
    if (copy) copy[key] = sorted;
  }
  return copy ?? record;
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
