// The search and investigation API (search-api.case.ts) on SQLite, and on PostgreSQL when it is reachable.

import { forEachBackend } from './helpers/backends.js';
import { runSearchApiSuite } from './search-api.case.js';

await forEachBackend('search API', runSearchApiSuite);
