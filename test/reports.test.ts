// Compliance reports (reports.case.ts) on SQLite, and on PostgreSQL when it is reachable.

import { forEachBackend } from './helpers/backends.js';
import { runReportsSuite } from './reports.case.js';

await forEachBackend('compliance reports', runReportsSuite);
