// Scheduled verification and GET /v1/status (status.case.ts) on SQLite, and on PostgreSQL when it is reachable.

import { forEachBackend } from './helpers/backends.js';
import { runStatusSuite } from './status.case.js';

await forEachBackend('GET /v1/status and scheduled verification', runStatusSuite);
