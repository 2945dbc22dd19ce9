// stele stats, timeline, pivot and around (search-cli.case.ts) on SQLite, and on PostgreSQL when it is reachable.

import { forEachBackend } from './helpers/backends.js';
import { runSearchCliSuite } from './search-cli.case.js';

await forEachBackend('search commands', runSearchCliSuite);
