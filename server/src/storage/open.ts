import type { Config } from '../config.js';
import { type CassandraOptions, openCassandraStorage } from './cassandra.js';
import { openEmbeddedStorage } from './lmdb.js';
import type { Storage } from './storage.js';

/** Opens the configured backend; `maintain` makes this process the one that purges expired values. */
export async function openStorage(config: Config, { maintain }: { maintain: boolean }): Promise<Storage> {
  switch (config.storage) {
    case 'embedded':
      return openEmbeddedStorage({
        path: config.embedded.path,
        purgeIntervalMs: maintain ? config.embedded.purge_interval_ms : undefined,
      });
    case 'cassandra':
      return openCassandraStorage(cassandraOptionsFrom(config));
  }
}

/**
 * What the primary of several workers holds open to maintain the store once for all of them: the
 * embedded store, which purges expired values; nothing for Cassandra, which expires values itself.
 */
export async function openMaintenance(config: Config): Promise<Pick<Storage, 'close'> | undefined> {
  return config.storage === 'embedded' ? openStorage(config, { maintain: true }) : undefined;
}

/** The Cassandra backend's options from Kask's `cassandra.*` keys. */
export function cassandraOptionsFrom({ cassandra }: Config): CassandraOptions {
  return {
    hosts: cassandra.hosts,
    port: cassandra.port,
    keyspace: cassandra.keyspace,
    table: cassandra.table,
    localDc: cassandra.local_dc,
    queryTimeoutMs: cassandra.query_timeout_ms,
    connectTimeoutMs: cassandra.connect_timeout_ms,
    username: cassandra.authentication.username,
    password: cassandra.authentication.password,
    tls:
      cassandra.tls.ca === undefined
        ? undefined
        : { caPath: cassandra.tls.ca, certPath: cassandra.tls.cert, keyPath: cassandra.tls.key },
  };
}
