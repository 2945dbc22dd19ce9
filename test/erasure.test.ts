// Erasure (erasure.case.ts) on SQLite, and on PostgreSQL when it is reachable.

import { forEachBackend } from './helpers/backends.js';
import { runErasureSuite } from './erasure.case.js';

await forEachBackend('erasure', runErasureSuite);
