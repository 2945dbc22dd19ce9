import { describe, expect, it } from 'vitest';
import { createDetectionPipeline } from './pipeline.js';
import { loadRules } from './sigma/index.js';

const RULES = loadRules([
  {
    path: 'off-hours.yml',
    text: `title: off hours login
logsource: { product: linux, service: auth }
detection:
  selection:
    event.action: ssh.login
    detect.off_hours: true
  condition: selection
`,
  },
]).rules;

const login = (timestamp: string, extra: Record<string, unknown> = {}) => ({
  '@timestamp': timestamp,
  event: { action: 'ssh.login', outcome: 'success', dataset: 'linux.auth' },
  user: { name: 'alice' },
  ...extra,
});

describe('the detection pipeline', () => {
  it("gives rules the derived fields, replacing the event's own detect", () => {
    const pipeline = createDetectionPipeline({ rules: RULES });
    const night = '2026-11-28T03:00:00.000Z'; // a Saturday night: off hours
    const day = '2026-11-25T10:00:00.000Z'; // a Wednesday morning
    expect(pipeline.process(login(night), 0)).toHaveLength(1);
    expect(pipeline.process(login(day), 1)).toHaveLength(0);
    // A sender cannot switch the derived fields off or on with its own.
    expect(pipeline.process(login(night, { detect: { off_hours: false } }), 2)).toHaveLength(1);
    expect(pipeline.process(login(day, { detect: { off_hours: true } }), 3)).toHaveLength(0);
  });

  it('does not let a "__proto__" key of the event stand in for its fields', () => {
    const pipeline = createDetectionPipeline({ rules: RULES });
    // Off hours, but the action is only under "__proto__", an ordinary key of the JSON.
    const { event: action, ...rest } = login('2026-11-28T03:00:00.000Z');
    const event = JSON.parse(JSON.stringify({ ...rest, ['__proto__']: { event: action } })) as object;
    expect(Object.keys(event)).toContain('__proto__');
    expect(pipeline.process(event, 0)).toHaveLength(0);
  });
});
