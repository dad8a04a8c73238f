import { describe, expect, it } from 'vitest';
import { type FrequentIds, mergeFrequent, SpaceSaving, undercountBound } from '../../src/insight/frequent-keys.js';

/** A deterministic stream of `length` ids over `distinct`, Zipf-like: id i comes about 1/(i+1) as often as id 0. */
function skewedStream(length: number, distinct: number, seed: number): string[] {
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const weights = Array.from({ length: distinct }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  return Array.from({ length }, () => {
    let pick = random() * total;
    let i = 0;
    while (pick > (weights[i] as number) && i < distinct - 1) pick -= weights[i++] as number;
    return `id-${i}`;
  });
}

function exactCounts(stream: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of stream) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

function sketched(stream: readonly string[], capacity: number): FrequentIds {
  const sketch = new SpaceSaving(capacity);
  for (const id of stream) sketch.offer(id);
  return sketch.summary();
}

/** Every id's count in `summary` is at most its true count, and at most the bound below it; none exceeds `capacity`. */
function expectWithinBound(summary: FrequentIds, exact: Map<string, number>, capacity: number): void {
  const bound = undercountBound(summary, capacity);
  const counted = new Map(summary.counts);
  expect(summary.counts.length).toBeLessThanOrEqual(capacity);
  expect(summary.total).toBe([...exact.values()].reduce((sum, count) => sum + count, 0));
  for (const [id, count] of exact) {
    const lower = counted.get(id) ?? 0;
    expect(lower, id).toBeLessThanOrEqual(count);
    expect(count - lower, id).toBeLessThanOrEqual(bound);
  }
}

describe('the most frequent ids (Space-Saving, merged as Misra-Gries summaries)', () => {
  it('counts every id exactly while they fit its counters: the bound is 0', () => {
    const stream = skewedStream(2000, 50, 1);
    const summary = sketched(stream, 63);
    expect(undercountBound(summary, 63)).toBe(0);
    expect(new Map(summary.counts)).toEqual(exactCounts(stream));
  });

  it('on a skewed stream of more ids than counters, every count is within the bound and the most frequent come first', () => {
    const stream = skewedStream(50_000, 5000, 2);
    const exact = exactCounts(stream);
    const summary = sketched(stream, 63);
    expectWithinBound(summary, exact, 63);
    // The bound is (total − counted) / 64 at most total / 64; the leading ids come far above it.
    expect(undercountBound(summary, 63)).toBeLessThan(50_000 / 64);
    const top = [...summary.counts].sort((a, b) => b[1] - a[1]).slice(0, 3);
    expect(top.map(([id]) => id)).toEqual(['id-0', 'id-1', 'id-2']);
  });

  it('an id counted more often than the bound is always in the summary, even among a flood of ids seen once', () => {
    const stream = Array.from({ length: 20_000 }, (_, i) => (i % 50 === 0 ? 'hot' : `once-${i}`));
    const summary = sketched(stream, 127);
    const bound = undercountBound(summary, 127);
    expect(400).toBeGreaterThan(bound);
    expect(new Map(summary.counts).get('hot')).toBeGreaterThanOrEqual(400 - bound);
  });

  it('an id counted most and first keeps its count while new ids take the smallest counters', () => {
    const stream = [...Array.from({ length: 10 }, () => 'first'), ...Array.from({ length: 20 }, (_, i) => `new-${i}`)];
    const summary = sketched(stream, 3);
    expectWithinBound(summary, exactCounts(stream), 3);
    expect(new Map(summary.counts).get('first')).toBeGreaterThan(0);
  });

  it('a merge over its capacity takes the first count left out off every count, or the bound would not hold', () => {
    const merged = mergeFrequent(
      [
        { total: 10, counts: [['a', 10]] },
        { total: 9, counts: [['b', 9]] },
      ],
      1,
    );
    expect(merged.counts).toEqual([['a', 1]]);
    expectWithinBound(
      merged,
      new Map([
        ['a', 10],
        ['b', 9],
      ]),
      1,
    );
  });

  it('merged summaries of parts of a stream (workers, slices of time) keep the bound of the whole stream', () => {
    const stream = skewedStream(60_000, 3000, 3);
    const parts = [0, 1, 2, 3].map((part) => stream.filter((_, i) => i % 4 === part));
    const merged = mergeFrequent(
      parts.map((part) => sketched(part, 63)),
      63,
    );
    expectWithinBound(merged, exactCounts(stream), 63);
    // Merging again, in another grouping, keeps it too.
    const regrouped = mergeFrequent(
      [
        mergeFrequent([sketched(parts[0] ?? [], 63), sketched(parts[1] ?? [], 63)], 63),
        sketched(parts[2] ?? [], 63),
        sketched(parts[3] ?? [], 63),
      ],
      63,
    );
    expectWithinBound(regrouped, exactCounts(stream), 63);
  });

  it('an id frequent only as a whole, spread evenly over the parts, is found in the merge', () => {
    const parts = [0, 1, 2, 3].map((part) =>
      Array.from({ length: 5000 }, (_, i) => (i % 20 === 0 ? 'spread' : `part-${part}-${i}`)),
    );
    const merged = mergeFrequent(
      parts.map((part) => sketched(part, 31)),
      31,
    );
    const bound = undercountBound(merged, 31);
    expect(1000).toBeGreaterThan(bound);
    expect(new Map(merged.counts).get('spread')).toBeGreaterThanOrEqual(1000 - bound);
  });
});
