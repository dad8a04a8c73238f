import type { TestProject } from 'vitest/node';
import { applySchema } from '../../server/src/schema.js';
import { acquireCassandra } from '../../server/test/cassandra/acquire.js';
import { provideServers } from './provide-servers.js';

/** The contract suite against kask-ts on Cassandra (the harness's choice of Cassandra), in a keyspace of its own. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cassandra = await acquireCassandra();
  try {
    const { host, port, localDc, username, password } = cassandra.endpoint;
    const cassandraConfig = {
      hosts: [host],
      port,
      keyspace: 'kask_contract',
      table: 'values',
      local_dc: localDc,
      ...(username === undefined ? {} : { authentication: { username, password } }),
    };
    await applySchema(
      { hosts: [host], port, localDc, queryTimeoutMs: 30_000, connectTimeoutMs: 10_000, username, password },
      { keyspace: cassandraConfig.keyspace, table: cassandraConfig.table, replication: { [localDc]: 1 } },
    );
    const stopServers = await provideServers(project, { storage: 'cassandra', cassandra: cassandraConfig });
    return async () => {
      try {
        await stopServers();
      } finally {
        await cassandra.release();
      }
    };
  } catch (error) {
    await cassandra.release();
    throw error;
  }
}
