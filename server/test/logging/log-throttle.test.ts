import { describe, expect, it } from 'vitest';
import { LogThrottle, logIntervalMs, rememberedSources } from '../../src/logging/log-throttle.js';

/** A throttle on a clock the test moves. */
function throttleAt(start = 1_000_000): { throttle: LogThrottle; advance(ms: number): void } {
  let now = start;
  return {
    throttle: new LogThrottle(() => now),
    advance: (ms) => {
      now += ms;
    },
  };
}

describe('log throttle', () => {
  it('writes the first line about a source in an interval, leaves out the rest, and the next line says how many', () => {
    const { throttle, advance } = throttleAt();
    expect(throttle.admit('192.0.2.1')).toBe(0);
    for (let i = 0; i < 5; i++) expect(throttle.admit('192.0.2.1')).toBeUndefined();
    expect(throttle.admit('192.0.2.2')).toBe(0);
    advance(logIntervalMs - 1);
    expect(throttle.admit('192.0.2.1')).toBeUndefined();
    advance(1);
    expect(throttle.admit('192.0.2.1')).toBe(6);
    expect(throttle.admit('192.0.2.1')).toBeUndefined();
    advance(logIntervalMs);
    expect(throttle.admit('192.0.2.1')).toBe(1);
  });

  it('remembers a bounded number of sources: beyond them, while all are within their interval, the others share one', () => {
    const { throttle, advance } = throttleAt();
    for (let i = 0; i < rememberedSources; i++) expect(throttle.admit(`source ${i}`)).toBe(0);
    // A flood from many more addresses writes one line an interval between them.
    expect(throttle.admit('flood 0')).toBe(0);
    for (let i = 1; i < 10_000; i++) expect(throttle.admit(`flood ${i}`)).toBeUndefined();
    advance(logIntervalMs);
    // Intervals that have ended make room again.
    expect(throttle.admit('flood 10000')).toBe(0);
    expect(throttle.admit('flood 10000')).toBeUndefined();
  });
});
