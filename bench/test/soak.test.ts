import { describe, expect, it } from 'vitest';
import { slope } from '../src/soak.js';

describe('soak slope', () => {
  it('is the least-squares change per minute', () => {
    expect(slope([100, 102, 104, 106])).toBeCloseTo(2);
    expect(slope([5, 5, 5])).toBe(0);
    expect(slope([1, 3, 2, 4])).toBeCloseTo(0.8);
  });

  it('is 0 for fewer than two minutes', () => {
    expect(slope([42])).toBe(0);
  });
});
