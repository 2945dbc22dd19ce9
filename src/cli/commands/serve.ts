// `stele serve`: the API, the console and the configured sources, until SIGTERM or SIGINT.

import type { Command } from 'commander';
import { startServer } from '../../app.js';
import { loadConfig } from '../../config/config.js';

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
      const running = await startServer(config);
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
    });
}
