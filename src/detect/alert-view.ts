// The JSON form of a stored alert, shared by the API and the CLI.

import type { AlertRecord } from '../store/store.js';

export function alertJson(a: AlertRecord) {
  return {
    id: a.id,
    rule: { id: a.ruleId, title: a.title, level: a.level },
    group: a.group,
    status: a.status,
    count: a.count,
    first_seq: a.firstSeq,
    last_seq: a.lastSeq,
    first_time: new Date(a.firstTs).toISOString(),
    last_time: new Date(a.lastTs).toISOString(),
    created: new Date(a.created).toISOString(),
    updated: new Date(a.updated).toISOString(),
  };
}
