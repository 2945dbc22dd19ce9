// Live detection with stored alerts and a persisted cursor (alerts.case.ts) on SQLite, and on
// PostgreSQL when it is reachable.

import { forEachBackend } from './helpers/backends.js';
import { runAlertsSuite } from './alerts.case.js';

await forEachBackend('alerts in stele serve', runAlertsSuite);
