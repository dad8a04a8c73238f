import { watchResources } from './processes.js';
import type { Workload } from './workloads.js';
import { expectedStatuses } from './workloads.js';
import { runWrk, type WrkResult, type WrkRun } from './wrk.js';

// Rounds against servers the benchmark started, measured side by side (bench:access, bench:flood).

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
function unexpectedAnswers(result: WrkResult, workload: Workload): number {
  const expected = expectedStatuses(workload).map(String);
  const errors = Object.values(result.errors).reduce((a, b) => a + b, 0);
  return errors + Object.entries(result.statuses).reduce((sum, [status, n]) => (expected.includes(status) ? sum : sum + n), 0);
}

/**
 * Measures each of `subjects` `rounds` times, their order reversed from one round to the next so that none always
 * runs first (on a machine still warming up) or last; each subject's measurements, in order.
 */
export async function alternatingRounds<Subject extends { readonly name: string }, Measurement>(
  label: string,
  subjects: readonly Subject[],
  rounds: number,
  measure: (subject: Subject) => Promise<Measurement>,
): Promise<Map<Subject, Measurement[]>> {
  const results = new Map<Subject, Measurement[]>(subjects.map((subject) => [subject, []]));
  for (let round = 0; round < rounds; round++) {
    for (const subject of round % 2 === 0 ? subjects : [...subjects].reverse()) {
      process.stderr.write(`${label}: round ${round + 1}, ${subject.name}\n`);
      results.get(subject)?.push(await measure(subject));
    }
  }
  return results;
}

/** The medians of a server's wrk rounds, and the unexpected answers of all of them. */
export interface RoundsSummary {
  readonly rps: number;
  readonly cpuMicros: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly unexpected: number;
}

/** Sums up `runs` of `workload`. */
export function summary(runs: readonly Round[], workload: Workload): RoundsSummary {
  return {
    rps: median(runs.map((run) => run.rps)),
    cpuMicros: median(runs.map((run) => run.cpuMicros)),
    p50Ms: median(runs.map((run) => run.result.latency_us.p50)) / 1000,
    p99Ms: median(runs.map((run) => run.result.latency_us.p99)) / 1000,
    unexpected: runs.reduce((sum, run) => sum + unexpectedAnswers(run.result, workload), 0),
  };
}
