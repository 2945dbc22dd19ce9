// Dotted field paths ("user.effective.name") through an event's nested plain objects: how the
// personal fields of a ledger name the values they commit, and how erasure reaches them.

import { ValidationError } from '../core/errors.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const pathCache = new Map<string, readonly string[]>();

/** Splits "user.effective.name" into keys; keys cannot contain dots. Cached: fields repeat. */
export function splitPath(path: string): readonly string[] {
  let parts = pathCache.get(path);
  if (parts) return parts;
  parts = path.split('.');
  if (parts.some((part) => part.length === 0 || FORBIDDEN_KEYS.has(part))) {
    throw new ValidationError(`${JSON.stringify(path)} is not a field path`);
  }
  if (pathCache.size >= 1024) pathCache.clear();
  pathCache.set(path, parts);
  return parts;
}

/** An object whose prototype is Object.prototype or null: what JSON.parse makes of `{...}`. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The value at the keys `parts` through nested plain objects (own properties only), or undefined. */
export function walk(root: unknown, parts: readonly string[]): unknown {
  let node = root;
  for (const key of parts) {
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** The value at a dotted path through nested plain objects (own properties only), or undefined. */
export function getPath(obj: object, path: string): unknown {
  return walk(obj, splitPath(path));
}

/** Sets the value at a dotted path, creating missing objects; mutates `obj`. */
export function setPath(obj: object, path: string, value: unknown): void {
  const parts = splitPath(path);
  let node = obj as Record<string, unknown>;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i] as string;
    const child = Object.hasOwn(node, key) ? node[key] : undefined;
    if (child === undefined) {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    } else if (isPlainObject(child)) {
      node = child;
    } else {
      throw new ValidationError(`cannot set ${path}: ${parts.slice(0, i + 1).join('.')} is not an object`);
    }
  }
  node[parts[parts.length - 1] as string] = value;
}
