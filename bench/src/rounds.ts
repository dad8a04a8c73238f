import { watchResources } from './processes.js';
import type { Workload } from './workloads.js';
import { expectedStatuses } from './workloads.js';
import { runWrk, type WrkResult, type WrkRun } from './wrk.js';

// Rounds of wrk against servers the benchmark started, measured side by side (bench:access, bench:flood).

/** The median of `values` (the upper one of an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** One measured wrk run of a server: what wrk saw, its req/s, and the server's CPU time per request. */
export interface Round {
  readonly result: WrkResult;
  readonly rps: number;
  readonly cpuMicros: number;
}

/** Runs wrk as `run` says against the server whose process tree is `pid`, watching the tree's CPU meanwhile. */
export async function wrkRound(pid: number, run: WrkRun): Promise<Round> {
  const watch = watchResources(pid);
  const result = await runWrk(run);
  const { cores } = watch.stop();
  const elapsed = result.duration_us / 1e6;
  return { result, rps: result.requests / elapsed, cpuMicros: (1e6 * cores * elapsed) / result.requests };
}

/** Answers other than the workload's expected statuses, and socket errors. */
export function unexpectedAnswers(result: WrkResult, workload: Workload): number {
  const expected = expectedStatuses(workload).map(String);
  const errors = Object.values(result.errors).reduce((a, b) => a + b, 0);
  return errors + Object.entries(result.statuses).reduce((sum, [status, n]) => (expected.includes(status) ? sum : sum + n), 0);
}
