import { expect, it } from 'vitest';
import { parseOptions } from '../src/options.js';
import { smokeProblems } from '../src/report.js';
import { runBenchmark } from '../src/run.js';

// Checks that the benchmark works end to end (wrk, the servers, the storage ceiling, the report), never how fast
// anything is. Needs `npm run build` (server/dist) and wrk (bench/install-wrk.sh, run here if wrk is missing).
it('a tiny run measures the HTTP ceiling, kask-ts on the embedded store and the LMDB ceiling with only expected statuses', async () => {
  const options = parseOptions(['--smoke'], {});
  if (options === 'help') throw new Error('unreachable');
  const report = await runBenchmark(options);
  expect(smokeProblems(report)).toEqual([]);
  expect(report.measurements.map((row) => row.kind)).toEqual(['http-ceiling', 'server', 'storage-ceiling']);
}, 180_000);
