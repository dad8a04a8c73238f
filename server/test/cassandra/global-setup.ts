import type { TestProject } from 'vitest/node';
import { acquireCassandra, type CassandraEndpoint } from '../../../test-support/cassandra/acquire.js';
import { applySchema } from '../../src/storage/cassandra/schema.js';

/** What the tests get: a Cassandra, and a keyspace and table of Kask's schema created on it. */
export interface CassandraTestTarget {
  readonly endpoint: CassandraEndpoint;
  readonly keyspace: string;
  readonly table: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Provided by server/test/cassandra/global-setup.ts. */
    cassandra: CassandraTestTarget;
  }
}

/** vitest globalSetup: finds a Cassandra, creates the test keyspace and table, and provides both to the tests. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cassandra = await acquireCassandra();
  try {
    const { endpoint } = cassandra;
    const target: CassandraTestTarget = { endpoint, keyspace: 'kask_test', table: 'values' };
    await applySchema(
      {
        hosts: [endpoint.host],
        port: endpoint.port,
        localDc: endpoint.localDc,
        queryTimeoutMs: 30_000,
        connectTimeoutMs: 10_000,
        username: endpoint.username,
        password: endpoint.password,
      },
      { keyspace: target.keyspace, table: target.table, replication: { [endpoint.localDc]: 1 } },
    );
    project.provide('cassandra', target);
  } catch (error) {
    await cassandra.release();
    throw error;
  }
  return () => cassandra.release();
}
