import { pinTree } from './cpu-layout.js';
import { benchCompiled } from './paths.js';
import { spawnNode } from './processes.js';
import { type Backend, type CassandraLocation, storageSection } from './targets.js';
import { temporaryDirectory } from './temporary-directory.js';
import type { Workload } from './workloads.js';

/** What the storage ceiling measured: operations, seconds, its CPU time, failed operations and latencies in microseconds. */
export interface StorageResult {
  readonly operations: number;
  readonly seconds: number;
  /** CPU time the storage ceiling's process used during the measured run. */
  readonly cpu_us: number;
  /** CPU time of the storage's own process (a Cassandra node on this machine) during the measured run, when watched. */
  readonly node_cpu_us?: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly latency_us: { readonly p50: number; readonly p99: number; readonly p999: number; readonly max: number };
}

/** How one storage-ceiling run goes: the same workload, keys, concurrency and durations as the HTTP runs. */
export interface StorageRun {
  readonly backend: Backend;
  readonly workload: Workload;
  readonly keys: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly cassandra?: CassandraLocation;
  /** The storage's process on this machine, whose CPU time the run reports. */
  readonly storageNode?: number;
  /** The cores the storage ceiling's process may run on (a taskset list), as a server's would. */
  readonly cores?: string;
}

/** Runs bench/src/storage-ceiling.ts (compiled) in a process of its own and returns its result. */
export async function runStorageCeiling(run: StorageRun): Promise<StorageResult> {
  const { workload } = run;
  const directory = temporaryDirectory('kask-bench-storage-');
  try {
    return await runIn(run, workload, JSON.stringify(storageSection(run.backend, directory.path, run.cassandra)));
  } finally {
    directory.remove();
  }
}

async function runIn(run: StorageRun, workload: Workload, storage: string): Promise<StorageResult> {
  const started = spawnNode([
    benchCompiled('src/storage-ceiling.ts'),
    ...['--storage', storage, '--keys', String(run.keys), '--concurrency', String(run.concurrency)],
    ...['--key-bytes', String(workload.keyBytes), '--value-bytes', String(workload.valueBytes)],
    ...['--reads', String(workload.reads), '--writes', String(workload.writes)],
    ...['--duration-ms', String(run.seconds * 1000), '--warmup-ms', String(run.warmupSeconds * 1000)],
    ...(run.storageNode === undefined ? [] : ['--storage-pid', String(run.storageNode)]),
  ]);
  // Its pin ends with it; the restore only unregisters it (and the interruption handlers, with the last one).
  let unpin: (() => void) | undefined;
  try {
    unpin = run.cores === undefined ? undefined : pinTree(started.pid, run.cores);
  } catch (error) {
    await started.stop(1000);
    throw error;
  }
  // Storing the keys, the warm-up and the run, with a generous margin for a slow node.
  const deadlineMs = (run.seconds + run.warmupSeconds + 120) * 1000;
  const timer = setTimeout(() => void started.stop(1000), deadlineMs);
  const code = await new Promise<number | null>((resolve) => started.child.on('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  unpin?.();
  const line = started
    .output()
    .split('\n')
    .find((text) => text.startsWith('STORAGE_RESULT '));
  if (code !== 0 || line === undefined)
    throw new Error(`storage ceiling (${run.backend}) failed (exit ${code}):\n${started.output()}`);
  return JSON.parse(line.slice('STORAGE_RESULT '.length)) as StorageResult;
}
