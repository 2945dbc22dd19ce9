// Building a ledger entry (docs/ledger.md section 1): the RFC 8785 canonical JSON of an event with
// each present personal field replaced by its commitment. The entry is written straight into bytes,
// with the commitments put in place as it goes, instead of copying the objects on the paths to
// them, sorting a copy of the whole event and printing it. Anything the fast way does not vouch
// for is built the straightforward way (buildEntryCopied), which decides, or names what is wrong.

import { ValidationError } from '../core/errors.js';
import { canonicalize } from './canonical.js';
import { CanonicalWriter, MAX_CANONICAL_DEPTH, sortedKeys } from './canonical-writer.js';
import { commitmentText, writeCommitment } from './commitment.js';
import { isPlainObject, splitPath, walk } from './field-path.js';

/** Gives the commitment of a personal field's value (a string: it is written as a JSON string). */
export type CommitmentFor = (field: string, value: unknown) => string;

/**
 * Gives the commitment of a personal field's value as its text, or as the eight words of its HMAC
 * written at `at` of `macs` (then undefined), which the entry holds as commitmentText would write
 * them: the commitments of an entry need never be strings.
 */
export type CommitInto = (field: string, value: unknown, macs: Int32Array, at: number) => string | undefined;

/**
 * The ledger entry of an event: its RFC 8785 canonical JSON bytes, with every present personal
 * field (a dotted path into nested objects; present = neither undefined nor null) replaced by
 * `commitmentFor(field, value)`. The value may be a string, number, array or object. A top-level
 * key spelled like a dotted field ("user.name": ...) is committed too, so a flattened event cannot
 * leak personal data into the ledger. The event itself is not changed. When a field and one of its
 * ancestors are both listed, the ancestor's commitment (computed over the original value) wins.
 * `commitmentFor` is called once per present field, in list order.
 */
export function buildEntry(
  event: object,
  personalFields: readonly string[],
  commitmentFor: CommitmentFor,
): Buffer {
  SCRATCH.length = 0;
  writeEntry(SCRATCH, event, personalFields, (field, value) => commit(commitmentFor, field, value));
  return Buffer.from(SCRATCH.bytes.subarray(0, SCRATCH.length));
}

const SCRATCH = new CanonicalWriter(16 * 1024);

/** buildEntry written at the end of `out` (commitInto must not write to the same `out`). */
export function writeEntry(
  out: CanonicalWriter,
  event: object,
  personalFields: readonly string[],
  commitInto: CommitInto,
): void {
  if (!isPlainObject(event)) throw new ValidationError('an event must be a plain JSON object');
  const start = out.length;
  const plan = fieldPlan(personalFields);
  if (!plan) {
    copiedEntries++;
    const textOf = (field: string, value: unknown) => commitmentOf(commitInto, field, value, MAC, 0);
    out.writeText(canonicalize(buildEntryCopied(event, personalFields, textOf)));
    return;
  }
  // Room for a nested and a flattened commitment per field. A commitInto that builds an entry with
  // the same fields itself gets words of its own.
  const macs = plan.spareMacs ?? new Int32Array(2 * MAC_WORDS * plan.fields.length);
  plan.spareMacs = undefined;
  try {
    const found = commitFields(plan, event, commitInto, macs);
    if (writeCommitted(out, event, plan.root, found, macs)) return;
    out.length = start;
    copiedEntries++;
    // The same commitments, in the order they were made: the copy asks for them in that order.
    let next = 0;
    const again = () => commitmentString(found.inOrder[next++]!, macs);
    out.writeText(canonicalize(buildEntryCopied(event, personalFields, again)));
  } finally {
    plan.spareMacs = macs;
  }
}

let copiedEntries = 0;

/** How many entries this thread has built the straightforward way (tests check it stays rare). */
export function copiedEntryCount(): number {
  return copiedEntries;
}

const MAC_WORDS = 8;
const MAC = new Int32Array(MAC_WORDS);

// ---------------------------------------------------------------------------------------------
// The fields as a tree of their keys, built once per list

/** One key of a field path: where a commitment may go, and the keys below it. */
interface PathNode {
  /** Index of this node's commitment in a Commitments' `nested`. */
  readonly id: number;
  readonly parent: PathNode | undefined;
  readonly children: Map<string, PathNode>;
}

