import { describe, expect, it } from 'vitest';
import { EmptyBuckets } from '../../src/limits/empty-buckets.js';
import type { Refusal } from '../../src/limits/limiter.js';

const refusal = (bucket: string, waitMs: number): Refusal => ({
  limit: 'namespace_writes',
  retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
  bucket,
  waitMs,
});

describe('the buckets a worker knows to be empty', () => {
  it('refuses a request a refused bucket applies to until that bucket has its next token, and no later', () => {
    const empty = new EmptyBuckets();
    empty.record(refusal('anon writes', 3), 100);
    expect(empty.refusal(['anon writes'], 101)).toEqual(refusal('anon writes', 2));
    expect(empty.refusal(['anon writes', 'anon writes scraper'], 102.5)?.waitMs).toBeCloseTo(0.5);
    expect(empty.refusal(['anon writes'], 103)).toBeUndefined();
    expect(empty.refusal(['other writes'], 101)).toBeUndefined();
  });

  it('gives the bucket that waits longest, with whole seconds of Retry-After', () => {
    const empty = new EmptyBuckets();
    empty.record(refusal('anon writes', 3), 0);
    empty.record({ ...refusal('anon key k', 1500), limit: 'key_writes' }, 0);
    expect(empty.refusal(['anon writes', 'anon key k'], 0)).toEqual({
      limit: 'key_writes',
      retryAfterSeconds: 2,
      bucket: 'anon key k',
      waitMs: 1500,
    });
  });

  it('forgets buckets whose token has come once it remembers many', () => {
    const empty = new EmptyBuckets();
    for (let i = 0; i < 5000; i++) empty.record(refusal(`anon key ${i}`, 10), i * 100);
    // Each key's bucket filled 10 ms after its refusal: a sweep keeps the map near its threshold, not at 5,000.
    let remembered = 0;
    for (let i = 0; i < 5000; i++) if (empty.refusal([`anon key ${i}`], i * 100 + 5) !== undefined) remembered++;
    expect(remembered).toBeLessThan(5000);
  });
});
