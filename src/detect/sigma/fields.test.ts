import { describe, expect, it } from 'vitest';
import { createDetector } from './engine.js';
import { EventView, FieldRegistry } from './fields.js';
import { loadRules } from './loader.js';

describe('EventView field values, reused from event to event', () => {
  const registry = new FieldRegistry();
  const user = registry.slot('user.name');
  const tag = registry.slot('tag');
  const view = new EventView(registry.slots.length);
  const read = (event: object) => {
    view.reset(event);
    const u = view.get(user);
    const t = view.get(tag);
    return {
      user: u && { items: [...u.items], lowers: [...u.lowers()] },
      tag: t && { items: [...t.items], strings: [...t.strings()] },
    };
  };

  it('gives each event its own values: scalar, array, absent, null', () => {
    expect(read({ user: { name: 'Alice' }, tag: 7 })).toEqual({
      user: { items: ['Alice'], lowers: ['alice'] },
      tag: { items: [7], strings: ['7'] },
    });
    expect(read({ user: { name: ['Bob', ['CAROL']] } })).toEqual({
      user: { items: ['Bob', 'CAROL'], lowers: ['bob', 'carol'] },
      tag: undefined,
    });
    expect(read({ user: { name: 'dave' }, tag: null })).toEqual({
      user: { items: ['dave'], lowers: ['dave'] },
      tag: { items: [null], strings: [null] },
    });
    expect(read({})).toEqual({ user: undefined, tag: undefined });
  });

  it('reads a field once per event', () => {
    view.reset({ user: { name: 'erin' } });
    expect(view.get(user)).toBe(view.get(user));
  });
});

describe('rules over a stream of events', () => {
  it('match on each event alone, whatever the events before held', () => {
    const { rules, errors } = loadRules([
      {
        path: 'r.yml',
        text: `title: root
logsource:
    product: test
detection:
    s:
        user|contains: root
    condition: s
`,
      },
    ]);
    expect(errors).toEqual([]);
    const det = createDetector({ rules });
    const events = [
      { user: 'ROOT' },
      { user: 'alice' },
      { user: ['bob', 'xroot'] },
      { user: 'bob' },
      {},
      { user: 'root' },
    ];
    const matched = events.map((e, i) => det.process(e, i).length);
    expect(matched).toEqual([1, 0, 1, 0, 0, 1]);
  });
});
