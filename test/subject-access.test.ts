// Subject access and pseudonymization (subject-access.case.ts) on SQLite, and on PostgreSQL when it is reachable.

import { forEachBackend } from './helpers/backends.js';
import { runSubjectAccessSuite } from './subject-access.case.js';

await forEachBackend('subject access', runSubjectAccessSuite);
