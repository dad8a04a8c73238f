import { boolean, fail, integer, optionalString, readableFile, string, stringList } from '../../validation/rules.js';
import { bothOrNeither, section } from '../../validation/sections.js';
import type { Backend, StoredNamespace } from '../backend.js';
import type { CassandraConnectionOptions } from './client.js';
import { applyStatements, keyspaceCql, tableCql, truncateCql } from './schema.js';

const settings = section('The Cassandra store', {
  hosts: stringList('Contact points', ['localhost']),
  port: integer('CQL native port', 9042, 1, 65535),
  keyspace: string('Keyspace', 'kask'),
  table: string('Table', 'values'),
  local_dc: optionalString(
    'Local data centre: routes queries there and makes LOCAL_QUORUM local; default: the data centre of the first contact point that answers',
  ),
  query_timeout_ms: integer("Milliseconds before a query fails (503); keep it below the clients' own timeout", 12000, 1),
  connect_timeout_ms: integer('Milliseconds before a connection attempt fails', 5000, 1),
  size_estimates_interval_ms: integer(
    "Milliseconds between readings of Cassandra's size estimates (system.table_estimates, from each node of the local data centre), of which the census and the quotas (max_bytes, max_keys) are made; Cassandra itself renews them every 5 minutes (its cassandra.size_recorder_interval), see Storage limits",
    60000,
    100,
  ),
  speculative_delay_ms: integer(
    'Milliseconds before a GET, a plain POST or a plain DELETE still unanswered is sent to another local node too, once (conditional writes never are); 0: never',
    500,
    0,
  ),
  authentication: section(
    'Password authentication',
    {
      username: optionalString('User name'),
      password: optionalString('Password'),
    },
    bothOrNeither('username', 'password'),
  ),
  tls: section(
    'TLS to Cassandra; the certificate chain is always verified',
    {
      ca: optionalString('PEM CA certificate file', readableFile),
      cert: optionalString('PEM client certificate file', readableFile),
      key: optionalString('PEM client key file', readableFile),
      enable_host_verification: boolean(
        "Kask's key (v1.0.13): a node's certificate must also name the node, by the cassandra.hosts name that resolves to its address or by that address; false checks the chain only",
        true,
      ),
    },
    (value, key) => {
      bothOrNeither<typeof value>('cert', 'key')(value, key);
      if (value.cert !== undefined && value.ca === undefined) fail(key, 'ca is required when cert and key are set');
    },
  ),
});

/** The `cassandra:` section as validated: Kask's keys. */
export type CassandraSettings = ReturnType<typeof settings.parse>;

/** How to reach the cluster, from Kask's `cassandra.*` keys. */
export function connectionOf(cassandra: CassandraSettings): CassandraConnectionOptions {
  return {
    hosts: cassandra.hosts,
    port: cassandra.port,
    localDc: cassandra.local_dc,
    queryTimeoutMs: cassandra.query_timeout_ms,
    connectTimeoutMs: cassandra.connect_timeout_ms,
    speculativeDelayMs: cassandra.speculative_delay_ms,
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

/** A namespace's table in `cassandra.keyspace`: its own, or `cassandra.table` for Kask's single namespace. */
function tableOf(cassandra: CassandraSettings, namespace: StoredNamespace): string {
  return namespace.table ?? cassandra.table;
}

/** The CQL that creates the keyspace (`replication`: replicas per data centre) and every namespace's table. */
export function schemaStatements(
  cassandra: CassandraSettings,
  namespaces: readonly StoredNamespace[],
  replication: Record<string, number>,
): string[] {
  const { keyspace } = cassandra;
  return [
    keyspaceCql(keyspace, replication),
    ...namespaces.map((namespace) => tableCql(keyspace, tableOf(cassandra, namespace))),
  ];
}

/** Cassandra: one keyspace, a table per namespace, one driver client for all of them. */
export const cassandraBackend: Backend<CassandraSettings> = {
  settings,
  // Cassandra's partition key limit.
  maxKeyBytes: 65535,
  // Cassandra refuses more than 20 years (its MAX_TTL).
  maxTtlSeconds: 20 * 365 * 24 * 60 * 60,
  maintainedByOneProcess: false,
  async open(cassandra, namespaces, _maintain, log) {
    const { openCassandraTables } = await import('./cassandra.js');
    return openCassandraTables(
      connectionOf(cassandra),
      cassandra.keyspace,
      namespaces.map((namespace) => ({ table: tableOf(cassandra, namespace), quota: namespace.quota })),
      log,
      cassandra.size_estimates_interval_ms,
    );
  },
  describe(cassandra, namespace) {
    return `the Cassandra table "${cassandra.keyspace}"."${tableOf(cassandra, namespace)}" on ${cassandra.hosts.join(', ')}`;
  },
  // TRUNCATE needs every node up, and fails at once otherwise.
  truncate: (cassandra, namespace) =>
    applyStatements(connectionOf(cassandra), [truncateCql(cassandra.keyspace, tableOf(cassandra, namespace))]),
  // Cassandra's size estimates, read once from each node of the local data centre (estimates.ts).
  async census(cassandra, namespaces) {
    const { censusOf, readEstimates } = await import('./estimates.js');
    const byTable = await readEstimates(connectionOf(cassandra), cassandra.keyspace);
    return namespaces.map((namespace) => censusOf(byTable.get(tableOf(cassandra, namespace))));
  },
  databaseHosts: (cassandra) => cassandra.hosts,
};
