// `npm run bench -- --soak MINUTES`: the mix against kask-ts on the embedded store for that long, one wrk run
// per minute, to show whether memory or latency drifts over time (not in CI).
import type { BenchOptions } from './options.js';
import { populate } from './populate.js';
import { watchResources } from './processes.js';
import { kaskTarget } from './targets.js';
import { expectedStatuses, workloadNamed } from './workloads.js';
import { ensureWrk, runWrk } from './wrk.js';

const minuteSeconds = 60;

/** One minute of the soak. */
interface SoakMinute {
  readonly minute: number;
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly peakRssMiB: number;
  readonly unexpected: number;
}

/** The least-squares slope of `values` per step (per minute here). */
export function slope(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((sum, value) => sum + value, 0) / n;
  let covariance = 0;
  let variance = 0;
  values.forEach((value, x) => {
    covariance += (x - meanX) * (value - meanY);
    variance += (x - meanX) ** 2;
  });
  return covariance / variance;
}

/** Runs the soak and answers its markdown report: a row per minute, then the slopes of RSS and p99. */
export async function runSoak(options: BenchOptions, minutes: number): Promise<string> {
  ensureWrk(options.installWrk);
  const workload = workloadNamed('mix');
  const connections = options.connections.includes(64) ? 64 : (options.connections[0] ?? 64);
  const workers = options.workers[0] ?? 1;
  const target = await kaskTarget('embedded', { listenAddress: options.listenAddress }).start(workload, workers);
  const rows: SoakMinute[] = [];
  try {
    await populate(target, workload, options.keys);
    const expected = expectedStatuses(workload).map(String);
    for (let minute = 1; minute <= minutes; minute++) {
      const watch = watchResources(target.pid as number);
      const result = await runWrk({
        ...target,
        workload,
        keys: options.keys,
        connections,
        threads: options.wrkThreads,
        seconds: minuteSeconds,
      });
      const resources = watch.stop();
      const unexpected =
        Object.entries(result.statuses).reduce((sum, [status, count]) => sum + (expected.includes(status) ? 0 : count), 0) +
        Object.values(result.errors).reduce((sum, count) => sum + count, 0);
      const row = {
        minute,
        requestsPerSecond: result.requests / (result.duration_us / 1e6),
        p99Ms: result.latency_us.p99 / 1000,
        peakRssMiB: resources.peakRssBytes / 2 ** 20,
        unexpected,
      };
      rows.push(row);
      process.stderr.write(
        `soak: minute ${minute}/${minutes}: ${row.requestsPerSecond.toFixed(0)} req/s, p99 ${row.p99Ms.toFixed(2)} ms, RSS ${row.peakRssMiB.toFixed(1)} MiB\n`,
      );
    }
  } finally {
    await target.stop();
  }
  const lines = [
    `# Soak: the mix on kask-ts embedded, ${connections} connections, ${workers} worker(s), ${minutes} minute(s)`,
    '',
    '| minute | req/s | p99 ms | RSS peak MiB | unexpected statuses / errors |',
    '|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.minute} | ${row.requestsPerSecond.toFixed(0)} | ${row.p99Ms.toFixed(2)} | ${row.peakRssMiB.toFixed(1)} | ${row.unexpected} |`,
    ),
    '',
    `RSS slope: ${slope(rows.map((row) => row.peakRssMiB)).toFixed(2)} MiB/minute; ` +
      `p99 slope: ${slope(rows.map((row) => row.p99Ms)).toFixed(3)} ms/minute`,
    '',
  ];
  return lines.join('\n');
}
