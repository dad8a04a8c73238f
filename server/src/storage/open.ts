import type { Config } from '../config.js';
import { type CassandraConnectionOptions, type CassandraOptions, openCassandraTables } from './cassandra/cassandra.js';
import { openEmbeddedDatabases } from './lmdb/lmdb.js';
import type { Storage } from './storage.js';

/** Every namespace's store by name, in the configuration's order. */
export type NamespaceStores = ReadonlyMap<string, Storage>;

/**
 * Opens every configured namespace's store over one connection to the configured backend (one Cassandra
 * client, one LMDB environment); `maintain` makes this process the one that purges expired values.
 */
export async function openStorage(config: Config, { maintain }: { maintain: boolean }): Promise<NamespaceStores> {
  const stores = openBackend(config, maintain);
  return new Map(config.namespaces.map((namespace, i) => [namespace.name, stores[i] as Storage]));
}

function openBackend(config: Config, maintain: boolean): Storage[] {
  switch (config.storage) {
    case 'embedded':
      return openEmbeddedDatabases(
        { path: config.embedded.path, purgeIntervalMs: maintain ? config.embedded.purge_interval_ms : undefined },
        config.namespaces.map((namespace) => namespace.embedded_database),
      );
    case 'cassandra':
      return openCassandraTables(
        cassandraConnectionFrom(config),
        config.cassandra.keyspace,
        config.namespaces.map((namespace) => namespace.table),
      );
  }
}

/** Closes every store of `stores` (and so their shared connection). */
export async function closeStores(stores: NamespaceStores): Promise<void> {
  await Promise.all([...stores.values()].map((store) => store.close()));
}

/**
 * What the primary of several workers holds open to maintain the stores once for all of them: the
 * embedded stores, which purge expired values; nothing for Cassandra, which expires values itself.
 */
export async function openMaintenance(config: Config): Promise<{ close(): Promise<void> } | undefined> {
  if (config.storage !== 'embedded') return undefined;
  const stores = await openStorage(config, { maintain: true });
  return { close: () => closeStores(stores) };
}

/** How to reach the cluster, from Kask's `cassandra.*` keys. */
export function cassandraConnectionFrom({ cassandra }: Config): CassandraConnectionOptions {
  return {
    hosts: cassandra.hosts,
    port: cassandra.port,
    localDc: cassandra.local_dc,
    queryTimeoutMs: cassandra.query_timeout_ms,
    connectTimeoutMs: cassandra.connect_timeout_ms,
    username: cassandra.authentication.username,
    password: cassandra.authentication.password,
    tls:
      cassandra.tls.ca === undefined
        ? undefined
        : {
            caPath: cassandra.tls.ca,
            certPath: cassandra.tls.cert,
            keyPath: cassandra.tls.key,
            verifyHostName: cassandra.tls.enable_host_verification,
          },
  };
}

/** One table's options from Kask's `cassandra.*` keys: `cassandra.table` in `cassandra.keyspace`. */
export function cassandraOptionsFrom(config: Config): CassandraOptions {
  return { ...cassandraConnectionFrom(config), keyspace: config.cassandra.keyspace, table: config.cassandra.table };
}