interface FieldPlan {
  /** The list this plan was made from, as it was then. */
  readonly fields: readonly string[];
  readonly parts: ReadonlyArray<readonly string[]>;
  /** The node of each field, in list order. */
  readonly nodes: readonly PathNode[];
  /** The event itself: its children are the top-level keys. */
  readonly root: PathNode;
  readonly size: number;
  /** Words for one entry's HMACs, while no entry is using them. */
  spareMacs: Int32Array | undefined;
}

const plans = new WeakMap<readonly string[], FieldPlan>();

/** The plan of a list of fields, or undefined when a field is not a path (the slow way says so). */
function fieldPlan(fields: readonly string[]): FieldPlan | undefined {
  const cached = plans.get(fields);
  if (cached && sameFields(cached.fields, fields)) return cached;
  let size = 0;
  const root: PathNode = { id: size++, parent: undefined, children: new Map() };
  const parts: Array<readonly string[]> = [];
  const nodes: PathNode[] = [];
  for (const field of fields) {
    let keys;
    try {
      keys = splitPath(field);
    } catch {
      return undefined;
    }
    let node = root;
    for (const key of keys) {
      let child = node.children.get(key);
      if (!child) node.children.set(key, (child = { id: size++, parent: node, children: new Map() }));
      node = child;
    }
    parts.push(keys);
    nodes.push(node);
  }
  const plan: FieldPlan = { fields: fields.slice(), parts, nodes, root, size, spareMacs: undefined };
  plans.set(fields, plan);
  return plan;
}

