// The storage ceiling: the workload's reads and writes straight against a backend, with the same concurrency
// as the HTTP run and no HTTP, through kask-ts's own storage opened from the same configuration keys as the
// server's (server/dist/storage/open.js): the same statements, consistency levels, driver settings and query
// coalescing as the server, so the ceiling is no easier than the mix.
// Prints one line `STORAGE_RESULT {json}`. Run by bench/src/storage-run.ts; see --help there for the options.
import { join } from 'node:path';
import { createHistogram } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { Storage } from '../../server/src/storage/storage.js';
import { repoRoot } from './paths.js';
import { cpuSeconds } from './processes.js';
import { sessionKey, sessionValue } from './workloads.js';

const { values } = parseArgs({
  options: {
    // The configuration's storage keys (JSON): `storage:` and the backend's section.
    storage: { type: 'string' },
    'key-bytes': { type: 'string' },
    'value-bytes': { type: 'string' },
    keys: { type: 'string' },
    reads: { type: 'string' },
    writes: { type: 'string' },
    concurrency: { type: 'string' },
    'duration-ms': { type: 'string' },
    'warmup-ms': { type: 'string' },
    'ttl-seconds': { type: 'string', default: '86400' },
    // The storage's own process on this machine (a Cassandra node): its CPU time during the measured run.
    'storage-pid': { type: 'string' },
  },
});

const keyBytes = Number(values['key-bytes']);
const keyCount = Number(values.keys);
const reads = Number(values.reads);
const writes = Number(values.writes);
const concurrency = Number(values.concurrency);
const ttlSeconds = Number(values['ttl-seconds']);
const value = sessionValue(Number(values['value-bytes']));
const keys = Array.from({ length: keyCount }, (_, index) => sessionKey(index, keyBytes));

interface Backend {
  get(key: string): Promise<unknown>;
  set(key: string, value: Buffer): Promise<unknown>;
  close(): Promise<void>;
}

/** The default namespace's store of the configured backend, opened as the server opens it, once it answers. */
async function openBackend(): Promise<Backend> {
  const dist = (path: string) => pathToFileURL(join(repoRoot, 'server/dist', path)).href;
  const { configFrom } = (await import(dist('config/load.js'))) as typeof import('../../server/src/config/load.js');
  const { openStorage } = (await import(dist('storage/open.js'))) as typeof import('../../server/src/storage/open.js');
  // No purge runs (this process does not maintain the store), as in a server whose values are all live.
  const stores = await openStorage(configFrom(JSON.parse(values.storage as string)), {
    maintain: false,
    log: pino({ level: 'silent' }),
  });
  const storage = stores.get('default') as Storage;
  // Cassandra connects in the background: wait until it answers, as the server's /readyz does.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await storage.ping();
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    get: (key) => storage.get(key),
    set: (key, bytes) => storage.set(key, bytes, ttlSeconds),
    close: () => storage.close(),
  };
}

/** Runs `concurrency` loops of the mix until `durationMs` has passed; records latencies when `measure`. */
async function drive(backend: Backend, durationMs: number, measure: boolean) {
  const histogram = createHistogram();
  const cycle = reads + writes;
  const deadline = performance.now() + durationMs;
  let sent = 0;
  let errors = 0;
  let firstError: string | undefined;
  const loop = async () => {
    while (performance.now() < deadline) {
      const key = keys[Math.floor(Math.random() * keyCount)] as string;
      const write = writes > 0 && sent++ % cycle < writes;
      const started = process.hrtime.bigint();
      try {
        await (write ? backend.set(key, value) : backend.get(key));
      } catch (error) {
        errors++;
        firstError ??= String(error);
      }
      if (measure) histogram.record(process.hrtime.bigint() - started || 1n);
    }
  };
  const storagePid = values['storage-pid'] === undefined ? undefined : Number(values['storage-pid']);
  const storageCpuAtStart = storagePid === undefined ? undefined : cpuSeconds(storagePid);
  const startedAt = performance.now();
  const cpuAtStart = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, loop));
  const cpu = process.cpuUsage(cpuAtStart);
  const storageCpuAtEnd = storagePid === undefined ? undefined : cpuSeconds(storagePid);
  return {
    seconds: (performance.now() - startedAt) / 1000,
    cpuMicroseconds: cpu.user + cpu.system,
    storageCpuMicroseconds:
      storageCpuAtStart === undefined || storageCpuAtEnd === undefined ? undefined : (storageCpuAtEnd - storageCpuAtStart) * 1e6,
    histogram,
    errors,
    firstError,
  };
}

async function populate(backend: Backend): Promise<void> {
  for (let start = 0; start < keyCount; start += 256) {
    await Promise.all(keys.slice(start, start + 256).map((key) => backend.set(key, value)));
  }
}

const backend = await openBackend();
try {
  await populate(backend);
  await drive(backend, Number(values['warmup-ms']), false);
  const { seconds, cpuMicroseconds, storageCpuMicroseconds, histogram, errors, firstError } = await drive(
    backend,
    Number(values['duration-ms']),
    true,
  );
  const microseconds = (percentile: number) => Math.round(histogram.percentile(percentile) / 1000);
  const result = {
    operations: histogram.count,
    seconds,
    cpu_us: cpuMicroseconds,
    node_cpu_us: storageCpuMicroseconds,
    errors,
    firstError,
    latency_us: { p50: microseconds(50), p99: microseconds(99), p999: microseconds(99.9), max: Math.round(histogram.max / 1000) },
  };
  process.stdout.write(`STORAGE_RESULT ${JSON.stringify(result)}\n`);
} finally {
  await backend.close();
}
