import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { allowedCores } from '../src/cpu-layout.js';
import { runStorageCeiling } from '../src/storage-run.js';
import { workloadNamed } from '../src/workloads.js';

const ceilingRun = {
  backend: 'embedded',
  workload: workloadNamed('mix'),
  keys: 100,
  concurrency: 4,
  seconds: 1,
  warmupSeconds: 0,
} as const;

it('leaves no interruption handler behind once a pinned storage ceiling has run', async () => {
  const before = ['SIGINT', 'SIGTERM', 'SIGHUP'].map((signal) => process.listenerCount(signal));
  const result = await runStorageCeiling({ ...ceilingRun, cores: String(allowedCores()[0]) });
  expect(result.operations).toBeGreaterThan(0);
  expect(['SIGINT', 'SIGTERM', 'SIGHUP'].map((signal) => process.listenerCount(signal))).toEqual(before);
}, 60_000);

it("reads the storage's own process's CPU over the measured run, and none without one", async () => {
  // A stand-in for a Cassandra node that works all the time: a busy loop that outlives the run.
  const storage = spawn(process.execPath, ['-e', 'const end = Date.now() + 30000; while (Date.now() < end);'], {
    stdio: 'ignore',
  });
  try {
    const watched = await runStorageCeiling({ ...ceilingRun, storageNode: storage.pid as number });
    // Beside the ceiling's own process on a loaded machine it still gets a good share of a core for the second.
    expect(watched.node_cpu_us).toBeGreaterThan(0.1e6);
    expect(watched.node_cpu_us).toBeLessThan(1.5e6 * watched.seconds);
  } finally {
    storage.kill();
  }
  expect((await runStorageCeiling(ceilingRun)).node_cpu_us).toBeUndefined();
}, 90_000);
