import { describe, expect, it } from 'vitest';
import { type LimitCheck, Limiter, type NamespaceLimits } from '../../src/limits/limiter.js';
import type { BucketSettings } from '../../src/limits/token-bucket.js';

const none: NamespaceLimits = { reads: undefined, writes: undefined, key_writes_per_second: undefined, clients: new Map() };

/** A limiter of one namespace, `sessions`, with `limits` (none but those given), its clock starting at 0. */
const sessionsWith = (limits: Partial<NamespaceLimits>) => new Limiter([{ name: 'sessions', limits: { ...none, ...limits } }], 0);

/** Client limits of `scraper` alone: its writes. */
const scraperWrites = (writes: BucketSettings) => new Map([['scraper', { reads: undefined, writes }]]);

const check = (overrides: Partial<LimitCheck> = {}): LimitCheck => ({
  namespace: 'sessions',
  client: undefined,
  kind: 'writes',
  keyHash: undefined,
  ...overrides,
});

/** How many of `count` checks made at `nowMs` are admitted. */
function admitted(limiter: Limiter, count: number, made: LimitCheck, nowMs = 0): number {
  let admittedCount = 0;
  for (let i = 0; i < count; i++) if (limiter.decide(made, nowMs) === undefined) admittedCount++;
  return admittedCount;
}

describe('limiter', () => {
  it("a namespace's write bucket admits its burst of writes and refuses the next with the seconds until a token", () => {
    const limiter = sessionsWith({ writes: { per_second: 2, burst: 3 } });
    expect(admitted(limiter, 5, check())).toBe(3);
    expect(limiter.decide(check(), 0)).toEqual({
      limit: 'namespace_writes',
      retryAfterSeconds: 1,
      bucket: 'sessions writes',
      waitMs: 500,
    });
  });

  it('reads and writes have buckets of their own: a flood of writes leaves reads admitted', () => {
    const limiter = sessionsWith({ reads: { per_second: 1, burst: 5 }, writes: { per_second: 1, burst: 1 } });
    expect(admitted(limiter, 10, check())).toBe(1);
    expect(admitted(limiter, 10, check({ kind: 'reads' }))).toBe(5);
  });

  it('each namespace has buckets of its own: a flood of one is refused, another is not', () => {
    const limits = { ...none, writes: { per_second: 1, burst: 2 } };
    const limiter = new Limiter(
      [
        { name: 'anon_sessions', limits },
        { name: 'sessions', limits },
      ],
      0,
    );
    expect(admitted(limiter, 100, check({ namespace: 'anon_sessions' }))).toBe(2);
    expect(admitted(limiter, 2, check({ namespace: 'sessions' }))).toBe(2);
  });

  it("a listed client's bucket limits that client alone; the others share the namespace's", () => {
    const limiter = sessionsWith({ clients: scraperWrites({ per_second: 1, burst: 2 }) });
    expect(admitted(limiter, 10, check({ client: 'scraper' }))).toBe(2);
    expect(limiter.decide(check({ client: 'scraper' }), 0)).toMatchObject({
      limit: 'client_writes',
      retryAfterSeconds: 1,
      bucket: 'sessions writes scraper',
    });
    expect(admitted(limiter, 10, check({ client: 'mediawiki' }))).toBe(10);
    expect(admitted(limiter, 10, check())).toBe(10);
  });

  it('a request refused by one bucket takes no token from the others', () => {
    const limiter = sessionsWith({ writes: { per_second: 1, burst: 3 }, clients: scraperWrites({ per_second: 1, burst: 1 }) });
    expect(admitted(limiter, 50, check({ client: 'scraper' }))).toBe(1);
    // The scraper's refusals left the namespace two of its three tokens.
    expect(admitted(limiter, 5, check({ client: 'mediawiki' }))).toBe(2);
  });

  it('the per-key cap admits key_writes_per_second writes a second to each key, whatever the namespace admits', () => {
    const limiter = sessionsWith({ key_writes_per_second: 1 });
    expect(admitted(limiter, 3, check({ keyHash: 'hash-a' }))).toBe(1);
    expect(limiter.decide(check({ keyHash: 'hash-a' }), 0)).toMatchObject({
      limit: 'key_writes',
      retryAfterSeconds: 1,
      bucket: 'sessions key hash-a',
    });
    expect(admitted(limiter, 1, check({ keyHash: 'hash-b' }))).toBe(1);
    expect(admitted(limiter, 1, check({ keyHash: 'hash-a' }), 1000)).toBe(1);
    // A check without a key (a read, a DELETE) is never capped.
    expect(admitted(limiter, 3, check())).toBe(3);
  });

  it('refuses with the limit that waits longest, in whole seconds of at least 1', () => {
    const limiter = sessionsWith({ writes: { per_second: 1, burst: 1 }, clients: scraperWrites({ per_second: 0.25, burst: 1 }) });
    limiter.decide(check({ client: 'scraper' }), 0);
    expect(limiter.decide(check({ client: 'scraper' }), 0)).toMatchObject({
      limit: 'client_writes',
      retryAfterSeconds: 4,
      waitMs: 4000,
    });
    expect(limiter.decide(check(), 100)).toMatchObject({ limit: 'namespace_writes', retryAfterSeconds: 1 });
  });

  it('over time admits per_second a second, however many ask', () => {
    const limiter = sessionsWith({ writes: { per_second: 100, burst: 10 } });
    let total = 0;
    for (let ms = 0; ms < 10_000; ms += 1) total += admitted(limiter, 5, check(), ms);
    // 10 at once, then 100 a second for 10 s (the last millisecond's token not yet whole).
    expect(total).toBeGreaterThanOrEqual(1008);
    expect(total).toBeLessThanOrEqual(1010);
  });

  it('a namespace it does not know, or without limits, admits everything', () => {
    const limiter = sessionsWith({});
    expect(admitted(limiter, 1000, check())).toBe(1000);
    expect(admitted(limiter, 10, check({ namespace: 'other' }))).toBe(10);
  });
});

