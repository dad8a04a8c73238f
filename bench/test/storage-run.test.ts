import { expect, it } from 'vitest';
import { allowedCores } from '../src/cpu-layout.js';
import { runStorageCeiling } from '../src/storage-run.js';
import { workloadNamed } from '../src/workloads.js';

it('leaves no interruption handler behind once a pinned storage ceiling has run', async () => {
  const before = ['SIGINT', 'SIGTERM', 'SIGHUP'].map((signal) => process.listenerCount(signal));
  const result = await runStorageCeiling({
    backend: 'embedded',
    workload: workloadNamed('mix'),
    keys: 100,
    concurrency: 4,
    seconds: 1,
    warmupSeconds: 0,
    cores: String(allowedCores()[0]),
  });
  expect(result.operations).toBeGreaterThan(0);
  expect(['SIGINT', 'SIGTERM', 'SIGHUP'].map((signal) => process.listenerCount(signal))).toEqual(before);
}, 60_000);
