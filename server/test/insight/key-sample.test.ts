import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeySample, keysByWrites, mergeSamples } from '../../src/insight/key-sample.js';

/** An id as insight makes them: 16 hexadecimal digits of a hash. */
const idOf = (name: string) => createHash('sha256').update(name).digest('hex').slice(0, 16);

/** Offers each of `keys` keys `writes` times. */
function written(sample: KeySample, prefix: string, keys: number, writes: number): void {
  for (let key = 0; key < keys; key++) for (let write = 0; write < writes; write++) sample.offer(idOf(`${prefix}-${key}`));
}

describe('keys by how many times each was written, from a sample of keys', () => {
  it('is exact while the keys fit the sample', () => {
    const sample = new KeySample(100);
    written(sample, 'once', 40, 1);
    written(sample, 'few', 30, 3);
    written(sample, 'some', 20, 6);
    written(sample, 'many', 5, 21);
    expect(sample.summary().level).toBe(0);
    expect(keysByWrites(sample.summary())).toEqual({ '1': 40, '2-5': 30, '6-20': 20, '21+': 5 });
  });

  it('holds at most its bound of keys, and estimates each group from the keys it keeps, every write of each', () => {
    const sample = new KeySample(256);
    written(sample, 'once', 8000, 1);
    written(sample, 'twice', 4000, 2);
    written(sample, 'hot', 400, 30);
    const summary = sample.summary();
    expect(summary.counts.length).toBeLessThanOrEqual(256);
    expect(summary.level).toBeGreaterThan(0);
    // A sampled key has every one of its writes: no count but 1, 2 and 30.
    expect(new Set(summary.counts.map(([, count]) => count))).toEqual(new Set([1, 2, 30]));
    const estimate = keysByWrites(summary);
    // The sample has a few hundred keys: each group within a third of the truth.
    expect(estimate['1']).toBeGreaterThan(8000 * 0.66);
    expect(estimate['1']).toBeLessThan(8000 * 1.34);
    expect(estimate['2-5']).toBeGreaterThan(4000 * 0.66);
    expect(estimate['2-5']).toBeLessThan(4000 * 1.34);
    expect(estimate['21+']).toBeGreaterThan(0);
    expect(estimate['6-20']).toBe(0);
  });

  it("samples of one key's writes at different levels merge at the highest, adding its writes", () => {
    const busy = new KeySample(64);
    const quiet = new KeySample(64);
    written(busy, 'filler', 1000, 1);
    // The keys of the busy sample's level are in the quiet one's too (level 0 keeps every key).
    for (const [id] of busy.summary().counts) quiet.offer(id);
    const merged = mergeSamples([busy.summary(), quiet.summary()], 64);
    expect(merged.level).toBe(busy.summary().level);
    expect(merged.counts.every(([, count]) => count === 2)).toBe(true);
    expect(merged.counts.length).toBe(busy.summary().counts.length);
  });

  it('a merge over its bound raises the level until it fits', () => {
    const samples = [0, 1, 2, 3].map((part) => {
      const sample = new KeySample(64);
      written(sample, `part-${part}`, 60, 1);
      return sample.summary();
    });
    const merged = mergeSamples(samples, 64);
    expect(merged.counts.length).toBeLessThanOrEqual(64);
    expect(merged.level).toBeGreaterThan(0);
  });
});