describe('leases to workers', () => {
  const shared = (limits: Partial<NamespaceLimits>, workers: number) =>
    new Limiter([{ name: 'sessions', limits: { ...none, ...limits } }], 0, workers);

  it("lends a worker an eighth of a bucket's burst over the workers, once a message, out of the bucket's own tokens", () => {
    const limiter = shared({ reads: { per_second: 1, burst: 160 } }, 2);
    const lent: Record<string, number> = {};
    limiter.lease(check({ kind: 'reads' }), 0, {}, lent);
    limiter.lease(check({ kind: 'reads' }), 0, {}, lent);
    expect(lent).toEqual({ 'sessions reads': 10 });
    expect(admitted(limiter, 200, check({ kind: 'reads' }))).toBe(150);
  });

  it("lends of each bucket that applies, the client's and the namespace's, and never more than the bucket holds", () => {
    const limiter = shared({ writes: { per_second: 1, burst: 64 }, clients: scraperWrites({ per_second: 1, burst: 16 }) }, 2);
    admitted(limiter, 15, check({ client: 'scraper' }));
    const lent: Record<string, number> = {};
    limiter.lease(check({ client: 'scraper' }), 0, {}, lent);
    expect(lent).toEqual({ 'sessions writes scraper': 1, 'sessions writes': 4 });
  });

  it('tops up what the worker still holds to one lease, so that no mix of checks piles up tokens of a bucket', () => {
    const limiter = shared({ reads: { per_second: 1, burst: 160 } }, 2);
    const lent: Record<string, number> = {};
    limiter.lease(check({ kind: 'reads' }), 0, { 'sessions reads': 7.5 }, lent);
    expect(lent).toEqual({ 'sessions reads': 3 });
    const full: Record<string, number> = {};
    limiter.lease(check({ kind: 'reads' }), 0, { 'sessions reads': 10 }, full);
    expect(full).toEqual({});
    expect(admitted(limiter, 200, check({ kind: 'reads' }))).toBe(157);
  });

  it('lends nothing alone, nothing of a bucket whose eighth is under a token a worker, and never of a key cap', () => {
    const lentBy = (limiter: Limiter, made: LimitCheck) => {
      const lent: Record<string, number> = {};
      limiter.lease(made, 0, {}, lent);
      return lent;
    };
    expect(lentBy(shared({ reads: { per_second: 1, burst: 160 } }, 1), check({ kind: 'reads' }))).toEqual({});
    expect(lentBy(shared({ reads: { per_second: 1, burst: 15 } }, 2), check({ kind: 'reads' }))).toEqual({});
    expect(lentBy(shared({ key_writes_per_second: 100 }, 2), check({ keyHash: 'hash' }))).toEqual({});
  });
});
