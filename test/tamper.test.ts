// Tamper detection (tamper.case.ts) on SQLite, and on PostgreSQL when it is reachable.

import { forEachBackend } from './helpers/backends.js';
import { runTamperSuite } from './tamper.case.js';

await forEachBackend('tamper detection', runTamperSuite);
