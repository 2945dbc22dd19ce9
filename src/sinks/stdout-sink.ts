// The stdout sink: one JSON line per alert (for containers whose logs are collected).

import type { AlertSink } from './sink.js';

export function createStdoutSink(
  name: string,
  write: (line: string) => void = (l) => process.stdout.write(l),
): AlertSink {
  return {
    name,
    type: 'stdout',
    async send(alert) {
      write(JSON.stringify({ stele_alert: alert }) + '\n');
    },
  };
}
