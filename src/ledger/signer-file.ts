// The ledger's Ed25519 signing key on disk: created on first start with mode 0600, in C2SP
// signed-note private key form. The key name is the ledger's origin.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors.js';
import { createSignerKey, parseSignerKey, type SignerKey } from './note.js';

/**
 * Loads the key, or creates it. Without a configured origin, an existing key's name is the origin,
 * and a new ledger gets `stele/<16 random hex digits>`.
 */
export function loadOrCreateSigner(file: string, origin?: string): { signer: SignerKey; created: boolean } {
  if (fs.existsSync(file)) {
    const stat = fs.statSync(file);
    if ((stat.mode & 0o077) !== 0) {
      throw new ConfigError(
        `ledger key ${file} is readable by other users (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it`,
      );
    }
    const signer = parseSignerKey(fs.readFileSync(file, 'utf8').trim());
    if (origin !== undefined && signer.name !== origin) {
      throw new ConfigError(
        `ledger key ${file} is named '${signer.name}' but the ledger origin is '${origin}'`,
      );
    }
    return { signer, created: false };
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const signer = createSignerKey(origin ?? `stele/${randomBytes(8).toString('hex')}`);
  // 'wx': fail rather than overwrite if another process created it meanwhile.
  fs.writeFileSync(file, signer.privateKey + '\n', { mode: 0o600, flag: 'wx' });
  return { signer, created: true };
}
