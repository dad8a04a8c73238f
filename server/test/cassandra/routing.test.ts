import type { Client, Host } from 'cassandra-driver';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { connectCassandra } from '../../src/storage/cassandra/client.js';
import { qualifiedTableName } from '../../src/storage/cassandra/schema.js';
import { cassandraTarget, testOptions } from './target.js';

const target = cassandraTarget();

let client: Client;
beforeAll(async () => {
  client = await connectCassandra(testOptions(target));
});
afterAll(async () => {
  await client?.shutdown();
});

/** Whether a session read looked up the replicas of its key's token (token-aware routing). */
async function readLooksUpReplicas(): Promise<boolean> {
  const lookups = vi.spyOn(client, 'getReplicas');
  try {
    const read = `SELECT value FROM ${qualifiedTableName(target.keyspace, target.table)} WHERE key = ?`;
    await client.execute(read, ['routing-test'], { prepare: true });
    return lookups.mock.calls.length > 0;
  } finally {
    lookups.mockRestore();
  }
}

// The test keyspace has one replica in the local data centre, which has one node: it holds every key.
it('queries skip the token where every local node holds every key, and use it again once that changes', async () => {
  expect(await readLooksUpReplicas()).toBe(false);
  // The driver replaces a keyspace's metadata when its replication changes (here: as if no replica were local).
  const keyspaces = client.metadata.keyspaces as Record<string, object>;
  const original = keyspaces[target.keyspace] as { strategyOptions: Record<string, string> };
  keyspaces[target.keyspace] = { ...original, strategyOptions: { ...original.strategyOptions, [target.endpoint.localDc]: '0' } };
  try {
    expect(await readLooksUpReplicas()).toBe(true);
  } finally {
    keyspaces[target.keyspace] = original;
  }
  expect(await readLooksUpReplicas()).toBe(false);
});

/** The driver's own list of the cluster's nodes, which its typings show read-only. */
interface HostList {
  set(address: string, host: Host): void;
  remove(address: string): void;
}

// The driver replaces its list of hosts when a node joins or leaves the cluster.
it('a second local node makes queries use the token again, and its leaving skips it again', async () => {
  expect(await readLooksUpReplicas()).toBe(false);
  const [node] = client.hosts.values();
  const NodeOf = (node as Host).constructor as new (
    address: string,
    protocolVersion: number,
    options: object,
    metadata: object,
  ) => Host;
  const { options } = client as unknown as { options: object };
  const joined = new NodeOf('127.0.0.2:9042', 4, options, client.metadata);
  joined.datacenter = target.endpoint.localDc;
  const hosts = client.hosts as unknown as HostList;
  hosts.set(joined.address, joined);
  try {
    expect(await readLooksUpReplicas()).toBe(true);
  } finally {
    hosts.remove(joined.address);
  }
  expect(await readLooksUpReplicas()).toBe(false);
});
