// `stele serve`: the API, the console and the configured sources, until SIGTERM or SIGINT.

import type { Command } from 'commander';
import { startServer, type ServerParts } from '../../app.js';
import { loadConfig, type Config } from '../../config/config.js';
import { systemClock } from '../../core/clock.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the API and the configured sources (SQLite in ./stele-data by default)')
    .option('--config <file>', 'configuration file (YAML)')
    .option('--data <dir>', 'embedded data directory')
    .option('--db <url>', 'PostgreSQL URL')
    .option('--listen <host:port>', 'address to listen on (default 127.0.0.1:8080)')
    .action(async (flags: { config?: string; data?: string; db?: string; listen?: string }) => {
      const overrides: Record<string, unknown> = {};
      if (flags.data) overrides.data = flags.data;
      if (flags.db) overrides.db = flags.db;
      if (flags.listen) overrides.listen = flags.listen;
      const config = loadConfig({ file: flags.config, env: process.env, overrides });
      await serveUntilStopped(config);
    });
}

/**
 * Starts the server, prints the first admin key if this start made one, then "listening on" (last,
 * for whoever waits for it), and runs until SIGTERM or SIGINT has finished the in-flight commits.
 */
export async function serveUntilStopped(config: Config, parts: ServerParts = {}): Promise<void> {
  const running = await startServer(config, systemClock, parts);
  const log = (msg: string) => process.stderr.write(`stele: ${msg}\n`);
  if (running.bootstrapToken) {
    log('created the first admin API key; it is shown only this once:');
    process.stdout.write(`${running.bootstrapToken}\n`);
  }
  // Last, so whoever waits for this line (scripts, tests) has everything printed before it.
  log(`listening on http://${running.address} (data: ${config.db ? 'PostgreSQL' : config.data})`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`${signal}: finishing in-flight commits`);
      running.close().then(
        () => resolve(),
        (err: unknown) => {
          log(`shutdown failed: ${(err as Error).message}`);
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log('stopped');
}
