import { inject } from 'vitest';
import type { CassandraOptions } from '../../src/storage/cassandra/cassandra.js';
import type { CassandraTestTarget } from './global-setup.js';

/** The Cassandra and test table that global-setup.ts provides; only in test files run with it. */
export function cassandraTarget(): CassandraTestTarget {
  return inject('cassandra');
}

/** Backend options for `target`'s table, with timeouts short enough for bounded tests. */
export function testOptions(target: CassandraTestTarget, overrides: Partial<CassandraOptions> = {}): CassandraOptions {
  const { endpoint } = target;
  return {
    hosts: [endpoint.host],
    port: endpoint.port,
    localDc: endpoint.localDc,
    keyspace: target.keyspace,
    table: target.table,
    queryTimeoutMs: 5000,
    connectTimeoutMs: 2000,
    estimatesIntervalMs: 60_000,
    username: endpoint.username,
    password: endpoint.password,
    ...overrides,
  };
}

/** The `cassandra:` block of a configuration file that serves `target`'s table. */
export function configBlock(target: CassandraTestTarget): Record<string, unknown> {
  const { host, port, localDc, username, password } = target.endpoint;
  return {
    hosts: [host],
    port,
    local_dc: localDc,
    keyspace: target.keyspace,
    table: target.table,
    ...(username === undefined ? {} : { authentication: { username, password } }),
  };
}
