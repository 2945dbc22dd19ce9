// Field access for rules over plain JSON events. A name `a.b.c` is a nested path (arrays on the way
// are searched element by element) or, failing that, a literal flat key (`"a.b.c"`, also mixed:
// `{"a": {"b.c": 1}}`). Each field a rule uses gets a slot; an event's values are resolved once per
// slot and cached for the other rules, as are lower-cased forms and the parsed `event.original`.

import { parseNative, type NativeRecord } from './native.js';
import { NATIVE_FORMATS } from './routing.js';

export interface FieldPath {
  segments: string[];
  /** joined[i][j] = segments[i..j).join('.'), for flat-key fall-backs. */
  joined: string[][];
}

export function compilePath(name: string): FieldPath {
  const segments = name.split('.');
  const joined = segments.map((_, i) =>
    segments.map((__, j) => (j > i ? segments.slice(i, j + 1).join('.') : '')),
  );
  return { segments, joined };
}

function own(obj: object, key: string): unknown {
  const v = (obj as Record<string, unknown>)[key];
  return typeof v === 'function' ? undefined : v; // ignore prototype methods (`constructor`)
}

/** The value at `path` (an array when arrays were crossed), or undefined when absent. */
export function lookupPath(root: unknown, path: FieldPath, from = 0): unknown {
  if (from === path.segments.length) return root;
  if (root === null || typeof root !== 'object') return undefined;
  if (Array.isArray(root)) {
    const found: unknown[] = [];
    for (const el of root) {
      const v = lookupPath(el, path, from);
      if (v !== undefined) found.push(v);
    }
    return found.length === 0 ? undefined : found;
  }
  const direct = own(root, path.segments[from] as string);
  if (direct !== undefined) {
    const v = lookupPath(direct, path, from + 1);
    if (v !== undefined) return v;
  }
  const row = path.joined[from] as string[];
  for (let j = from + 1; j < path.segments.length; j++) {
    const flat = own(root, row[j] as string);
    if (flat !== undefined) {
      const v = lookupPath(flat, path, j + 1);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

/**
 * A field's values in an event: array leaves flattened, string forms computed once. Each field slot
 * of an EventView keeps one and refills it for every event (`hold`), so reading a field allocates
 * nothing in the common case of one value; what it returns is valid until the view's next event.
 */
export class FieldValue {
  items: readonly unknown[] = NO_ITEMS;
  private strs: ReadonlyArray<string | null> | undefined;
  private lows: ReadonlyArray<string | null> | undefined;
  /** The items of a one-value field, reused. */
  private readonly one: unknown[] = [undefined];

  constructor(value?: unknown) {
    if (value !== undefined) this.hold(value);
  }

  /** Makes this the value `value` (an array's leaves, or itself). */
  hold(value: unknown): this {
    this.strs = this.lows = undefined;
    if (Array.isArray(value)) {
      const items: unknown[] = [];
      flatten(value, items, 0);
      this.items = items;
    } else {
      this.one[0] = value;
      this.items = this.one;
    }
    return this;
  }

  /** String forms of scalars (numbers and booleans as written by JSON); null for null and objects. */
  strings(): ReadonlyArray<string | null> {
    // The items themselves when all are strings, as most are (an array per field and event saved).
    return (this.strs ??= this.items.every(isString)
      ? (this.items as string[])
      : this.items.map(scalarString));
  }

  lowers(): ReadonlyArray<string | null> {
    if (this.lows !== undefined) return this.lows;
    // The strings themselves unless one changes, each lowered once.
    const strs = this.strings();
    let lows: Array<string | null> | undefined;
    for (let i = 0; i < strs.length; i++) {
      const s = strs[i];
      if (s === null || s === undefined) continue;
      const low = s.toLowerCase();
      if (low !== s) (lows ??= strs.slice())[i] = low;
    }
    return (this.lows = lows ?? strs);
  }
}

const NO_ITEMS: readonly unknown[] = [];
const isString = (v: unknown): v is string => typeof v === 'string';

function flatten(v: unknown, into: unknown[], depth: number): void {
  if (Array.isArray(v) && depth < 16) for (const el of v) flatten(el, into, depth + 1);
  else into.push(v);
}

export function scalarString(v: unknown): string | null {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    default:
      return null;
  }
}

/** How a rule's field is found: its own name, then aliases; each in the event, then the native record. */
export interface FieldSlot {
  id: number;
  name: string;
  paths: FieldPath[];
}

/** Assigns one slot per distinct (field, aliases) pair across all rules. */
export class FieldRegistry {
  private readonly byKey = new Map<string, FieldSlot>();
  readonly slots: FieldSlot[] = [];

  slot(name: string, aliases: readonly string[] = []): FieldSlot {
    const key = [name, ...aliases].join('\0');
    let s = this.byKey.get(key);
    if (s === undefined) {
      s = { id: this.slots.length, name, paths: [name, ...aliases].map(compilePath) };
      this.byKey.set(key, s);
      this.slots.push(s);
    }
    return s;
  }
}

const DATASET = compilePath('event.dataset');
const ORIGINAL = compilePath('event.original');
const MESSAGE = compilePath('message');
/** Most values a keyword search collects from an event without `message` or `event.original`. */
export const MAX_KEYWORD_STRINGS = 10_000;

/** One event as rules see it; reused from event to event (`reset`) to keep allocation low. */
export class EventView {
  event: object = {};
  dataset: string | undefined;
  private native: NativeRecord | null | undefined;
  /** Per slot: its value holder, and whether the event has the field (read when stamped). */
  private readonly values: FieldValue[];
  private readonly present: Uint8Array;
  private readonly stamp: Uint32Array;
  private generation = 0;
  private keywordCache: FieldValue | undefined;

  constructor(slotCount: number) {
    this.values = Array.from({ length: slotCount }, () => new FieldValue());
    this.present = new Uint8Array(slotCount);
    this.stamp = new Uint32Array(slotCount);
  }

  reset(event: object): void {
    this.event = event;
    this.generation++;
    if (this.generation === 0xffffffff) {
      this.stamp.fill(0);
      this.generation = 1;
    }
    this.native = undefined;
    this.keywordCache = undefined;
    const ds = lookupPath(event, DATASET);
    this.dataset = typeof ds === 'string' ? ds : undefined;
  }

  /**
   * The field's values, or undefined when the event has no such field (null is a value). Valid
   * until the next `reset`, which reuses the holder.
   */
  get(slot: FieldSlot): FieldValue | undefined {
    const id = slot.id;
    if (this.stamp[id] !== this.generation) {
      this.stamp[id] = this.generation;
      const raw = this.resolve(slot.paths);
      this.present[id] = raw === undefined ? 0 : 1;
      if (raw !== undefined) (this.values[id] as FieldValue).hold(raw);
    }
    return this.present[id] === 1 ? this.values[id] : undefined;
  }

  /** Any path, without caching (group-by, fieldref targets, event time). */
  value(path: FieldPath): unknown {
    const v = lookupPath(this.event, path);
    if (v !== undefined) return v;
    const n = this.nativeRecord();
    return n === null ? undefined : lookupPath(n, path);
  }

  private resolve(paths: FieldPath[]): unknown {
    for (const p of paths) {
      const v = this.value(p);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** The parsed `event.original` of a dataset with a known native format, parsed at most once. */
  private nativeRecord(): NativeRecord | null {
    if (this.native !== undefined) return this.native;
    const format = this.dataset === undefined ? undefined : NATIVE_FORMATS[this.dataset];
    const original = format === undefined ? undefined : lookupPath(this.event, ORIGINAL);
    this.native = format !== undefined && typeof original === 'string' ? parseNative(format, original) : null;
    return this.native;
  }

  /**
   * What keyword (field-less) values are searched in: the log message, that is `message` and
   * `event.original` (the raw record, which holds every value the parser took out of it) when the
   * event has either; otherwise every scalar value of the event, numbers and booleans by their JSON
   * spelling. Searching every value of every event was tried: 30 % slower detection over the
   * bench's 478 rules, for no alert more on parsed events (docs/detection.md).
   */
  keywords(): FieldValue {
    if (this.keywordCache === undefined) {
      const found: string[] = [];
      for (const p of [MESSAGE, ORIGINAL]) {
        const v = lookupPath(this.event, p);
        if (typeof v === 'string') found.push(v);
      }
      if (found.length === 0) collectStrings(this.event, found, 0);
      this.keywordCache = new FieldValue(found);
    }
    return this.keywordCache;
  }
}

function collectStrings(v: unknown, into: string[], depth: number): void {
  if (into.length >= MAX_KEYWORD_STRINGS || depth > 16) return;
  if (Array.isArray(v)) for (const el of v) collectStrings(el, into, depth + 1);
  else if (v !== null && typeof v === 'object')
    for (const k in v) collectStrings((v as Record<string, unknown>)[k], into, depth + 1);
  else {
    const s = scalarString(v);
    if (s !== null) into.push(s);
  }
}
