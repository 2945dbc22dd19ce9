// Starts the configured sources (syslog listeners, file followers) and stops them. A `k8s-audit`
// entry needs no listener of its own: the webhook is the HTTP route POST /v1/k8s/audit.

import { ConfigError, SteleError } from '../core/errors.js';
import { isFormat } from '../parsers/index.js';
import { startFileSource, type FileSourceConfig, type FileSourceOptions } from './file/index.js';
import { SourceMetrics } from './source-metrics.js';
import type { Source, SourceDeps, SourceStats } from './source.js';
import { startSyslogSource, type SyslogSourceConfig, type SyslogSourceOptions } from './syslog/index.js';

export type { Source, SourceAdmitter, SourceDeps, SourceStats } from './source.js';

export type SourceConfig =
  ({ type: 'syslog' } & SyslogSourceConfig) | ({ type: 'file' } & FileSourceConfig) | { type: 'k8s-audit' };

/** Tuning not in the configuration file (tests use it for small limits). */
export interface SourcesOptions {
  syslog?: SyslogSourceOptions;
  file?: FileSourceOptions;
}

export interface RunningSources {
  /** The started sources, in configuration order. */
  sources: readonly Source[];
  stats(): SourceStats[];
  /** Stops every source and waits for their submitted events; call before closing the admitter. */
  close(): Promise<void>;
}

export async function startSources(
  configs: readonly SourceConfig[],
  deps: SourceDeps,
  options: SourcesOptions = {},
): Promise<RunningSources> {
  const metrics = new SourceMetrics(deps.registry);
  const countersFor = metrics.forSource.bind(metrics);
  const sources: Source[] = [];
  const close = async () => {
    await Promise.allSettled(sources.map((s) => s.close()));
  };
  for (const config of configs) {
    const format = 'format' in config ? config.format : undefined;
    if (format !== undefined && !isFormat(format)) {
      throw new ConfigError(`sources: unknown format '${format}' for the ${config.type} source`);
    }
  }
  try {
    for (const config of configs) {
      if (config.type === 'syslog') {
        sources.push(await startSyslogSource(config, deps, countersFor, options.syslog));
      } else if (config.type === 'file') {
        sources.push(await startFileSource(config, deps, countersFor, options.file));
      }
    }
  } catch (err) {
    await close();
    throw err instanceof SteleError
      ? err
      : new ConfigError(`sources: ${(err as Error).message}`, { cause: err });
  }
  return { sources, stats: () => sources.map((s) => s.stats()), close };
}
