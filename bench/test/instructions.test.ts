import { describe, expect, it } from 'vitest';
import { instructionsIn } from '../src/instructions.js';

describe("perf stat's instruction counts", () => {
  it('are the sum of the user and kernel counts', () => {
    const output = '666728316,,instructions:u,176436589,100.00,,\n1194690,,instructions:k,176436589,100.00,,\n';
    expect(instructionsIn(output)).toBe(666728316 + 1194690);
  });

  it('are no figure when perf could not count, or printed only one count or none', () => {
    const notCounted = '<not counted>,,instructions:u,0,100.00,,\n<not counted>,,instructions:k,0,100.00,,\n';
    expect(instructionsIn(notCounted)).toBeUndefined();
    expect(instructionsIn('666728316,,instructions:u,176436589,100.00,,\n')).toBeUndefined();
    expect(instructionsIn('perf: command not found\n')).toBeUndefined();
  });
});
