// The lookup table of correlation groups: open addressing with linear probing over a seeded hash
// of the group key, each entry remembering its place. A new key costs one probe (find, then insert
// where it stopped) where a Map costs two (get, set), and removing a group costs no probe at all
// (a Map's delete hashes and searches again); with one new group per event, that is most of the
// work. Keys compare as a Map's do (SameValueZero).

/** A group's map key (correlation.ts `GroupKey`). */
export type TableKey = string | number | boolean;

/** What the table keeps: an object with its key and, while in the table, its index (else -1). */
export interface TableEntry {
  key: TableKey;
  index: number;
}

const MIN_CAPACITY = 16;

/** Per process: keys come from events, and an unseeded hash would let them be chosen to collide. */
const SEED = globalThis.crypto.getRandomValues(new Uint32Array(1))[0] as number;

// Final avalanche of MurmurHash3 (fmix32): every input bit moves every slot bit.
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const NUMBER = new Float64Array(1);
const NUMBER_WORDS = new Int32Array(NUMBER.buffer);

/** A key's hash, never 0 (0 marks an empty slot). */
export function hashKey(key: TableKey): number {
  let h: number;
  if (typeof key === 'string') {
    h = SEED ^ key.length;
    for (let i = 0; i < key.length; i++) {
      h = Math.imul(h ^ key.charCodeAt(i), 0x9e3779b1);
      h ^= h >>> 15;
    }
  } else if (typeof key === 'number') {
    // 0 and -0 are one key, as are all NaNs (SameValueZero); both hash as 0 and NaN.
    NUMBER[0] = key === 0 ? 0 : key;
    h = Math.imul(SEED ^ (NUMBER_WORDS[0] as number), 0x9e3779b1) ^ (NUMBER_WORDS[1] as number);
  } else h = key ? SEED ^ 1 : SEED ^ 2;
  return mix(h) || 1;
}

function sameKey(a: TableKey, b: TableKey): boolean {
  return a === b || (a !== a && b !== b); // NaN is NaN
}

/**
 * The slots hold indexes into `entries`, which is kept dense (a removed entry's place is taken by
 * the last one): the garbage collector then meets the entries' pointers in about the order they
 * were made, not scattered over a large slot array (which made young-generation collections twice
 * as slow in the correlation benchmark). `slots` maps back, so moving an entry between slots does
 * not touch the entry itself.
 */
export class GroupTable<E extends TableEntry> {
  private hashes = new Int32Array(MIN_CAPACITY);
  /** Per slot, the index of its entry (read where `hashes` is not 0). */
  private indexes = new Int32Array(MIN_CAPACITY);
  /** Per entry index, its slot; the table is at most half full, so half as long. */
  private slots = new Int32Array(MIN_CAPACITY / 2);
  private readonly entries: E[] = [];
  private mask = MIN_CAPACITY - 1;

  get size(): number {
    return this.entries.length;
  }

  /** The slot holding `key` (`hash` = `hashKey(key)`), or `~slot` of the free slot where it would go. */
  find(key: TableKey, hash: number): number {
    const hashes = this.hashes;
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const h = hashes[i] as number;
      if (h === 0) return ~i;
      if (h === hash && sameKey(this.at(i).key, key)) return i;
    }
  }

  /** The entry in a slot `find` returned. */
  at(slot: number): E {
    return this.entries[this.indexes[slot] as number] as E;
  }

  get(key: TableKey): E | undefined {
    const slot = this.find(key, hashKey(key));
    return slot < 0 ? undefined : this.at(slot);
  }

  /** Adds `entry` (whose key is absent) at `~free`, where `find` stopped looking for it. */
  insert(free: number, hash: number, entry: E): void {
    if ((this.entries.length + 1) * 2 > this.hashes.length) {
      // At most half full, so probes stay short; the slot `find` gave moved.
      this.rehash(this.hashes.length * 2);
      free = this.find(entry.key, hash);
    }
    const slot = ~free;
    const index = this.entries.length;
    this.entries.push(entry);
    entry.index = index;
    this.hashes[slot] = hash;
    this.indexes[slot] = index;
    this.slots[index] = slot;
  }

  /** Removes an entry that is in the table. */
  delete(entry: E): void {
    const { hashes, indexes, slots, entries, mask } = this;
    const index = entry.index;
    let hole = slots[index] as number;
    entry.index = -1;
    const last = entries.pop() as E;
    if (last !== entry) {
      const lastSlot = slots[entries.length] as number;
      entries[index] = last;
      last.index = index;
      slots[index] = lastSlot;
      indexes[lastSlot] = index;
    }
    // Backward shift: an entry after the hole moves into it unless its own slot lies between them,
    // so every entry stays reachable from its own slot without tombstones.
    for (let i = (hole + 1) & mask; ; i = (i + 1) & mask) {
      const h = hashes[i] as number;
      if (h === 0) break;
      if (((i - h) & mask) >= ((i - hole) & mask)) {
        const moved = indexes[i] as number;
        hashes[hole] = h;
        indexes[hole] = moved;
        slots[moved] = hole;
        hole = i;
      }
    }
    hashes[hole] = 0;
    if (entries.length * 8 < hashes.length && hashes.length > MIN_CAPACITY) this.rehash(hashes.length / 2);
  }

  clear(): void {
    for (const e of this.entries) e.index = -1;
    this.entries.length = 0;
    this.hashes = new Int32Array(MIN_CAPACITY);
    this.indexes = new Int32Array(MIN_CAPACITY);
    this.slots = new Int32Array(MIN_CAPACITY / 2);
    this.mask = MIN_CAPACITY - 1;
  }

  private rehash(capacity: number): void {
    const oldHashes = this.hashes;
    const oldIndexes = this.indexes;
    const hashes = (this.hashes = new Int32Array(capacity));
    const indexes = (this.indexes = new Int32Array(capacity));
    const slots = (this.slots = new Int32Array(capacity / 2));
    const mask = (this.mask = capacity - 1);
    // In slot order: the old table is read, and the new one written, front to back (a slot's
    // entries go to one or two runs), rather than all over both as in entry order.
    for (let j = 0; j < oldHashes.length; j++) {
      const h = oldHashes[j] as number;
      if (h === 0) continue;
      const index = oldIndexes[j] as number;
      let i = h & mask;
      while (hashes[i] !== 0) i = (i + 1) & mask;
      hashes[i] = h;
      indexes[i] = index;
      slots[index] = i;
    }
  }
}
