// `stele checkpoint`: prints the latest signed checkpoint, the C2SP note text exactly as issued, from
// a data directory or a running server. With --key its signature is checked first.

import type { Command } from 'commander';
import { SteleError } from '../../core/errors.js';
import { readVerifierKey } from '../../ledger/verify-key.js';
import { readCheckpointNote } from '../../ledger/verify-proof.js';
import { openStore } from '../../store/open.js';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target.js';

export function registerCheckpoint(program: Command): void {
  addTargetOptions(
    program
      .command('checkpoint')
      .description('print the latest signed checkpoint (the C2SP signed note text, exactly as issued)')
      .option('--key <vkey>', 'check the signature with this verifier key (text or file) before printing')
      .option('--json', 'print {"origin", "size", "rootHash", "note"}')
      .addHelpText(
        'after',
        '\nSave the output (stele checkpoint > cp.txt) to check later that the log still extends it:\n' +
          '  stele verify --against cp.txt   or   stele consistency --old-checkpoint cp.txt --new-checkpoint now.txt',
      ),
  ).action(async (flags: TargetFlags & { key?: string; json?: boolean }) => {
    const note = await latestNote(flags);
    const checkpoint = readCheckpointNote(
      note,
      flags.key === undefined ? undefined : readVerifierKey(flags.key),
    );
    if (!flags.json) {
      process.stdout.write(note);
      return;
    }
    const { origin, size, rootHash } = checkpoint;
    process.stdout.write(
      JSON.stringify({ origin, size, rootHash: rootHash.toString('base64'), note }) + '\n',
    );
  });
}

async function latestNote(flags: TargetFlags): Promise<string> {
  const target = resolveTarget(flags);
  if (target.kind === 'server') return (await target.client.request('GET', '/v1/checkpoint')).text();
  const store = await openStore(target.config, { readonly: true });
  try {
    const latest = await store.latestCheckpoint();
    if (!latest) throw new SteleError('not_found', 'no checkpoint yet: the ledger is empty');
    return latest.note;
  } finally {
    await store.close();
  }
}
