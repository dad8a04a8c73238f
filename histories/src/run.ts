import { rmSync } from 'node:fs';
import { type CheckFinding, runNamedChecks } from './checks.js';
import { type History, type InjectedFault, type RecordedOperation, runClock, writeHistory } from './history.js';
import { checkLinearizability, type LinearizabilityVerdict } from './linearizability.js';
import { SeededRandom } from './random.js';
import { defaultAnswerTimeoutMs, type Endpoint, keysOf, runClient, type Workload } from './recorder.js';

/** One recorded run: who sends where, for how long, and what faults it injects meanwhile. */
export interface RunPlan {
  /** Names the run in its history file and summary line (`embedded-kill-worker`). */
  readonly scenario: string;
  readonly backend: string;
  readonly seed: number;
  readonly clients: number;
  readonly durationMs: number;
  readonly workload: Workload;
  readonly endpoints: readonly Endpoint[];
  /** Whether porcupine judges the linearizable keys (a backend that promises no linearizability: false). */
  readonly linearizable: boolean;
  /**
   * How long a client waits for an answer (2 s by default): longer than Cassandra's write timeout (2 s) for a client
   * to see the answer a server gives once its coordinator gave up, rather than a timeout of its own.
   */
  readonly answerTimeoutMs?: number;
  /** Injects faults until `stopped()`, resolving them; the run waits for it before it ends. */
  readonly faults?: (random: SeededRandom, now: () => number, stopped: () => boolean) => Promise<InjectedFault[]>;
}

/** What a run found: its figures, each named check's anomalies, porcupine's verdict, and its history file. */
export interface RunSummary {
  readonly scenario: string;
  readonly seed: number;
  readonly operations: number;
  readonly faults: Readonly<Record<string, number>>;
  readonly unknown: number;
  readonly failed: number;
  readonly linearizability: LinearizabilityVerdict | undefined;
  readonly checks: readonly CheckFinding[];
  readonly historyPath: string;
}

/** Runs the plan's clients (and faults) for its duration; resolves the history, not yet judged. */
export async function recordHistory(plan: RunPlan): Promise<History> {
  const now = runClock();
  const operations: RecordedOperation[] = [];
  // The start time in the keys too: a store that outlives a run (Cassandra's keyspace) never shows it an older run's values.
  const keys = keysOf(plan.workload, `${plan.scenario}-${plan.seed}-${Date.now().toString(36)}`);
  const deadline = Date.now() + plan.durationMs;
  const stopped = () => Date.now() >= deadline;
  // Each client and the faults draw from a generator of their own, so that one's choices never shift another's.
  const clients = Array.from({ length: plan.clients }, (_, client) =>
    runClient(
      client,
      { endpoints: plan.endpoints, now, operations, answerTimeoutMs: plan.answerTimeoutMs ?? defaultAnswerTimeoutMs },
      plan.workload,
      keys,
      new SeededRandom(plan.seed + client + 1),
      stopped,
    ),
  );
  const faults = plan.faults?.(new SeededRandom(plan.seed), now, stopped) ?? Promise.resolve([]);
  const [injected] = await Promise.all([faults, ...clients]);
  return {
    scenario: plan.scenario,
    backend: plan.backend,
    seed: plan.seed,
    clients: plan.clients,
    durationMs: plan.durationMs,
    linearizableKeys: plan.linearizable ? keys.linearizable : [],
    ttlKeys: keys.ttl,
    faults: injected,
    operations: operations.sort((a, b) => a.invokeUs - b.invokeUs),
  };
}

function countBy(names: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/** Writes the history, judges it with every check, and prints its summary line. */
export async function judgeHistory(history: History): Promise<RunSummary> {
  const historyPath = writeHistory(history, `${history.scenario}-${history.seed}`);
  const linearizability = history.linearizableKeys.length === 0 ? undefined : await checkLinearizability(historyPath);
  const summary: RunSummary = {
    scenario: history.scenario,
    seed: history.seed,
    operations: history.operations.length,
    faults: countBy(history.faults.map((fault) => fault.kind)),
    unknown: history.operations.filter((operation) => operation.outcome === 'unknown').length,
    failed: history.operations.filter((operation) => operation.outcome === 'failed').length,
    linearizability,
    checks: runNamedChecks(history),
    historyPath,
  };
  process.stderr.write(`${summaryLine(summary)}\n`);
  // The history file stays on the machine that ran it; the log carries what a failed check found.
  for (const { check, examples } of summary.checks) {
    for (const example of examples) process.stderr.write(`[histories] ${check}: ${example}\n`);
  }
  return summary;
}

/** One line of figures: operations, faults, unknown outcomes, porcupine's verdict and the anomalies by check. */
export function summaryLine(summary: RunSummary): string {
  const kinds = Object.entries(summary.faults);
  const faults = `${kinds.reduce((sum, [, count]) => sum + count, 0)} faults${kinds.length === 0 ? '' : ` (${kinds.map(([kind, count]) => `${kind} ${count}`).join(', ')})`}`;
  const linearizable =
    summary.linearizability === undefined
      ? 'linearizability not judged'
      : `linearizable: ${summary.linearizability.result} (${summary.linearizability.operations} operations on ${summary.linearizability.keys} keys)`;
  const anomalies = summary.checks.map(({ check, anomalies }) => `${check} ${anomalies}`).join(', ');
  return (
    `[histories] ${summary.scenario} seed ${summary.seed}: ${summary.operations} operations, ${faults}, ` +
    `${summary.unknown} unknown, ${summary.failed} not sent; ${linearizable}; anomalies: ${anomalies}`
  );
}

/** The anomalies a summary counts, by check (porcupine's as `linearizable` when not Ok). */
export function anomaliesOf(summary: RunSummary): Record<string, number> {
  const found: Record<string, number> = {};
  if (summary.linearizability !== undefined && summary.linearizability.result !== 'Ok') found.linearizable = 1;
  for (const { check, anomalies } of summary.checks) if (anomalies > 0) found[check] = anomalies;
  return found;
}

/** Removes a judged history's files once its expectation held, unless KASK_HISTORIES_KEEP is set. */
export function discardHistory(summary: RunSummary): void {
  if (process.env.KASK_HISTORIES_KEEP) return;
  rmSync(summary.historyPath, { force: true });
  if (summary.linearizability?.visualization !== undefined) rmSync(summary.linearizability.visualization, { force: true });
}
