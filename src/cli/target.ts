// Where a command finds stored events: an embedded data dir (--data), PostgreSQL (--db) or a
// running server (--server with --token). The common flags are declared here once.

import type { Command } from 'commander';
import { loadConfig, type Config } from '../config/config.js';
import { SteleError } from '../core/errors.js';
import { ServerClient } from './client.js';

export interface TargetFlags {
  data?: string;
  db?: string;
  server?: string;
  token?: string;
  config?: string;
}

export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'embedded data directory (default ./stele-data)')
    .option('--db <url>', 'PostgreSQL URL (postgres://...)')
    .option('--server <url>', 'a running Stele server (http://127.0.0.1:8080)')
    .option('--token <token>', 'API key for --server (or STELE_TOKEN)')
    .option('--config <file>', 'configuration file (YAML)');
}

export type Target = { kind: 'local'; config: Config } | { kind: 'server'; client: ServerClient };

export function resolveTarget(flags: TargetFlags): Target {
  if (flags.server) {
    if (flags.data || flags.db)
      throw new SteleError('validation', '--server cannot be combined with --data or --db');
    const token = flags.token ?? process.env.STELE_TOKEN;
    if (!token) throw new SteleError('validation', '--server needs --token TOKEN (or STELE_TOKEN)');
    return { kind: 'server', client: new ServerClient(flags.server, token) };
  }
  return { kind: 'local', config: localConfig(flags) };
}

export function localConfig(flags: TargetFlags): Config {
  const overrides: Record<string, unknown> = {};
  if (flags.data) overrides.data = flags.data;
  if (flags.db) overrides.db = flags.db;
  return loadConfig({ file: flags.config, env: process.env, overrides });
}