function sameFields(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// The commitments, then the entry with them in place

/** A commitment: its text, or where its HMAC's words are in the entry's `macs`. */
type Commitment = string | number;

/** One event's commitments: by plan node, and by flattened top-level key. */
interface Commitments {
  readonly nested: Array<Commitment | undefined>;
  flat: Map<string, Commitment> | undefined;
  /** Every commitment, in the order commitInto gave them. */
  readonly inOrder: Commitment[];
  /** How many the entry holds: nested ones under no committed ancestor, and flattened ones. */
  expected: number;
  written: number;
}

function commitFields(
  plan: FieldPlan,
  event: Record<string, unknown>,
  commitInto: CommitInto,
  macs: Int32Array,
): Commitments {
  const found: Commitments = {
    nested: new Array<Commitment | undefined>(plan.size),
    flat: undefined,
    inOrder: [],
    expected: 0,
    written: 0,
  };
  const committed: PathNode[] = [];
  for (let i = 0; i < plan.nodes.length; i++) {
    const field = plan.fields[i]!;
    const parts = plan.parts[i]!;
    const value = walk(event, parts);
    if (value !== undefined && value !== null) {
      const node = plan.nodes[i]!;
      if (found.nested[node.id] === undefined) committed.push(node);
      found.nested[node.id] = commitOnce(found, commitInto, field, value, macs);
    }
    if (parts.length > 1 && Object.hasOwn(event, field)) {
      const flat = event[field];
      if (flat === undefined || flat === null) continue;
      found.flat ??= new Map();
      found.flat.set(field, commitOnce(found, commitInto, field, flat, macs));
    }
  }
  found.expected = found.flat?.size ?? 0;
  for (const node of committed) if (!hasCommittedAncestor(node, found)) found.expected++;
  return found;
}

function commitOnce(
  found: Commitments,
  commitInto: CommitInto,
  field: string,
  value: unknown,
  macs: Int32Array,
): Commitment {
  const at = found.inOrder.length * MAC_WORDS;
  const text = commitInto(field, value, macs, at);
  if (text !== undefined && typeof text !== 'string')
    throw new ValidationError(`the commitment for ${field} is not a string`);
  const commitment = text ?? at;
  found.inOrder.push(commitment);
  return commitment;
}

/** A commitment as text, for the straightforward way. */
function commitmentString(commitment: Commitment, macs: Int32Array): string {
  return typeof commitment === 'string' ? commitment : commitmentText(macs, commitment);
}

/** commitInto's answer as text. */
function commitmentOf(
  commitInto: CommitInto,
  field: string,
  value: unknown,
  macs: Int32Array,
  at: number,
): string {
  const text = commitInto(field, value, macs, at);
  if (text === undefined) return commitmentText(macs, at);
  if (typeof text !== 'string') throw new ValidationError(`the commitment for ${field} is not a string`);
  return text;
}

function hasCommittedAncestor(node: PathNode, found: Commitments): boolean {
  for (let up = node.parent; up; up = up.parent) if (found.nested[up.id] !== undefined) return true;
  return false;
}

function commit(commitmentFor: CommitmentFor, field: string, value: unknown): string {
  const commitment = commitmentFor(field, value);
  if (typeof commitment !== 'string')
    throw new ValidationError(`the commitment for ${field} is not a string`);
  return commitment;
}

/**
 * Writes the event as canonical JSON with its commitments in place; false, with `out` to be
 * discarded, for anything the checked way must decide. It also declines when not every commitment
 * found a place (a personal value held by a non-enumerable property), so that whatever the fast way
 * writes is what the straightforward one would.
 */
function writeCommitted(
  out: CanonicalWriter,
  event: Record<string, unknown>,
  root: PathNode,
  found: Commitments,
  macs: Int32Array,
): boolean {
  return writeObject(out, event, root, found, macs, 1) && found.written === found.expected;
}

/** An object on the path to some field, at nesting `depth` for its members (1: the event's). */
function writeObject(
  out: CanonicalWriter,
  record: Record<string, unknown>,
  node: PathNode,
  found: Commitments,
  macs: Int32Array,
  depth: number,
): boolean {
  const keys = sortedKeys(record);
  if (keys === undefined) return false;
  out.writeByte(0x7b); // {
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (!out.writeMemberName(key, i)) return false;
    const value = record[key];
    const child = node.children.get(key);
    let commitment = child === undefined ? undefined : found.nested[child.id];
    if (commitment === undefined && depth === 1 && found.flat) commitment = found.flat.get(key);
    if (commitment !== undefined) {
      found.written++;
      if (typeof commitment === 'number') writeCommitment(out, macs, commitment);
      else if (!out.writeString(commitment)) return false;
    } else if (child !== undefined && child.children.size > 0 && isPlainObject(value)) {
      if (depth >= MAX_CANONICAL_DEPTH || !writeObject(out, value, child, found, macs, depth + 1))
        return false;
    } else if (!out.writeValue(value, depth)) {
      return false;
    }
  }
  out.writeByte(0x7d); // }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The straightforward way: a copy of the event with the commitments in place, for canonicalize

/**
 * The event with its commitments in place (docs/ledger.md section 1, step by step): only the
 * objects on the path to a committed field are copied, the event itself does not change.
 */
export function buildEntryCopied(
  event: object,
  personalFields: readonly string[],
  commitmentFor: CommitmentFor,
): object {
  let entry: Record<string, unknown> | undefined;
  for (const field of personalFields) {
    const parts = splitPath(field);
    const value = walk(event, parts);
    if (value !== undefined && value !== null) {
      entry ??= { ...event };
      replaceCopied(entry, event, parts, commit(commitmentFor, field, value));
    }
    if (parts.length > 1 && Object.hasOwn(event, field)) {
      const flat = (event as Record<string, unknown>)[field];
      if (flat === undefined || flat === null) continue;
      entry ??= { ...event };
      entry[field] = commit(commitmentFor, field, flat);
    }
  }
  return entry ?? event;
}

/**
 * Sets `parts` in `entry`, a copy-in-progress of `original`: each object on the path that is still
 * shared with the original is replaced by a shallow copy first, so the original never changes.
 */
function replaceCopied(
  entry: Record<string, unknown>,
  original: object,
  parts: readonly string[],
  value: string,
): void {
  let target = entry;
  let source: unknown = original;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i] as string;
    source = (source as Record<string, unknown>)[key];
    const child = target[key];
    if (child === source) {
      const copy = { ...(child as Record<string, unknown>) };
      target[key] = copy;
      target = copy;
    } else if (isPlainObject(child)) {
      target = child; // copied already, for an earlier field
    } else {
      return; // an ancestor was committed already
    }
  }
  target[parts[parts.length - 1] as string] = value;
}
