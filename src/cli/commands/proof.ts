// `stele proof SEQ`: the inclusion proof of one entry in the latest checkpoint, in the JSON of
// DESIGN.md, from a data directory or a running server. The proof is checked before it is printed.

import type { Command } from 'commander';
import { IntegrityError, SteleError } from '../../core/errors.js';
import { LedgerService, type InclusionProofJson } from '../../ledger/ledger-service.js';
import { pinnedPersonalFields, readVerifierKey } from '../../ledger/verify-key.js';
import { inclusionProofProblem } from '../../ledger/verify-proof.js';
import { openStore } from '../../store/open.js';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target.js';

export function registerProof(program: Command): void {
  addTargetOptions(
    program
      .command('proof')
      .description('print the inclusion proof of entry SEQ in the latest checkpoint')
      .argument('<seq>', 'the ledger index (stele.seq) of the event')
      .option('--key <vkey>', "also check the checkpoint's signature with this verifier key (text or file)")
      .option('--json', 'print {"index", "treeSize", "entry", "leafHash", "hashes", "checkpoint"}'),
  ).action(async (seqText: string, flags: TargetFlags & { key?: string; json?: boolean }) => {
    const seq = parseIndex('SEQ', seqText);
    const proof = await fetchProof(seq, flags);
    const problem = inclusionProofProblem(
      proof,
      flags.key === undefined ? undefined : readVerifierKey(flags.key),
    );
    if (problem) throw new IntegrityError(`entry ${seq}: ${problem}`, seq);
    process.stdout.write(flags.json ? JSON.stringify(proof) + '\n' : describe(proof));
  });
}

export function parseIndex(name: string, text: string): number {
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new SteleError('validation', `${name}: '${text}' is not a ledger index or tree size`);
  }
  return Number(text);
}

async function fetchProof(seq: number, flags: TargetFlags): Promise<InclusionProofJson> {
  const target = resolveTarget(flags);
  if (target.kind === 'server')
    return target.client.json<InclusionProofJson>('GET', `/v1/events/${seq}/proof`);
  const store = await openStore(target.config, { readonly: true });
  try {
    return await new LedgerService(store, await pinnedPersonalFields(store)).proveInclusion(seq);
  } finally {
    await store.close();
  }
}

function describe(proof: InclusionProofJson): string {
  return [
    `entry ${proof.index} is included in the tree of size ${proof.treeSize} (proof checked)`,
    `leaf hash  ${proof.leafHash}`,
    `proof      ${proof.hashes.length} hashes, leaf's sibling first:`,
    ...proof.hashes.map((h) => `  ${h}`),
    'checkpoint:',
    proof.checkpoint,
  ].join('\n');
}
