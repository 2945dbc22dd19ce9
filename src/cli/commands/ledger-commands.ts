// Ledger commands: verify, checkpoint, proof, consistency, export --evidence, verify-bundle.

import type { Command } from 'commander';

export function registerLedgerCommands(program: Command): void {
  void program;
}
