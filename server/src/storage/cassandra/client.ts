import { lookup } from 'node:dns/promises';
import { auth, Client, type ClientOptions, policies, types } from 'cassandra-driver';
import { LocalReplicaRouting } from './routing.js';
import { MicrosecondTimestamps } from './timestamps.js';
import { type CassandraTlsOptions, driverTlsOptions } from './tls.js';

export type { CassandraTlsOptions } from './tls.js';

/** How to reach a Cassandra cluster: Kask's `cassandra.*` connection keys, in milliseconds and file paths. */
export interface CassandraConnectionOptions {
  readonly hosts: readonly string[];
  readonly port: number;
  /** The data centre that serves LOCAL_QUORUM; absent: the data centre of the first contact point that answers. */
  readonly localDc?: string;
  readonly queryTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** How long a read, plain write or plain delete waits before it is also sent to another local node; absent: never. */
  readonly speculativeDelayMs?: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: CassandraTlsOptions;
}

// The driver's default reconnection schedule grows to 10 minutes: a node that returns would then stay
// unused for minutes. Capping it at a few seconds keeps recovery after an outage prompt.
const reconnectBaseDelayMs = 500;
const reconnectMaxDelayMs = 5000;

// NOTE: the driver closes a connection once more than this many of its queries have timed out and are still
// unanswered (64 by default), and marks the node down when it was its only one; the reconnection above brings it
// back once it answers. Kask's query timeout (12 s) is far beyond every timeout Cassandra answers by itself (5 s at
// most): a node whose query timed out is gone or cut off, not slow, so the first timeout closes. With 64, a node cut
// off without a reset stayed in use for as long as it took 64 queries to time out on it: for ever at a low rate.
const defunctAfterTimeouts = 0;

function baseClientOptions(options: CassandraConnectionOptions, sslOptions: ClientOptions['sslOptions']): ClientOptions {
  return {
    contactPoints: [...options.hosts],
    protocolOptions: { port: options.port },
    socketOptions: {
      connectTimeout: options.connectTimeoutMs,
      readTimeout: options.queryTimeoutMs,
      defunctReadTimeoutThreshold: defunctAfterTimeouts,
    },
    authProvider:
      options.username === undefined ? undefined : new auth.PlainTextAuthProvider(options.username, options.password ?? ''),
    sslOptions,
    policies: {
      reconnection: new policies.reconnection.ExponentialReconnectionPolicy(reconnectBaseDelayMs, reconnectMaxDelayMs, false),
      // NOTE: a query still unanswered after speculative_delay_ms goes to the next node of its plan too, once: what
      // rescues the queries already sent to a node that has just gone silent, before routing puts it last
      // (routing.ts) or its connection closes. Only the statements marked idempotent (CassandraStorage): never a
      // lightweight transaction. Its cost is one more query for each that waits that long: rare while the nodes
      // answer in milliseconds, twice the load for the queries of a node that pauses.
      speculativeExecution:
        options.speculativeDelayMs === undefined || options.speculativeDelayMs === 0
          ? new policies.speculativeExecution.NoSpeculativeExecutionPolicy()
          : new policies.speculativeExecution.ConstantSpeculativeExecutionPolicy(options.speculativeDelayMs, 1),
    },
    // One connection per local node carries 2048 queries at once, far more than a worker has in flight; a
    // second one would only halve the batch each socket write carries (CassandraStorage sends a turn's queries together).
    // Remote nodes are never queried (only local_dc serves), so they get no connection.
    pooling: { coreConnectionsPerHost: { [types.distance.local]: 1, [types.distance.remote]: 0, [types.distance.ignored]: 0 } },
  };
}

/** The IP of a driver host address (`10.0.0.1:9042`, `[::1]:9042`). */
function ipOf(hostAddress: string): string {
  return hostAddress.slice(0, hostAddress.lastIndexOf(':')).replace(/^\[|\]$/g, '');
}

/**
 * Without `local_dc` Kask routes round robin over every node, so LOCAL_QUORUM means "quorum in whichever data
 * centre the coordinator is in". We route to the data centre of the first contact point that answers instead
 * (as the DataStax drivers did): with one data centre this is the same, with several it keeps work local.
 */
async function contactPointDataCentre(
  options: CassandraConnectionOptions,
  sslOptions: ClientOptions['sslOptions'],
): Promise<string> {
  const probe = new Client({
    ...baseClientOptions(options, sslOptions),
    policies: { loadBalancing: new policies.loadBalancing.RoundRobinPolicy() },
    pooling: { warmup: false },
  });
  try {
    await probe.connect();
    const upHosts = probe.hosts.values().filter((host) => host.isUp());
    for (const name of options.hosts) {
      const addresses = new Set((await lookup(name, { all: true })).map((resolved) => resolved.address));
      const contactHost = upHosts.find((host) => addresses.has(ipOf(host.address)));
      if (contactHost !== undefined) return contactHost.datacenter;
    }
    const dataCentres = new Set(upHosts.map((host) => host.datacenter));
    const [onlyDataCentre] = dataCentres;
    if (dataCentres.size === 1 && onlyDataCentre !== undefined) return onlyDataCentre;
    throw new Error(`cassandra: cannot tell the local data centre among ${[...dataCentres].join(', ')}; set local_dc`);
  } finally {
    await probe.shutdown();
  }
}

/** One attempt to open a connected client: local data centre only, replica-aware, TLS verified, prompt reconnection. */
export async function connectCassandra(options: CassandraConnectionOptions): Promise<Client> {
  return (await connectLocally(options)).client;
}

/**
 * A client as connectCassandra opens it, the data centre it serves from (`local_dc`, or the one found), and the
 * timestamps of its writes.
 */
export interface LocalClient {
  readonly client: Client;
  readonly localDataCentre: string;
  readonly timestamps: MicrosecondTimestamps;
}

/** connectCassandra, telling the local data centre too. */
export async function connectLocally(options: CassandraConnectionOptions): Promise<LocalClient> {
  const sslOptions = options.tls === undefined ? undefined : await driverTlsOptions(options.tls, options.hosts);
  const localDataCenter = options.localDc ?? (await contactPointDataCentre(options, sslOptions));
  const base = baseClientOptions(options, sslOptions);
  const timestamps = new MicrosecondTimestamps();
  const client = new Client({
    ...base,
    localDataCenter,
    policies: {
      ...base.policies,
      loadBalancing: new LocalReplicaRouting(localDataCenter),
      timestampGeneration: timestamps,
    },
  });
  try {
    await client.connect();
    return { client, localDataCentre: localDataCenter, timestamps };
  } catch (error) {
    // A client whose first connection failed keeps timers and sockets; release them before a retry.
    await client.shutdown().catch(() => undefined);
    throw error;
  }
}
