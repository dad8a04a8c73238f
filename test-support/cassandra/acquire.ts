import { canRunLocalNode, defaultNode, startNode, stopNode } from './local-node.js';

/** A Cassandra to test against: where it answers, and its local data centre. */
export interface CassandraEndpoint {
  /** Which way it was found: `environment` (KASK_TEST_CASSANDRA), `testcontainers` or `local` (tools/cassandra). */
  readonly source: 'environment' | 'testcontainers' | 'local';
  readonly host: string;
  readonly port: number;
  readonly localDc: string;
  readonly username?: string;
  readonly password?: string;
}

/** An endpoint and how to give it back (stops what this process started, leaves the rest running). */
export interface AcquiredCassandra {
  readonly endpoint: CassandraEndpoint;
  release(): Promise<void>;
}

function log(message: string): void {
  process.stderr.write(`[cassandra harness] ${message}\n`);
}

function hostAndPort(value: string): { host: string; port: number } {
  const match = /^(.+?)(?::(\d+))?$/.exec(value.trim());
  if (match?.[1] === undefined) throw new Error(`KASK_TEST_CASSANDRA must be host[:port], got '${value}'`);
  return { host: match[1], port: Number(match[2] ?? 9042) };
}

/** KASK_TEST_CASSANDRA=host[:port] (+ KASK_TEST_CASSANDRA_DC, _USERNAME, _PASSWORD): a Cassandra someone else runs. */
function fromEnvironment(): AcquiredCassandra | undefined {
  const contactPoint = process.env.KASK_TEST_CASSANDRA;
  if (contactPoint === undefined || contactPoint === '') return undefined;
  const { host, port } = hostAndPort(contactPoint);
  const endpoint: CassandraEndpoint = {
    source: 'environment',
    host,
    port,
    localDc: process.env.KASK_TEST_CASSANDRA_DC ?? 'datacenter1',
    username: process.env.KASK_TEST_CASSANDRA_USERNAME,
    password: process.env.KASK_TEST_CASSANDRA_PASSWORD,
  };
  return { endpoint, release: async () => undefined };
}

// The signal testcontainers gives, within milliseconds, when no Docker/Podman engine answers.
const noContainerRuntime = /Could not find a working container runtime strategy/;

/** A throwaway Cassandra container, when a container runtime answers; `undefined` when none does. */
async function fromTestcontainers(): Promise<AcquiredCassandra | undefined> {
  const { CassandraContainer } = await import('@testcontainers/cassandra');
  const image = process.env.KASK_TEST_CASSANDRA_IMAGE ?? 'cassandra:5.0';
  try {
    const container = await new CassandraContainer(image)
      .withEnvironment({ MAX_HEAP_SIZE: '768M', HEAP_NEWSIZE: '128M' })
      .start();
    const endpoint: CassandraEndpoint = {
      source: 'testcontainers',
      host: container.getHost(),
      port: container.getPort(),
      localDc: container.getDatacenter(),
      username: container.getUsername(),
      password: container.getPassword(),
    };
    return {
      endpoint,
      release: async () => {
        await container.stop();
      },
    };
  } catch (error) {
    if (error instanceof Error && noContainerRuntime.test(error.message)) return undefined;
    throw error;
  }
}

/** The local JVM node of tools/cassandra; stopped on release only if this call started it. */
async function fromLocalNode(): Promise<AcquiredCassandra> {
  if (!canRunLocalNode()) throw new Error('no Cassandra: set KASK_TEST_CASSANDRA, run a container engine, or install OpenJDK 17');
  const { started, output } = await startNode(defaultNode);
  log(output.trim());
  const endpoint: CassandraEndpoint = {
    source: 'local',
    host: defaultNode.address,
    port: defaultNode.nativePort,
    localDc: defaultNode.dataCentre,
  };
  return {
    endpoint,
    release: async () => {
      if (started) log((await stopNode(defaultNode)).trim());
    },
  };
}

/** Finds a Cassandra, in this order: the environment, testcontainers, the local JVM node. */
export async function acquireCassandra(): Promise<AcquiredCassandra> {
  const external = fromEnvironment();
  if (external !== undefined) {
    log(`using ${external.endpoint.host}:${external.endpoint.port} from KASK_TEST_CASSANDRA`);
    return external;
  }
  const container = await fromTestcontainers();
  if (container !== undefined) {
    log(`using a testcontainers Cassandra on ${container.endpoint.host}:${container.endpoint.port}`);
    return container;
  }
  log('no container runtime; using the local node of tools/cassandra');
  return fromLocalNode();
}
