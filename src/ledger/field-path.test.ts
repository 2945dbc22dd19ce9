import { describe, expect, it } from 'vitest';
import { getPath, setPath } from './field-path.js';

describe('getPath and setPath', () => {
  it('reads nested own properties, top-level names like @timestamp, and nothing inherited', () => {
    const event = {
      '@timestamp': '2024-05-01T12:00:00.000Z',
      user: { name: 'alice', effective: { name: 'root' }, roles: ['admin'] },
    };
    expect(getPath(event, '@timestamp')).toBe('2024-05-01T12:00:00.000Z');
    expect(getPath(event, 'user.effective.name')).toBe('root');
    expect(getPath(event, 'user.target.name')).toBeUndefined();
    expect(getPath(event, 'user.roles.0')).toBeUndefined();
    expect(getPath(event, 'user.name.length')).toBeUndefined();
    expect(getPath(event, 'toString')).toBeUndefined();
    expect(() => getPath(event, '__proto__.x')).toThrow(/not a field path/);
  });

  it('creates missing objects and refuses to write through a non-object', () => {
    const target: Record<string, unknown> = { user: { name: 'a' }, tags: ['x'] };
    setPath(target, 'user.target.email', 'b@example.com');
    setPath(target, '@timestamp', 't');
    expect(target).toEqual({
      user: { name: 'a', target: { email: 'b@example.com' } },
      tags: ['x'],
      '@timestamp': 't',
    });
    expect(() => setPath(target, 'tags.first', 1)).toThrow(/tags is not an object/);
    expect(() => setPath(target, 'user.name.first', 1)).toThrow(/user\.name is not an object/);
    expect(() => setPath(target, 'constructor.prototype.x', 1)).toThrow(/not a field path/);
  });
});
