import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applySchemaWithCli } from '../../test-support/server-process.js';
import { type ClusterDescription, type ClusterNode, killNode, startNode } from './cassandra-cluster.js';
import { type CassandraTarget, cassandraSection, startOnCassandra } from './cassandra-service.js';
import { createNetwork, type PrivateNetwork } from './network.js';
import type { Endpoint } from './recorder.js';
import type { RunPlan } from './run.js';

const state = process.env.KASK_CASSANDRA_STATE ?? fileURLToPath(new URL('../../.cassandra/', import.meta.url));

/** How many Cassandra nodes each data centre has, and the kask-ts servers to place, each in a data centre. */
export interface Layout {
  readonly nodes: Readonly<Record<string, number>>;
  readonly servers: Readonly<Record<string, string>>;
  readonly heap: string;
}

/**
 * A Cassandra cluster and kask-ts servers, each in a network namespace of its own on a private network
 * (network.ts), so that a partition cuts exactly the hosts it names; a run's clients reach every server whatever
 * the partition. Everything it starts and makes is gone after `stop()`.
 */
export interface PartitionedCluster {
  readonly network: PrivateNetwork;
  readonly description: ClusterDescription;
  /** The host names of `dc`'s Cassandra nodes. */
  nodesOf(dc: string): string[];
  /** The server named in the layout, once it serves. */
  server(name: string): Endpoint;
  /** Where a server of `dc` finds its Cassandra. */
  target(dc: string): CassandraTarget;
  stop(): Promise<void>;
}

const keyspace = 'kask_histories_partition';

/** Makes the network, starts every node (at once: every node is a seed) and then every server. */
export async function startPartitionedCluster(layout: Layout): Promise<PartitionedCluster> {
  const nodeHosts = Object.entries(layout.nodes).flatMap(([dc, count]) =>
    Array.from({ length: count }, (_, i) => ({ host: `${dc}-${i + 1}`, dc, index: i, count })),
  );
  const network = await createNetwork([...nodeHosts.map(({ host }) => host), ...Object.keys(layout.servers)]);
  const nodes: ClusterNode[] = nodeHosts.map(({ host, dc, index, count }, i) => ({
    name: network.namespace(host),
    address: network.address(host),
    jmxPort: 7241 + i,
    dc,
    // Evenly spread within each data centre, one data centre's tokens a little after the other's.
    token: String(-(2n ** 63n) + (BigInt(index) * 2n ** 64n) / BigInt(count) + BigInt(Object.keys(layout.nodes).indexOf(dc))),
    netns: network.namespace(host),
  }));
  const description: ClusterDescription = {
    cluster: `kask-histories-${network.name}`,
    storagePort: 7000,
    seeds: nodes.map((node) => node.address).join(','),
    heap: layout.heap,
    nodes,
  };
  const servers = new Map<string, Endpoint & { stop(): Promise<void> }>();
  const cluster: PartitionedCluster = {
    network,
    description,
    nodesOf: (dc) => nodeHosts.filter((node) => node.dc === dc).map(({ host }) => host),
    server(name) {
      const found = servers.get(name);
      if (found === undefined) throw new Error(`no server ${name}`);
      return found;
    },
    target: (dc) => ({
      hosts: nodes.filter((node) => node.dc === dc).map((node) => node.address),
      port: 9042,
      dc,
      keyspace,
    }),
    async stop() {
      try {
        for (const server of servers.values()) await server.stop();
      } finally {
        // SIGKILL: the nodes' state is thrown away with them; the namespaces go once no process is left in them.
        await Promise.allSettled(nodes.map((node) => killNode(node)));
        await network.remove();
        for (const node of nodes) rmSync(join(state, node.name), { recursive: true, force: true });
      }
    },
  };
  try {
    // A node's state from an earlier run of the same name (one killed before its clean-up) is no part of this cluster.
    for (const node of nodes) rmSync(join(state, node.name), { recursive: true, force: true });
    await Promise.all(nodes.map((node) => startNode(description, node)));
    const replication = Object.entries(layout.nodes)
      .map(([dc, count]) => `${dc}=${count}`)
      .join(',');
    await applySchemaWithCli(cassandraSection(cluster.target(Object.keys(layout.nodes)[0] as string)), replication);
    for (const [name, dc] of Object.entries(layout.servers)) {
      servers.set(
        name,
        await startOnCassandra(cluster.target(dc), { prefix: network.runIn(name), address: network.address(name) }),
      );
    }
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A run's fault: the hosts of `side` cut off from every other host `afterMs` into the run, for `heldMs`, then healed. */
export function partition(
  network: PrivateNetwork,
  kind: string,
  side: readonly string[],
  afterMs: number,
  heldMs: number,
): NonNullable<RunPlan['faults']> {
  return async (_random, now) => {
    await pause(afterMs);
    const startUs = now();
    await network.isolate(side);
    try {
      await pause(heldMs);
    } finally {
      await network.heal();
    }
    return [{ kind, startUs, endUs: now() }];
  };
}
