// Read side of the ledger: checkpoints, inclusion and consistency proofs in the JSON shapes of
// DESIGN.md. Proofs are built from the stored nodes (leaf hashes and every 4th level of the tree, or
// every 8th in a database an older Stele wrote and that was opened read-only since).

import { SteleError } from '../core/errors.js';
import type { CheckpointRecord, Store } from '../store/store.js';
import { rowToEvent } from '../store/store.js';
import { consistencyProof, createTiledReader, inclusionProof, type NodeReader } from './merkle.js';
import { ledgerEntry } from './entry.js';

export interface InclusionProofJson {
  index: number;
  treeSize: number;
  entry: string;
  leafHash: string;
  hashes: string[];
  checkpoint: string;
}

export interface ConsistencyProofJson {
  oldSize: number;
  newSize: number;
  hashes: string[];
}

export class LedgerService {
  /** The tiled reader for the store's layout, made on first use (the store says which levels it keeps). */
  private tiled: Promise<NodeReader> | undefined;

  constructor(
    private readonly store: Store,
    private readonly personalFields: readonly string[],
  ) {}

  readonly reader: NodeReader = async (ids) => {
    this.tiled ??= this.createReader().catch((err: unknown) => {
      this.tiled = undefined;
      throw err;
    });
    return (await this.tiled)(ids);
  };

  private async createReader(): Promise<NodeReader> {
    const stride = await this.store.storedLevelStride();
    return createTiledReader(async (ids) => {
      const found = await this.store.readNodes(ids);
      return found.map((hash, i) => {
        if (!hash)
          throw new SteleError('integrity', `ledger node ${ids[i]!.level}/${ids[i]!.index} is missing`);
        return hash;
      });
    }, stride);
  }

  async latestCheckpoint(): Promise<CheckpointRecord> {
    const cp = await this.store.latestCheckpoint();
    if (!cp) throw new SteleError('not_found', 'no checkpoint yet: the ledger is empty');
    return cp;
  }

  /** Inclusion proof of `seq` in the latest checkpoint. */
  async proveInclusion(seq: number): Promise<InclusionProofJson> {
    const cp = await this.latestCheckpoint();
    if (seq >= cp.size) {
      throw new SteleError(
        'not_found',
        `entry ${seq} is not covered by the latest checkpoint (size ${cp.size}) yet`,
      );
    }
    const row = await this.store.getEvent(seq);
    if (!row) throw new SteleError('not_found', `no event with seq ${seq}`);
    const event = rowToEvent(row);
    if (!event) {
      throw new SteleError('not_found', `event ${seq} has expired; only its leaf hash remains`);
    }
    const hashes = await inclusionProof(seq, cp.size, this.reader);
    return {
      index: seq,
      treeSize: cp.size,
      entry: ledgerEntry(event, row.seed, this.personalFields, row.erased).toString('base64'),
      leafHash: row.leafHash.toString('base64'),
      hashes: hashes.map((h) => h.toString('base64')),
      checkpoint: cp.note,
    };
  }

  async proveConsistency(oldSize: number, newSize: number): Promise<ConsistencyProofJson> {
    const cp = await this.latestCheckpoint();
    if (!(oldSize >= 0 && oldSize <= newSize && newSize <= cp.size)) {
      throw new SteleError(
        'validation',
        `need 0 <= old <= new <= ${cp.size} (the latest checkpoint), got ${oldSize} and ${newSize}`,
      );
    }
    // From the empty tree every tree is consistent, with an empty proof (C2SP tlog-witness).
    const hashes = oldSize === 0 ? [] : await consistencyProof(oldSize, newSize, this.reader);
    return { oldSize, newSize, hashes: hashes.map((h) => h.toString('base64')) };
  }
}
