// `stele keys create|list|revoke` (API keys) and `stele keys ledger --public` (the verifier key).

import path from 'node:path';
import type { Command } from 'commander';
import { createApiKey, parseScopes, revokeApiKey } from '../../auth/api-keys.js';
import { table } from '../output.js';
import { systemClock } from '../../core/clock.js';
import { SteleError } from '../../core/errors.js';
import { loadOrCreateSigner } from '../../ledger/signer-file.js';
import { openStore } from '../../store/open.js';
import type { ApiKeyRecord } from '../../store/store.js';
import { localConfig, type TargetFlags } from '../target.js';

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage API keys and the ledger key');
  keys
    .command('create')
    .description('create an API key and print its token once')
    .requiredOption('--scope <scopes>', 'comma-separated: ingest, read, admin')
    .option('--name <name>', 'a name to recognise the key by', 'key')
    .option('--data <dir>', 'embedded data directory')
    .option('--db <url>', 'PostgreSQL URL')
    .option('--config <file>', 'configuration file')
    .option('--json', 'print {"token": "..."}')
    .action(async (flags: TargetFlags & { scope: string; name: string; json?: boolean }) => {
      const scopes = parseScopes(flags.scope);
      if (!/^[\w.@-]{1,64}$/.test(flags.name)) {
        throw new SteleError('validation', '--name: 1 to 64 letters, digits, and . _ @ -');
      }
      const store = await openStore(localConfig(flags));
      try {
        const { token, record } = await createApiKey(store, { name: flags.name, scopes, clock: systemClock });
        if (flags.json)
          process.stdout.write(JSON.stringify({ token, id: record.id, name: record.name, scopes }) + '\n');
        else {
          process.stderr.write(
            `created key ${record.id} '${record.name}' with scopes ${scopes.join(', ')}; the token is shown only now:\n`,
          );
          process.stdout.write(token + '\n');
        }
      } finally {
        await store.close();
      }
    });
  keys
    .command('ledger')
    .description("print the ledger's verifier key")
    .option('--public', 'the public verifier key in C2SP signed-note form (the only form printed)')
    .option('--data <dir>', 'embedded data directory')
    .option('--config <file>', 'configuration file')
    .option('--json', 'print {"verifierKey": "...", "origin": "..."}')
    .action((flags: TargetFlags & { json?: boolean }) => {
      const config = localConfig(flags);
      const file = config.ledger.key_file ?? path.join(config.data, 'ledger.key');
      const { signer, created } = loadOrCreateSigner(file, config.ledger.origin);
      if (created) process.stderr.write(`stele: created a new ledger key in ${file}\n`);
      if (flags.json)
        process.stdout.write(JSON.stringify({ verifierKey: signer.verifierKey, origin: signer.name }) + '\n');
      else process.stdout.write(signer.verifierKey + '\n');
    });
  keys
    .command('list')
    .description('list API keys (never their tokens)')
    .option('--data <dir>', 'embedded data directory')
    .option('--db <url>', 'PostgreSQL URL')
    .option('--config <file>', 'configuration file')
    .option('--json', 'print JSON')
    .action(async (flags: TargetFlags & { json?: boolean }) => {
      const store = await openStore(localConfig(flags));
      try {
        const list = (await store.listApiKeys()).map(keyJson);
        if (flags.json) process.stdout.write(JSON.stringify(list) + '\n');
        else
          process.stdout.write(
            table(
              ['id', 'name', 'scopes', 'created', 'revoked'],
              list.map((k) => [k.id, k.name, k.scopes.join(','), k.created, k.revoked]),
            ),
          );
      } finally {
        await store.close();
      }
    });
  keys
    .command('revoke')
    .description('revoke an API key by id (a running server stops accepting it within a minute)')
    .argument('<id>', 'key id (see stele keys list)')
    .option('--data <dir>', 'embedded data directory')
    .option('--db <url>', 'PostgreSQL URL')
    .option('--config <file>', 'configuration file')
    .option('--json', 'print the revoked key as JSON (as in stele keys list)')
    .action(async (id: string, flags: TargetFlags & { json?: boolean }) => {
      const store = await openStore(localConfig(flags));
      try {
        const record = await revokeApiKey(store, id, systemClock);
        if (flags.json) process.stdout.write(JSON.stringify(keyJson(record)) + '\n');
        else process.stderr.write(`stele: revoked key ${record.id} '${record.name}'\n`);
      } finally {
        await store.close();
      }
    });
}

/** A key as listed: never its hash, times in RFC 3339. */
function keyJson({ hash: _hash, ...key }: ApiKeyRecord) {
  return {
    ...key,
    created: new Date(key.created).toISOString(),
    revoked: key.revoked === null ? null : new Date(key.revoked).toISOString(),
  };
}
