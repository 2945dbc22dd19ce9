import { describe, expect, it } from 'vitest';
import { InputOrder, type ParseResult } from './index.js';

/** The plain definition: results are held until the input is `window` lines past, then sorted. */
class ReferenceOrder {
  private held: ParseResult[] = [];
  constructor(private readonly window: number) {}
  add(results: ParseResult[], currentLine: number): ParseResult[] {
    this.held.push(...results);
    const cut = currentLine - this.window;
    const ready = this.held.filter((r) => r.line <= cut).sort((a, b) => a.line - b.line);
    this.held = this.held.filter((r) => r.line > cut);
    return ready;
  }
  drain(): ParseResult[] {
    const all = this.held.sort((a, b) => a.line - b.line);
    this.held = [];
    return all;
  }
}

const result = (line: number, tag: number): ParseResult => ({ line, error: `r${tag}` }) as ParseResult;

describe('InputOrder', () => {
  it('releases what the plain definition releases, in the same order, for random late results', () => {
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (const window of [1, 5, 50, 2000]) {
      const order = new InputOrder(window);
      const reference = new ReferenceOrder(window);
      let tag = 0;
      for (let line = 1; line <= 6000; line++) {
        // Mostly this line's result; sometimes none, several, or one for an earlier line (a group
        // finished late), never further back than the window.
        const results: ParseResult[] = [];
        const kind = random(10);
        if (kind < 6) results.push(result(line, tag++));
        else if (kind === 6) results.push(result(line, tag++), result(line, tag++));
        else if (kind === 7) results.push(result(Math.max(1, line - random(window)), tag++));
        else if (kind === 8)
          results.push(result(line, tag++), result(Math.max(1, line - random(window)), tag++));
        expect(order.add(results, line)).toEqual(reference.add(results, line));
      }
      expect(order.drain()).toEqual(reference.drain());
    }
  });

  it('holds a result until the input is a window past it', () => {
    const order = new InputOrder(3);
    expect(order.add([result(1, 0)], 1)).toEqual([]);
    expect(order.add([], 3)).toEqual([]);
    expect(order.add([], 4)).toEqual([result(1, 0)]);
    expect(order.drain()).toEqual([]);
  });
});
