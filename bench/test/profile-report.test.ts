import { describe, expect, it } from 'vitest';
import { type ProfiledRun, renderProfile } from '../profile/report.js';
import type { WrkResult } from '../src/wrk.js';

function run(name: string, categories: Record<string, number>): ProfiledRun {
  const result = { requests: 1000, duration_us: 1e6, statuses: { 200: 1000 } } as unknown as WrkResult;
  return {
    name,
    result,
    summary: {
      files: [],
      busyMs: 100,
      idleMs: 0,
      categories: Object.entries(categories).map(([category, share]) => ({ category, share })),
      bySelf: [],
      kaskByTotal: [],
    },
  };
}

describe('the profile report', () => {
  it('keeps a category that is large in any run, not only in the first', () => {
    const small = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`module-${i}`, 0.04]));
    const report = renderProfile(
      [run('kask-ts embedded', small), run('kask-ts cassandra', { ...small, 'cassandra-driver': 0.2 })],
      'a test',
    );
    expect(report).toMatch(/\| cassandra-driver \| 0\.0 \(0\.0%\) \| 20\.0 \(20\.0%\) \|/);
  });
});
