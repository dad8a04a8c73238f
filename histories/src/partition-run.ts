import type { History } from './history.js';
import type { PartitionedCluster } from './partitioned-cluster.js';
import { partition } from './partitioned-cluster.js';
import { historiesSeed } from './random.js';
import type { Endpoint, Workload } from './recorder.js';
import { judgeHistory, type RunSummary, recordHistory } from './run.js';

/** A run's length (KASK_HISTORIES_SECONDS, else `seconds`) and its partition's: from 3 s in to 5 s before its end. */
export function partitionTiming(seconds: number): { durationMs: number; afterMs: number; heldMs: number } {
  const durationMs = Number(process.env.KASK_HISTORIES_SECONDS ?? seconds) * 1000;
  // NOTE: at least 22 s: a Cassandra node marks a silent peer down after about 18 s (phi_convict_threshold 8), and only
  // then does a DELETE at EACH_QUORUM fail at once rather than after its 2 s write timeout; a run sees both.
  return { durationMs, afterMs: 3_000, heldMs: Math.max(22_000, durationMs - 8_000) };
}

/** What a run across a partition does: who sends where, which hosts are cut off, and what is judged. */
export interface PartitionRun {
  readonly scenario: string;
  readonly endpoints: readonly Endpoint[];
  /** The hosts cut off from every other (Cassandra nodes and kask-ts servers, by their names in the layout). */
  readonly side: readonly string[];
  readonly workload: Workload;
  readonly linearizable: boolean;
  readonly seconds: number;
}

/** What the clients of one server saw from some time into a run's partition until it healed. */
export interface ServiceDuringPartition {
  /** Answers (any status) a second. */
  readonly answersPerSecond: number;
  /** Operations that got no answer within the clients' timeout (5 s). */
  readonly waitedOut: number;
}

/**
 * What the clients of `endpoint` (the `endpoint`th of the run's `endpoints`: client i sends to the (i mod n)th) saw
 * from `fromMs` into the history's partition until it healed.
 */
export function serviceDuringPartition(
  history: History,
  endpoints: number,
  endpoint: number,
  fromMs: number,
): ServiceDuringPartition {
  const [fault] = history.faults;
  if (fault === undefined) throw new Error(`${history.scenario}: no partition in this history`);
  const fromUs = fault.startUs + fromMs * 1000;
  const operations = history.operations.filter(
    (operation) =>
      operation.client % endpoints === endpoint && operation.invokeUs >= fromUs && operation.completeUs <= fault.endUs,
  );
  return {
    answersPerSecond: operations.filter((operation) => operation.status !== undefined).length / ((fault.endUs - fromUs) / 1e6),
    waitedOut: operations.filter((operation) => operation.error === 'timeout').length,
  };
}

/** Records a run of 16 clients with `side` cut off for a while, and judges it; resolves its summary and history. */
export async function recordAcrossPartition(
  cluster: PartitionedCluster,
  run: PartitionRun,
): Promise<{ summary: RunSummary; history: History }> {
  const { durationMs, afterMs, heldMs } = partitionTiming(run.seconds);
  const history = await recordHistory({
    scenario: run.scenario,
    backend: 'cassandra',
    seed: historiesSeed(28),
    clients: 16,
    durationMs: Math.max(durationMs, afterMs + heldMs + 5_000),
    workload: run.workload,
    endpoints: run.endpoints,
    linearizable: run.linearizable,
    // Longer than Cassandra's write timeout (2 s): a client sees the server's answer once its coordinator gave up.
    answerTimeoutMs: 5_000,
    faults: partition(cluster.network, run.scenario.replace(/-broken$/, ''), run.side, afterMs, heldMs),
  });
  return { summary: await judgeHistory(history), history };
}
