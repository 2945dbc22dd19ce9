// Retention and legal hold (retention.case.ts) on SQLite, and on PostgreSQL when it is reachable.

import { forEachBackend } from './helpers/backends.js';
import { runRetentionSuite } from './retention.case.js';

await forEachBackend('retention and legal hold', runRetentionSuite);
