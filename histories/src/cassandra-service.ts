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

/** A kask-ts server on Cassandra (environment `env`: faketime's, for a skewed clock), once its storage answers. */
export async function startOnCassandra(
  target: CassandraTarget,
  env?: NodeJS.ProcessEnv,
): Promise<Endpoint & { stop(): Promise<void> }> {
  const server = await startServer(
    { storage: 'cassandra', cassandra: cassandraSection(target) },
    env === undefined ? {} : { env },
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
