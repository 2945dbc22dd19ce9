// `stele consistency OLD NEW`: the RFC 9162 consistency proof between two tree sizes. Given two saved
// checkpoints instead, it fetches the proof and checks that the newer log extends the older one:
// what an outside witness does.

import fs from 'node:fs';
import type { Command } from 'commander';
import { IntegrityError, ValidationError } from '../../core/errors.js';
import type { Checkpoint } from '../../ledger/checkpoint.js';
import { LedgerService, type ConsistencyProofJson } from '../../ledger/ledger-service.js';
import { ledgerKeyFile, pinnedPersonalFields, trustedVerifierKey } from '../../ledger/verify-key.js';
import { consistencyProblem, readCheckpointNote } from '../../ledger/verify-proof.js';
import { openStore } from '../../store/open.js';
import { addTargetOptions, localConfig, resolveTarget, type TargetFlags } from '../target.js';
import { parseIndex } from './proof.js';

interface ConsistencyFlags extends TargetFlags {
  oldCheckpoint?: string;
  newCheckpoint?: string;
  key?: string;
  json?: boolean;
}

export function registerConsistency(program: Command): void {
  addTargetOptions(
    program
      .command('consistency')
      .description(
        'print the consistency proof that the tree of size OLD is a prefix of the tree of size NEW',
      )
      .argument('[old]', 'the older tree size')
      .argument('[new]', 'the newer tree size (at most the latest checkpoint)')
      .option('--old-checkpoint <file>', 'instead of sizes: a checkpoint saved earlier...')
      .option('--new-checkpoint <file>', '...and a newer one; the proof between them is fetched and checked')
      .option(
        '--key <vkey>',
        'verifier key for the checkpoints (text or file; default: the local ledger key)',
      )
      .option('--json', 'print {"oldSize", "newSize", "hashes"}')
      .addHelpText(
        'after',
        '\nA witness keeps the last checkpoint it saw and, for each new one, runs\n' +
          '  stele consistency --old-checkpoint kept.txt --new-checkpoint new.txt --key VKEY --server URL --token T\n' +
          'which exits 0 only if the new checkpoint extends the kept one (3 if the log was rewritten).',
      ),
  ).action(async (oldText: string | undefined, newText: string | undefined, flags: ConsistencyFlags) => {
    const checked = flags.oldCheckpoint !== undefined || flags.newCheckpoint !== undefined;
    if (checked === (oldText !== undefined) || (!checked && newText === undefined)) {
      throw new ValidationError('give OLD and NEW tree sizes, or --old-checkpoint and --new-checkpoint');
    }
    const pair = checked ? openPair(flags) : undefined;
    const oldSize = pair ? pair[0].size : parseIndex('OLD', oldText!);
    const newSize = pair ? pair[1].size : parseIndex('NEW', newText!);
    const proof = await fetchProof(oldSize, newSize, flags);
    if (pair) {
      const problem = consistencyProblem(pair[0], pair[1], proof);
      if (problem) throw new IntegrityError(problem);
    }
    if (flags.json) process.stdout.write(JSON.stringify(proof) + '\n');
    else process.stdout.write(describe(proof, pair !== undefined));
  });
}

function openPair(flags: ConsistencyFlags): [Checkpoint, Checkpoint] {
  if (flags.oldCheckpoint === undefined || flags.newCheckpoint === undefined) {
    throw new ValidationError('--old-checkpoint and --new-checkpoint go together');
  }
  const keyFile = flags.key === undefined ? ledgerKeyFile(localConfig(flags)) : '';
  const key = trustedVerifierKey(flags.key, keyFile);
  return [readNote(flags.oldCheckpoint, key), readNote(flags.newCheckpoint, key)];
}

function readNote(file: string, key: Parameters<typeof readCheckpointNote>[1]): Checkpoint {
  let note: string;
  try {
    note = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ValidationError(`cannot read checkpoint ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return readCheckpointNote(note, key);
  } catch (err) {
    if (err instanceof IntegrityError) throw new IntegrityError(`${file}: ${err.message}`);
    throw err;
  }
}

async function fetchProof(
  oldSize: number,
  newSize: number,
  flags: TargetFlags,
): Promise<ConsistencyProofJson> {
  const target = resolveTarget(flags);
  if (target.kind === 'server') {
    return target.client.json<ConsistencyProofJson>('GET', `/v1/consistency?from=${oldSize}&to=${newSize}`);
  }
  const store = await openStore(target.config, { readonly: true });
  try {
    return await new LedgerService(store, await pinnedPersonalFields(store)).proveConsistency(
      oldSize,
      newSize,
    );
  } finally {
    await store.close();
  }
}

function describe(proof: ConsistencyProofJson, checked: boolean): string {
  const head = checked
    ? `checked: the checkpoint of size ${proof.newSize} extends the one of size ${proof.oldSize}`
    : `consistency proof from tree size ${proof.oldSize} to ${proof.newSize}`;
  return [`${head}: ${proof.hashes.length} hashes`, ...proof.hashes.map((h) => `  ${h}`)].join('\n') + '\n';
}
