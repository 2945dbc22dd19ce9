// The export route's wait for a slow client leaves no listener behind (a long export waited
// thousands of times on one response).

import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { write } from './export.js';

/** A response whose buffer is always full: every write waits for 'drain'. */
function fullResponse(): EventEmitter & { destroyed: boolean; write(chunk: Buffer): boolean } {
  return Object.assign(new EventEmitter(), {
    destroyed: false,
    write: () => false,
  });
}

describe('export write', () => {
  it('removes its listeners after each wait', async () => {
    const res = fullResponse();
    for (let i = 0; i < 50; i++) {
      const written = write(res as unknown as ServerResponse, Buffer.from('x'));
      res.emit('drain');
      expect(await written).toBe(true);
    }
    for (const name of ['drain', 'close', 'error']) expect(res.listenerCount(name), name).toBe(0);
  });

  it('says the client went away when the response closes or fails while waiting', async () => {
    const closed = fullResponse();
    const waiting = write(closed as unknown as ServerResponse, Buffer.from('x'));
    closed.destroyed = true;
    closed.emit('close');
    expect(await waiting).toBe(false);
    const failed = fullResponse();
    const failing = write(failed as unknown as ServerResponse, Buffer.from('x'));
    failed.destroyed = true;
    failed.emit('error', new Error('reset'));
    expect(await failing).toBe(false);
    for (const res of [closed, failed]) {
      for (const name of ['drain', 'close', 'error']) expect(res.listenerCount(name), name).toBe(0);
    }
  });
});
