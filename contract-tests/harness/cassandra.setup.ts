import type { TestProject } from 'vitest/node';
import { acquireCassandra } from '../../test-support/cassandra/acquire.js';
import { applySchemaWithCli } from '../../test-support/server-process.js';
import { contractLimitedNamespaces } from './limits.js';
import { contractNamespaces } from './namespaces.js';
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
    await applySchemaWithCli(cassandraConfig, `${localDc}=1`);
    await applySchemaWithCli(cassandraConfig, `${localDc}=1`, contractNamespaces);
    // Their tables: the schema command reads the namespaces alone, without the clients their limits name.
    const limitedTables = Object.entries(contractLimitedNamespaces).map(([name, { base_uri }]) => [name, { base_uri }]);
    await applySchemaWithCli(cassandraConfig, `${localDc}=1`, Object.fromEntries(limitedTables));
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
