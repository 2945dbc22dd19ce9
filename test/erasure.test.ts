// Erasure (erasure.case.ts) on SQLite, and on PostgreSQL when it is reachable.

import { forEachBackend } from './helpers/backends.js';
import { runErasureSuite, runRecentErasureSuite } from './erasure.case.js';

await forEachBackend('erasure', runErasureSuite);
await forEachBackend('erasure just after a commit', runRecentErasureSuite);
