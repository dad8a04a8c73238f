import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SeededRandom } from './random.js';

const run = promisify(execFile);
const tools = fileURLToPath(new URL('../../tools/cassandra/', import.meta.url));

/** One node of a cluster that tools/cassandra/start.sh started. */
export interface ClusterNode {
  readonly name: string;
  readonly address: string;
  readonly jmxPort: number;
  readonly dc: string;
  readonly token: string;
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
    ],
    { timeout: 300_000 },
  );
}

// A partition on loopback: iptables rules in a chain of the run's own, which only ever names the cluster's addresses,
// dropping every packet between the two sides; healing flushes the chain.
const chain = 'KASK_HISTORIES';

async function iptables(...args: string[]): Promise<void> {
  await run('iptables', ['-w', ...args]);
}

/** Cuts every packet between the addresses of `sides[0]` and those of `sides[1]`; resolves what heals it. */
export async function partition(sides: readonly [readonly string[], readonly string[]]): Promise<() => Promise<void>> {
  await iptables('-N', chain).catch(() => {});
  await iptables('-F', chain);
  await iptables('-C', 'INPUT', '-j', chain).catch(() => iptables('-I', 'INPUT', '-j', chain));
  for (const a of sides[0]) {
    for (const b of sides[1]) {
      await iptables('-A', chain, '-s', a, '-d', b, '-j', 'DROP');
      await iptables('-A', chain, '-s', b, '-d', a, '-j', 'DROP');
    }
  }
  return async () => {
    await iptables('-F', chain);
    await iptables('-D', 'INPUT', '-j', chain);
    await iptables('-X', chain);
  };
}

/** The faults a run injects into a Cassandra cluster, each undone before the run ends. */
export type ClusterFault = 'kill-node' | 'isolate-node' | 'partition-dcs';

/** Injects `fault` once into `dc`'s nodes (or between the data centres), for `heldMs`, then undoes it. */
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
  const others = cluster.nodes.filter((node) => (fault === 'isolate-node' ? node !== victim : node.dc !== dc));
  const cut = fault === 'isolate-node' ? [victim] : local;
  const heal = await partition([cut.map((node) => node.address), others.map((node) => node.address)]);
  try {
    await pause();
  } finally {
    await heal();
  }
}
