import type { Config, NamespaceConfig } from './config.js';
import { applyStatements, truncateCql } from './storage/cassandra/schema.js';
import { openEmbeddedDatabases } from './storage/lmdb/lmdb.js';
import { cassandraConnectionFrom } from './storage/open.js';

/** Where a namespace's values are, as an operator names it (for the confirmation question). */
export function locationOf(config: Config, namespace: NamespaceConfig): string {
  if (config.storage === 'cassandra') {
    return `the Cassandra table "${config.cassandra.keyspace}"."${namespace.table}" on ${config.cassandra.hosts.join(', ')}`;
  }
  const database =
    namespace.embedded_database === undefined ? 'the main database' : `the database ${namespace.embedded_database}`;
  return `${database} of the embedded store in ${config.embedded.path}`;
}

/**
 * Removes every value of `namespace`: Cassandra's TRUNCATE of its table (which needs every node up, and fails
 * at once otherwise), or the removal of every record of its LMDB database, in one transaction.
 */
export async function truncateNamespace(config: Config, namespace: NamespaceConfig): Promise<void> {
  if (config.storage === 'cassandra') {
    await applyStatements(cassandraConnectionFrom(config), [truncateCql(config.cassandra.keyspace, namespace.table)]);
    return;
  }
  const [store] = openEmbeddedDatabases({ path: config.embedded.path, purgeIntervalMs: undefined }, [
    namespace.embedded_database,
  ]);
  try {
    await store?.clear();
  } finally {
    await store?.close();
  }
}
