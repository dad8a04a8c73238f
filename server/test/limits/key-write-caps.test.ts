import { describe, expect, it } from 'vitest';
import { KeyWriteCaps } from '../../src/limits/key-write-caps.js';

describe('per-key write caps', () => {
  it('admits perSecond writes to a key at once, then one every 1/perSecond seconds', () => {
    const caps = new KeyWriteCaps(2);
    for (const _ of [1, 2]) {
      expect(caps.secondsUntilWrite('k', 0)).toBe(0);
      caps.write('k', 0);
    }
    expect(caps.secondsUntilWrite('k', 0)).toBeCloseTo(0.5);
    expect(caps.secondsUntilWrite('k', 500)).toBe(0);
  });

  it('caps each key on its own', () => {
    const caps = new KeyWriteCaps(1);
    caps.write('a', 0);
    expect(caps.secondsUntilWrite('a', 0)).toBeGreaterThan(0);
    expect(caps.secondsUntilWrite('b', 0)).toBe(0);
  });

  it('forgets a key once its cap has filled again: the memory holds only the keys of the last second', () => {
    const caps = new KeyWriteCaps(1);
    // A key every 10 ms for 10 s: the last second's hundred keys are remembered, not the thousand.
    for (let key = 0; key < 1000; key++) caps.write(`k${key}`, key * 10);
    expect(caps.size).toBeLessThanOrEqual(101);
    expect(caps.size).toBeGreaterThanOrEqual(100);
  });

  it('remembers at most its capacity: a flood of distinct keys forgets the least recently written first', () => {
    const caps = new KeyWriteCaps(1, 3);
    for (const key of ['a', 'b', 'c', 'd']) caps.write(key, 0);
    expect(caps.size).toBe(3);
    expect(caps.secondsUntilWrite('a', 0)).toBe(0);
    expect(caps.secondsUntilWrite('b', 0)).toBeGreaterThan(0);
    // A write moves a key last: b, written again once admitted, outlives c.
    caps.write('b', 1000);
    caps.write('e', 1000);
    expect(caps.secondsUntilWrite('b', 1000)).toBeGreaterThan(0);
  });
});
