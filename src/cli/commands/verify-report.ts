// `stele verify-report FILE [--key VKEY] [--data DIR | --server URL]`: checks a report's signature
// (FILE.sig, by the ledger key) and its SHA-256, and with a log that the report's checkpoint is
// consistent with the log's latest one. Exit 0 only if everything holds, 3 otherwise.

import type { Command } from 'commander';
import { IntegrityError } from '../../core/errors.js';
import { verifyReport, type ReportVerification } from '../../compliance/reports.js';
import { openReportSignature } from '../../compliance/report-sign.js';
import { openCheckpoint } from '../../ledger/checkpoint.js';
import type { ConsistencyProofJson } from '../../ledger/ledger-service.js';
import { verifyConsistency } from '../../ledger/merkle.js';
import { ledgerKeyFile, pinnedPersonalFields, trustedVerifierKey } from '../../ledger/verify-key.js';
import type { VerifierKey } from '../../ledger/note.js';
import { openStore } from '../../store/open.js';
import type { ServerClient } from '../client.js';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target.js';
import fs from 'node:fs';

interface Flags extends TargetFlags {
  key?: string;
  signature?: string;
  json?: boolean;
}

export function registerVerifyReport(program: Command): void {
  addTargetOptions(
    program
      .command('verify-report')
      .description(
        "check a report's signature and hash, and (with --data/--server) that its checkpoint is in today's log",
      )
      .argument('<file>', 'the report file (its signature is FILE.sig)')
      .option(
        '--key <vkey>',
        'the verifier key to trust (text or file); default: that of the ledger key in the data directory',
      )
      .option('--signature <file>', 'the signature file (default FILE.sig)')
      .option('--json', 'print the result as JSON'),
  ).action(async (file: string, flags: Flags) => {
    const withLog = flags.data !== undefined || flags.db !== undefined || flags.server !== undefined;
    const target = withLog ? resolveTarget(flags) : undefined;
    const key =
      target?.kind === 'server' && flags.key === undefined
        ? undefined
        : trustedVerifierKey(
            flags.key,
            ledgerKeyFile(target?.kind === 'local' ? target.config : resolveLocal(flags)),
          );
    if (!key)
      throw new IntegrityError('--server needs --key VERIFIER_KEY: the server cannot vouch for itself');
    const signatureFile = flags.signature ?? `${file}.sig`;
    let result: ReportVerification;
    if (target?.kind === 'local') {
      const store = await openStore(target.config, { readonly: true });
      try {
        result = await verifyReport(file, key, {
          signatureFile,
          log: { store, personalFields: await pinnedPersonalFields(store) },
        });
      } finally {
        await store.close();
      }
    } else {
      result = await verifyReport(file, key, { signatureFile });
      if (target?.kind === 'server') result.log = await checkWithServer(target.client, signatureFile, key);
    }
    if (flags.json) {
      process.stdout.write(JSON.stringify(result) + '\n');
      return;
    }
    const s = result.statement;
    const lines = [
      `${file}: signature valid (${s.origin}), SHA-256 matches`,
      `report ${s.type} for ${s.from} to ${s.to}, computed at the checkpoint of size ${s.size}, root ${s.root}`,
    ];
    if (result.log) lines.push(`the log's latest checkpoint (size ${result.log.size}) extends it`);
    process.stdout.write(lines.join('\n') + '\n');
  });
}

function resolveLocal(flags: Flags) {
  const target = resolveTarget({ ...flags, server: undefined });
  if (target.kind !== 'local') throw new IntegrityError('no local configuration');
  return target.config;
}

async function checkWithServer(
  client: ServerClient,
  signatureFile: string,
  key: VerifierKey,
): Promise<{ size: number; consistent: true }> {
  const s = openReportSignature(fs.readFileSync(signatureFile, 'utf8'), key);
  const latest = openCheckpoint(await (await client.request('GET', '/v1/checkpoint')).text(), [
    key,
  ]).checkpoint;
  if (latest.size < s.size)
    throw new IntegrityError(`the server's log has ${latest.size} entries, fewer than ${s.size}`);
  const proof = await client.json<ConsistencyProofJson>(
    'GET',
    `/v1/consistency?from=${s.size}&to=${latest.size}`,
  );
  const ok = verifyConsistency(
    s.size,
    latest.size,
    proof.hashes.map((h) => Buffer.from(h, 'base64')),
    Buffer.from(s.root, 'base64'),
    latest.rootHash,
  );
  if (!ok.ok)
    throw new IntegrityError(`the report's checkpoint is not consistent with the server's log: ${ok.reason}`);
  return { size: latest.size, consistent: true };
}
