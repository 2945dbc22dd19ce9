// The auditor package (audit-package.case.ts) on SQLite, and on PostgreSQL when it is reachable.

import { forEachBackend } from './helpers/backends.js';
import { runAuditPackageSuite } from './audit-package.case.js';

await forEachBackend('audit package', runAuditPackageSuite);
