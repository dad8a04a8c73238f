import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SeededRandom } from './random.js';

const run = promisify(execFile);
const tools = fileURLToPath(new URL('../../tools/cassandra/', import.meta.url));
const state = process.env.KASK_CASSANDRA_STATE ?? fileURLToPath(new URL('../../.cassandra/', import.meta.url));

/** One node of a cluster that tools/cassandra/start.sh started. */
export interface ClusterNode {
  readonly name: string;
  readonly address: string;
  readonly jmxPort: number;
  readonly dc: string;
  readonly token: string;
  /** The network namespace it runs in (histories/src/network.ts), if any. */
  readonly netns?: string;
}

/** A cluster of start.sh's nodes (KASK_HISTORIES_CASSANDRA, as JSON): how to restart each as it was started. */
export interface ClusterDescription {
  readonly cluster: string;
  readonly storagePort: number;
  readonly seeds: string;
  readonly heap: string;
  readonly nodes: readonly ClusterNode[];
}

/** The cluster KASK_HISTORIES_CASSANDRA describes, or undefined. */
export function clusterFromEnvironment(): ClusterDescription | undefined {
  const text = process.env.KASK_HISTORIES_CASSANDRA;
  return text === undefined || text === '' ? undefined : (JSON.parse(text) as ClusterDescription);
}

/** SIGKILL of a node's JVM (a crash: its peers notice it by their failure detector). */
export async function killNode(node: ClusterNode): Promise<void> {
  await run('bash', [`${tools}stop.sh`, node.name, '--kill']);
}

/** Starts a node again on its state, as it was first started, and waits until it answers CQL. */
export async function startNode(cluster: ClusterDescription, node: ClusterNode): Promise<void> {
  await run(
    'bash',
    [
      `${tools}start.sh`,
      ...['--name', node.name, '--address', node.address, '--jmx-port', String(node.jmxPort), '--dc', node.dc],
      ...['--token', node.token, '--cluster', cluster.cluster, '--seeds', cluster.seeds],
      ...['--storage-port', String(cluster.storagePort), '--heap', cluster.heap, '--commitlog-sync', 'batch'],
      ...(node.netns === undefined ? [] : ['--netns', node.netns]),
    ],
    { timeout: 300_000 },
  );
}

/** The pid of a node's JVM, from start.sh's pid file. */
function pidOf(node: ClusterNode): number {
  return Number(readFileSync(join(state, node.name, 'cassandra.pid'), 'utf8').trim());
}

/**
 * The faults a run injects into a Cassandra cluster, each undone before the run ends: a dc1 node killed (SIGKILL)
 * and started again; a dc1 node frozen (SIGSTOP, then SIGCONT), which keeps its connections open and answers
 * nothing, as behind a network partition; the other data centre's nodes frozen, as the far side of a partition.
 * NOTE: not iptables: on loopback every node's outbound connections leave from 127.0.0.1 (Cassandra does not bind
 * them to its listen address), so rules by address cannot tell one node's traffic from another's.
 */
export type ClusterFault = 'kill-node' | 'freeze-node' | 'freeze-other-dc';

/** Injects `fault` once into `dc`'s nodes (or the other data centres'), for `heldMs`, then undoes it. */
export async function injectClusterFault(
  fault: ClusterFault,
  cluster: ClusterDescription,
  dc: string,
  random: SeededRandom,
  heldMs: number,
): Promise<void> {
  const local = cluster.nodes.filter((node) => node.dc === dc);
  const victim = random.pick(local);
  const pause = () => new Promise((resolve) => setTimeout(resolve, heldMs));
  if (fault === 'kill-node') {
    await killNode(victim);
    await pause();
    await startNode(cluster, victim);
    return;
  }
  const frozen = fault === 'freeze-node' ? [victim] : cluster.nodes.filter((node) => node.dc !== dc);
  const pids = frozen.map(pidOf);
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  try {
    await pause();
  } finally {
    for (const pid of pids) process.kill(pid, 'SIGCONT');
  }
}
