import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { summarizeProfiles } from '../profile/summary.js';
import { repoRoot } from '../src/paths.js';

const directory = mkdtempSync(join(tmpdir(), 'kask-bench-profile-test-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });
// A request handler of kask-ts calling into lmdb, garbage collection and idle time, sampled every 100 µs from t = 0.
const file = join(directory, 'server.cpuprofile');
writeFileSync(
  file,
  JSON.stringify({
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 4] },
      { id: 2, callFrame: frame('(idle)') },
      {
        id: 3,
        callFrame: frame('getSession', pathToFileURL(join(repoRoot, 'server/dist/routes/sessions/handlers.js')).href),
        children: [5],
      },
      { id: 4, callFrame: frame('(garbage collector)') },
      { id: 5, callFrame: frame('get', 'file:///srv/kask-ts/node_modules/lmdb/read.js') },
    ],
    startTime: 0,
    endTime: 500,
    samples: [2, 3, 5, 3, 4, 2],
    timeDeltas: [0, 100, 100, 100, 100, 100],
  }),
);

const shares = (summary: ReturnType<typeof summarizeProfiles>) =>
  Object.fromEntries(summary.categories.map(({ category, share }) => [category, share]));

describe('a CPU profile summary', () => {
  it("shares the busy time among kask-ts, each package and V8's own work, idle time left out", () => {
    const summary = summarizeProfiles([file]);
    expect(summary.busyMs).toBeCloseTo(0.4);
    expect(summary.idleMs).toBeCloseTo(0.1);
    expect(shares(summary)).toEqual({ 'kask-ts': 0.5, lmdb: 0.25, '(garbage collector)': 0.25 });
    expect(summary.kaskByTotal).toEqual([
      {
        name: 'getSession',
        where: 'server/dist/routes/sessions/handlers.js:1',
        category: 'kask-ts',
        selfShare: 0.5,
        totalShare: 0.75,
      },
    ]);
  });

  it('counts only the samples of the measured window', () => {
    const summary = summarizeProfiles([file], { start: 150, end: 350 });
    expect(summary.busyMs).toBeCloseTo(0.2);
    expect(summary.idleMs).toBe(0);
    expect(shares(summary)).toEqual({ 'kask-ts': 0.5, lmdb: 0.5, '(garbage collector)': 0 });
  });
});
