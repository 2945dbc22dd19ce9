// `stele migrate --from SRC --to DST`: copies a ledger between an embedded data directory and
// PostgreSQL (either way): events as stored (salt seeds, erased commitments, leaf hashes), tree
// nodes, frontier, checkpoints, producers, pinned settings and API keys. The tree is rebuilt from the
// copied leaves on the way and must reproduce every checkpoint root and the stored nodes; then the
// target is verified in full (every entry recomputed, every signature checked) when a key is known.

import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { IntegrityError, SteleError, ValidationError } from '../../core/errors.js';
import { indexedFields } from '../../ingest/fields.js';
import { STORED_LEVEL_STRIDE } from '../../ledger/ledger.js';
import { CompactRange } from '../../ledger/merkle.js';
import type { VerifierKey } from '../../ledger/note.js';
import { verifyLedger, type VerifyReport } from '../../ledger/verify.js';
import { ledgerKeyFile, readVerifierKey, verifierKeyOfSignerFile } from '../../ledger/verify-key.js';
import { openStore } from '../../store/open.js';
import type {
  CheckpointRecord,
  ErasureUpdate,
  EventRecord,
  EventRow,
  Store,
  StoredNode,
} from '../../store/store.js';
import { rowToEvent } from '../../store/store.js';
import { Progress } from '../progress.js';

/** Pinned settings copied as they are (the frontier travels with the events). */
const META_KEYS = ['personal_fields', 'ledger_verifier_key', 'detect_cursor'];
const CHUNK = 5000;

interface MigrateFlags {
  from: string;
  to: string;
  key?: string;
  config?: string;
  json?: boolean;
}

export interface MigrateSummary {
  from: string;
  to: string;
  events: number;
  erased: number;
  nodes: number;
  checkpoints: number;
  producers: number;
  apiKeys: number;
  /** Root of the whole tree as rebuilt from the copied leaves. */
  rootHash: string;
  verified: boolean;
  verification: string;
  seconds: number;
}

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('copy a ledger between a data directory and PostgreSQL (either way), then verify the copy')
    .requiredOption('--from <dir|url>', 'source: a data directory or postgres://... (?schema=NAME)')
    .requiredOption('--to <dir|url>', 'target (must be empty): a data directory or postgres://...')
    .option(
      '--key <vkey>',
      'verifier key to check signatures with (default: the ledger key of the data directory)',
    )
    .option('--config <file>', 'configuration file (YAML), for ledger.key_file')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: MigrateFlags) => {
      const summary = await migrateLedger(flags);
      if (flags.json) process.stdout.write(JSON.stringify(summary) + '\n');
      else process.stdout.write(render(summary));
      if (!summary.verified && summary.verification.startsWith('FAILED'))
        throw new IntegrityError(summary.verification);
    });
}

function target(spec: string): { data: string; db?: string } {
  return /^postgres(ql)?:\/\//.test(spec) ? { data: './stele-data', db: spec } : { data: spec };
}

function describe(spec: string): string {
  return /^postgres(ql)?:\/\//.test(spec) ? spec.replace(/\/\/[^@/]*@/, '//') : path.resolve(spec);
}

