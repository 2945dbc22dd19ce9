// Ledger commands: verify, checkpoint, proof, consistency, export --evidence, verify-bundle.

import type { Command } from 'commander';
import { registerCheckpoint } from './checkpoint.js';
import { registerConsistency } from './consistency.js';
import { registerExport } from './export.js';
import { registerProof } from './proof.js';
import { registerVerify } from './verify.js';
import { registerVerifyBundle } from './verify-bundle.js';

export function registerLedgerCommands(program: Command): void {
  registerVerify(program);
  registerCheckpoint(program);
  registerProof(program);
  registerConsistency(program);
  registerExport(program);
  registerVerifyBundle(program);
}
