// Proofs, witnesses and evidence bundles (evidence.case.ts) on SQLite, and on PostgreSQL when it is reachable.

import { forEachBackend } from './helpers/backends.js';
import { runEvidenceSuite } from './evidence.case.js';

await forEachBackend('proofs and evidence', runEvidenceSuite);