export async function migrateLedger(flags: MigrateFlags): Promise<MigrateSummary> {
  const started = performance.now();
  if (flags.from === flags.to) throw new ValidationError('--from and --to are the same');
  const from = await openStore(target(flags.from), { readonly: true });
  try {
    const to = await openStore(target(flags.to), {});
    try {
      const copied = await copyLedger(from, to);
      await to.analyze?.();
      const key = verifierKey(flags);
      const verification = key ? await verifyTarget(to, key) : undefined;
      return {
        from: describe(flags.from),
        to: describe(flags.to),
        ...copied,
        verified: verification?.ok ?? false,
        verification: verification
          ? verification.ok
            ? `stele verify passed: ${verification.size} entries recomputed, ${verification.checkpoints} signed checkpoints`
            : `FAILED at index ${verification.firstBadIndex ?? '?'}: ${verification.reason ?? ''}`
          : 'signatures not checked (no ledger key: pass --key); leaves, tree nodes and checkpoint roots match',
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}

/** The key to verify with: --key, else the ledger key file of the data-directory side. */
function verifierKey(flags: MigrateFlags): VerifierKey | undefined {
  if (flags.key) return readVerifierKey(flags.key);
  for (const spec of [flags.from, flags.to]) {
    const config = loadConfig({ file: flags.config, env: process.env, overrides: { ...target(spec) } });
    const file = ledgerKeyFile(config);
    if (fs.existsSync(file)) return verifierKeyOfSignerFile(file);
  }
  return undefined;
}

async function verifyTarget(store: Store, key: VerifierKey): Promise<VerifyReport> {
  const personalFields = JSON.parse((await store.getMeta('personal_fields')) ?? '[]') as string[];
  let progress: Progress | undefined;
  const report = await verifyLedger(store, {
    verifierKey: key,
    personalFields,
    onProgress(done, total) {
      progress ??= new Progress('verify ', total);
      progress.update(done, done);
    },
  });
  progress?.finish(report.verified, report.verified);
  return report;
}

async function copyLedger(from: Store, to: Store) {
  const state = await from.loadLedgerState();
  const existing = await to.loadLedgerState();
  if (existing.size > 0 || (await to.latestCheckpoint()) !== undefined) {
    throw new SteleError(
      'conflict',
      `the target already holds a ledger of ${existing.size} entries; migrate into an empty one`,
    );
  }
  for (const key of META_KEYS) {
    const value = await from.getMeta(key);
    if (value !== undefined) await to.setMeta(key, value);
  }
  const apiKeys = await from.listApiKeys();
  for (const k of apiKeys) await to.putApiKey(k);

  const checkpoints = await from.listCheckpoints();
  const bySize = new Map<number, CheckpointRecord>(checkpoints.map((c) => [c.size, c]));
  const range = new CompactRange();
  const progress = new Progress('migrate', state.size);
  let erased = 0;
  let nodes = 0;
  let seq = 0;
  // An empty-tree checkpoint (size 0) goes first, on its own.
  const empty = bySize.get(0);
  if (empty)
    await to.append({ events: [], nodes: [], frontier: range.toJSON(), producers: [], checkpoint: empty });
  while (seq < state.size) {
    // Batches end at checkpoint sizes, so each checkpoint is written with the tree it signs.
    const nextCheckpoint = checkpoints.find((c) => c.size > seq)?.size ?? Infinity;
    const rows = await from.scanEvents(seq, Math.min(CHUNK, nextCheckpoint - seq, state.size - seq));
    if (rows.length === 0) throw new IntegrityError(`the source has no event at seq ${seq}`, seq);
    const built: StoredNode[] = [];
    const records = rows.map((row) => {
      if (row.seq !== seq) throw new IntegrityError(`the source skips from seq ${seq} to ${row.seq}`, seq);
      seq++;
      range.append(row.leafHash, (id, hash) => {
        if (id.level > 0 && id.level % STORED_LEVEL_STRIDE === 0) built.push({ ...id, hash });
      });
      return toRecord(row);
    });
    const checkpoint = bySize.get(seq);
    if (checkpoint && !range.root().equals(checkpoint.rootHash)) {
      throw new IntegrityError(`the source's checkpoint of size ${seq} does not match its leaves`, seq - 1);
    }
    await checkNodes(from, built);
    await to.append({
      events: records,
      nodes: built,
      frontier: range.toJSON(),
      producers: seq === state.size ? state.producers : [],
      ...(checkpoint ? { checkpoint } : {}),
    });
    const updates = rows.flatMap((r): ErasureUpdate[] =>
      r.erased && r.body !== null ? [{ seq: r.seq, body: r.body, columns: r.columns, erased: r.erased }] : [],
    );
    if (updates.length > 0) await to.eraseEvents(updates);
    erased += updates.length;
    nodes += built.length;
    progress.update(seq, seq);
  }
  progress.finish(seq, seq);
  if (state.size === 0 && state.producers.length > 0) {
    await to.append({ events: [], nodes: [], frontier: range.toJSON(), producers: state.producers });
  }
  if (state.frontier !== null && CompactRange.fromJSON(state.frontier).root().compare(range.root()) !== 0) {
    throw new IntegrityError("the source's stored frontier does not match its leaves");
  }
  return {
    events: seq,
    erased,
    nodes,
    checkpoints: checkpoints.length,
    producers: state.producers.length,
    apiKeys: apiKeys.length,
    rootHash: range.root().toString('base64'),
  };
}

/** The nodes rebuilt from the leaves must be the ones the source stored. */
async function checkNodes(from: Store, built: StoredNode[]): Promise<void> {
  if (built.length === 0) return;
  const stored = await from.readNodes(built);
  built.forEach((node, i) => {
    const hash = stored[i];
    if (hash && !hash.equals(node.hash)) {
      throw new IntegrityError(
        `the source's tree node ${node.level}/${node.index} does not match its leaves`,
      );
    }
  });
}

/** A stored row as a record to append: the same bytes, the same leaf, the same seed. */
function toRecord(row: EventRow): EventRecord {
  const event = rowToEvent(row);
  return {
    seq: row.seq,
    ts: row.ts,
    received: row.received,
    source: row.source,
    // An expired event keeps only its leaf hash; both stores keep a NULL body for it.
    body: row.body as string,
    columns: row.columns,
    leafHash: row.leafHash,
    seed: row.seed ?? Buffer.alloc(0),
    fields: event ? indexedFields(event) : { sourceIp: null, producerId: null, producerSeq: null },
  };
}

function render(s: MigrateSummary): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    `migrated ${s.from} -> ${s.to} in ${s.seconds.toFixed(1)} s`,
    `  events       ${n(s.events)} (${n(s.erased)} with erased personal data)`,
    `  tree nodes   ${n(s.nodes)}`,
    `  checkpoints  ${n(s.checkpoints)}`,
    `  producers    ${n(s.producers)}`,
    `  API keys     ${n(s.apiKeys)}`,
    `  root         ${s.rootHash}`,
    `  ${s.verification}`,
    '',
  ].join('\n');
}
