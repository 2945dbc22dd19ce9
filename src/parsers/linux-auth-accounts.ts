// Account and group management by shadow-utils (useradd, userdel, usermod, groupadd, groupdel,
// groupmod, gpasswd, passwd, chage, chsh, chfn): their syslog messages become iam events.

import type { AuthFacts } from './linux-auth-actions.js';

type Rule = [RegExp, (m: RegExpExecArray) => AuthFacts];

const ok = (action: string, extra: Partial<AuthFacts>): AuthFacts => ({
  action,
  outcome: 'success',
  ...extra,
});
const fromTty = (tty: string | undefined) => (tty ? { tty } : undefined);

const RULES: Rule[] = [
  [
    /^new user: name=([^,]*), UID=(\d+), GID=(\d+), home=([^,]*), shell=([^,]*)(?:, from=(\S+))?/,
    (m) => ok('user.create', { targetUser: m[1], targetUserId: m[2], groupId: m[3], labels: fromTty(m[6]) }),
  ],
  [/^new group: name=([^,]*), GID=(\d+)/, (m) => ok('group.create', { group: m[1], groupId: m[2] })],
  [
    /^group added to (\S+): name=([^,]*)(?:, GID=(\d+))?/,
    (m) => ok('group.create', { group: m[2], groupId: m[3], labels: { file: m[1] ?? '' } }),
  ],
  [
    /^add '(.*)' to (?:shadow )?group '(.*)'$/,
    (m) => ok('group.member_add', { targetUser: m[1], group: m[2] }),
  ],
  [
    /^delete '(.*)' from (?:shadow )?group '(.*)'$/,
    (m) => ok('group.member_remove', { targetUser: m[1], group: m[2] }),
  ],
  [/^delete user '(.*)'$/, (m) => ok('user.delete', { targetUser: m[1] })],
  [
    /^removed (?:shadow )?group '(.*)' owned by '(.*)'$/,
    (m) => ok('group.delete', { group: m[1], relatedUsers: [m[2] ?? ''] }),
  ],
  [/^group '(.*)' removed(?: from (\S+))?$/, (m) => ok('group.delete', { group: m[1] })],
  [
    /^group changed in (\S+) \((.*)\)$/,
    (m) => ok('group.modify', { group: /^group ([^/,]+)/.exec(m[2] ?? '')?.[1] }),
  ],
  [
    /^failed adding user '(.*)', (.*)$/,
    (m) => ({ action: 'user.create', outcome: 'failure', targetUser: m[1], reason: m[2] }),
  ],
  [/^change user '(.*)' password$/, (m) => ok('user.password_change', { targetUser: m[1] })],
  [
    /^change user name '(.*)' to '(.*)'$/,
    (m) => ok('user.modify', { targetUser: m[2], relatedUsers: [m[1] ?? ''] }),
  ],
  [/^change user '(.*?)' (\w+) from '(.*)' to '(.*)'$/, (m) => ok('user.modify', { targetUser: m[1] })],
  [/^(?:lock|unlock) user '(.*)' password$/, (m) => ok('user.modify', { targetUser: m[1] })],
  [
    /^user (\S+) added by (\S+) to group (\S+)$/,
    (m) => ok('group.member_add', { targetUser: m[1], user: m[2], group: m[3] }),
  ],
  [
    /^user (\S+) removed by (\S+) from group (\S+)$/,
    (m) => ok('group.member_remove', { targetUser: m[1], user: m[2], group: m[3] }),
  ],
  [
    /^members of group (\S+) set by (\S+) to (.*)$/,
    (m) => ok('group.modify', { group: m[1], user: m[2], relatedUsers: (m[3] ?? '').split(',') }),
  ],
  [
    /^password of group (\S+) (?:changed|removed) by (\S+)$/,
    (m) => ok('group.modify', { group: m[1], user: m[2] }),
  ],
  [
    /^password for '(.*)' changed by '(.*)'$/,
    (m) => ok('user.password_change', { targetUser: m[1], user: m[2] }),
  ],
  [/^changed password expiry for (\S+)$/, (m) => ok('user.modify', { targetUser: m[1] })],
  [/^changed user '(.*)' (?:shell to '.*'|information)$/, (m) => ok('user.modify', { targetUser: m[1] })],
];

/** Facts of a shadow-utils message, or undefined. */
export function parseAccountMessage(message: string): AuthFacts | undefined {
  const text = message.trimEnd();
  for (const [pattern, build] of RULES) {
    const m = pattern.exec(text);
    if (m) return dropEmpty(build(m));
  }
  return undefined;
}

function dropEmpty(facts: AuthFacts): AuthFacts {
  for (const key of Object.keys(facts) as Array<keyof AuthFacts>) {
    if (facts[key] === undefined || facts[key] === '') delete facts[key];
  }
  return facts;
}

export const ACCOUNT_PROGRAMS = [
  'useradd',
  'userdel',
  'usermod',
  'groupadd',
  'groupdel',
  'groupmod',
  'gpasswd',
  'passwd',
  'chpasswd',
  'chage',
  'chsh',
  'chfn',
  'newusers',
] as const;
