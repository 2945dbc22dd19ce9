// Where detection rules come from: the built-in pack in `rules/` at the repository root, or the
// paths given in config `rules` / `stele detect --rules`. Missing paths are load errors, not crashes.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ROUTES, loadRuleFiles, type LoadOptions, type Route } from './sigma/index.js';
import type { LoadResult } from './sigma/index.js';

/** Stele's own events (producer gaps, verification results) carry `event.dataset: stele`. */
export const STELE_ROUTES: readonly Route[] = [...DEFAULT_ROUTES, { product: 'stele', datasets: ['stele'] }];

/** The built-in rule pack: `rules/` beside package.json (from src/ and from dist/src/ alike). */
export function builtinRulesDir(): string {
  for (const up of ['../../', '../../../']) {
    const root = new URL(up, import.meta.url);
    if (existsSync(new URL('package.json', root)) && existsSync(new URL('rules/', root)))
      return fileURLToPath(new URL('rules/', root));
  }
  return fileURLToPath(new URL('../../rules/', import.meta.url));
}

/** Loads rule files and folders; a path that does not exist is reported like a bad rule. */
export function loadDetectionRules(paths: readonly string[], options: LoadOptions = {}): LoadResult {
  const present = paths.filter((p) => existsSync(p));
  const missing = paths
    .filter((p) => !existsSync(p))
    .map((path) => ({ path, reason: 'no such file or directory' }));
  const loaded = loadRuleFiles(present, options);
  return { ...loaded, errors: [...missing, ...loaded.errors] };
}
