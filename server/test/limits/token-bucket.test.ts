import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/limits/token-bucket.js';

/** Takes tokens while there are some; how many it took. */
function drain(bucket: TokenBucket, nowMs: number): number {
  let taken = 0;
  while (bucket.secondsUntilToken(nowMs) === 0) {
    bucket.take();
    taken++;
  }
  return taken;
}

describe('token bucket', () => {
  it('starts full: a burst of `burst` requests is admitted at once, and no more', () => {
    const bucket = new TokenBucket({ per_second: 10, burst: 25 }, 0);
    expect(drain(bucket, 0)).toBe(25);
  });

  it('gains per_second tokens a second, fractions included', () => {
    const bucket = new TokenBucket({ per_second: 10, burst: 25 }, 0);
    drain(bucket, 0);
    expect(drain(bucket, 250)).toBe(2);
    expect(drain(bucket, 300)).toBe(1);
    expect(drain(bucket, 1300)).toBe(10);
  });

  it('never holds more than burst, however long it waits', () => {
    const bucket = new TokenBucket({ per_second: 10, burst: 5 }, 0);
    expect(drain(bucket, 3_600_000)).toBe(5);
  });

  it('says how long until the next token: a fraction of a second, from the rate', () => {
    const bucket = new TokenBucket({ per_second: 4, burst: 1 }, 0);
    bucket.take();
    expect(bucket.secondsUntilToken(0)).toBeCloseTo(0.25);
    expect(bucket.secondsUntilToken(100)).toBeCloseTo(0.15);
  });

  it('a clock reading earlier than the last one adds nothing and takes nothing', () => {
    const bucket = new TokenBucket({ per_second: 1, burst: 1 }, 1000);
    bucket.take();
    expect(bucket.secondsUntilToken(500)).toBeCloseTo(1);
  });

  it('is full again once it has gained back what was taken', () => {
    const bucket = new TokenBucket({ per_second: 2, burst: 2 }, 0);
    bucket.take();
    expect(bucket.isFull(400)).toBe(false);
    expect(bucket.isFull(500)).toBe(true);
  });
});
