import { removeServerDirectory, startServer, untilStorageAnswers } from '../../test-support/server-process.js';
import type { Endpoint } from './recorder.js';

/** Where kask-ts finds its Cassandra, and the data centre it serves. */
export interface CassandraTarget {
  readonly hosts: readonly string[];
  readonly port: number;
  readonly dc: string;
  readonly keyspace: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
}

/** The `cassandra:` section of a kask-ts serving `target`'s data centre. */
export function cassandraSection(target: CassandraTarget): Record<string, unknown> {
  const authentication =
    target.username === undefined ? {} : { authentication: { username: target.username, password: target.password } };
  return {
    hosts: target.hosts,
    port: target.port,
    keyspace: target.keyspace,
    table: 'values',
    local_dc: target.dc,
    ...authentication,
  };
}

/** Where a server runs: its environment (faketime's, for a skewed clock), and its network namespace and address. */
export interface Placement {
  readonly env?: NodeJS.ProcessEnv;
  readonly prefix?: readonly string[];
  readonly address?: string;
}

/** A kask-ts server on Cassandra, placed as asked, once its storage answers. */
export async function startOnCassandra(
  target: CassandraTarget,
  placement: Placement = {},
): Promise<Endpoint & { stop(): Promise<void> }> {
  const listen = placement.address === undefined ? {} : { listen_address: placement.address, listen_port: 8081 };
  const server = await startServer(
    { storage: 'cassandra', cassandra: cassandraSection(target), ...listen },
    {
      ...(placement.env === undefined ? {} : { env: placement.env }),
      ...(placement.prefix === undefined ? {} : { prefix: placement.prefix }),
    },
  );
  try {
    await untilStorageAnswers(server, 60_000);
  } catch (error) {
    await server.stop();
    removeServerDirectory(server);
    throw error;
  }
  return {
    baseUrl: server.baseUrl,
    dc: target.dc,
    async stop() {
      await server.stop();
      removeServerDirectory(server);
    },
  };
}
