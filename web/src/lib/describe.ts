// One readable line per event for timelines: what happened, by whom, from where.

import { getField, show } from './format';

export function describeEvent(e: unknown): string {
  const f = (name: string) => show(getField(e, name));
  const action = f('event.action');
  const user = f('user.name');
  const from = f('source.ip');
  const target = f('user.target.name') || f('user.effective.name');
  const command = f('process.command_line');
  const reason = f('event.reason');
  const parts: string[] = [];
  switch (action) {
    case 'ssh.login':
      parts.push(`${user || 'someone'} logged in${from ? ` from ${from}` : ''}`);
      break;
    case 'ssh.logout':
      parts.push(`${user || 'someone'} logged out`);
      break;
    case 'sudo.exec':
      parts.push(`${user} ran as ${target || 'root'}: ${command}`);
      break;
    case 'su.switch':
      parts.push(`${user} switched to ${target}`);
      break;
    default:
      parts.push(command ? `${action}: ${command}` : f('message') || action);
  }
  if (f('event.outcome') === 'failure') parts.push(`(failed${reason ? `: ${reason}` : ''})`);
  return parts.join(' ');
}

/** A coarse kind for the timeline's marker. */
export function kindOf(action: string): 'login' | 'logout' | 'privilege' | 'command' | 'other' {
  if (/login|connect/.test(action)) return 'login';
  if (/logout|disconnect|session\.end/.test(action)) return 'logout';
  if (/^(sudo|su)\./.test(action)) return 'privilege';
  if (/exec|command|query/.test(action)) return 'command';
  return 'other';
}
