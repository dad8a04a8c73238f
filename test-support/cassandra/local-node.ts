import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const scripts = join(repo, 'tools/cassandra');
const stateDirectory = process.env.KASK_CASSANDRA_STATE ?? join(repo, '.cassandra');

/** A Cassandra node run by tools/cassandra/start.sh on loopback. */
export interface LocalNode {
  readonly name: string;
  readonly address: string;
  readonly nativePort: number;
  /** The inter-node port: distinct for a node that shares its address with another. */
  readonly storagePort: number;
  readonly dataCentre: string;
  readonly jmxPort: number;
  readonly cluster: string;
  /** `batch` acknowledges a write only after fsync: needed for "every acknowledged write survives kill -9". */
  readonly commitlogSync: 'periodic' | 'batch';
  /** PasswordAuthenticator, superuser cassandra/cassandra. */
  readonly passwordAuth: boolean;
  /**
   * CQL over TLS with client certificates, the node's certificate naming `subjectAltName` (as openssl writes it,
   * e.g. `DNS:localhost`); the certificates are in `tlsDirectory(node)`.
   */
  readonly clientTls: false | { readonly subjectAltName: string };
  /** System properties of the node's JVM (start.sh --property), e.g. how often it measures its disk usage. */
  readonly properties: Readonly<Record<string, string>>;
}

/** The node `npm run cassandra:start` starts: node1 on 127.0.0.1:9042 in datacenter1. */
export const defaultNode: LocalNode = {
  name: 'node1',
  address: '127.0.0.1',
  nativePort: 9042,
  storagePort: 7000,
  dataCentre: 'datacenter1',
  jmxPort: 7199,
  cluster: 'kask-ts',
  commitlogSync: 'periodic',
  passwordAuth: false,
  clientTls: false,
  properties: {},
};

/** Where start.sh keeps the node's configuration, data and logs. */
export function nodeDirectory(node: LocalNode): string {
  return join(stateDirectory, node.name);
}

/** Where start.sh --client-tls puts the node's CA (ca.pem) and a client certificate (client.pem, client.key). */
export function tlsDirectory(node: LocalNode): string {
  return join(nodeDirectory(node), 'tls');
}

/** True when this machine can run a local node (OpenJDK 17 is where start.sh looks for it). */
export function canRunLocalNode(): boolean {
  return existsSync(process.env.KASK_CASSANDRA_JAVA ?? '/usr/lib/jvm/java-17-openjdk-amd64/bin/java');
}

/** The pid of the node's JVM when it is running, from start.sh's pid file. */
export function runningPid(node: LocalNode): number | undefined {
  const pidFile = join(nodeDirectory(node), 'cassandra.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

async function script(name: string, args: readonly string[], timeoutMs: number): Promise<string> {
  try {
    const { stderr } = await run('bash', [join(scripts, name), ...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return stderr;
  } catch (error) {
    const output = typeof error === 'object' && error !== null && 'stderr' in error ? String(error.stderr) : '';
    throw new Error(`tools/cassandra/${name} ${args.join(' ')} failed:\n${output}`, { cause: error });
  }
}

/** What start.sh did: started the node, or found it running (another caller started it and owns it). */
export interface StartReport {
  readonly started: boolean;
  readonly output: string;
}

/** Starts the node (or waits for it when it already runs) until it answers CQL. */
export async function startNode(node: LocalNode): Promise<StartReport> {
  if (!canRunLocalNode())
    throw new Error('OpenJDK 17 is missing: apt-get install -y openjdk-17-jre-headless (or set KASK_CASSANDRA_JAVA)');
  const args = ['--name', node.name, '--address', node.address, '--native-port', String(node.nativePort)];
  args.push('--storage-port', String(node.storagePort));
  args.push('--dc', node.dataCentre, '--jmx-port', String(node.jmxPort), '--cluster', node.cluster);
  args.push('--commitlog-sync', node.commitlogSync);
  if (node.passwordAuth) args.push('--password-auth');
  if (node.clientTls) args.push('--client-tls', '--tls-names', node.clientTls.subjectAltName);
  for (const [name, value] of Object.entries(node.properties)) args.push('--property', `${name}=${value}`);
  // The first run also downloads Cassandra's jars from Maven Central.
  const output = await script('start.sh', args, 9 * 60_000);
  // start.sh serialises concurrent callers with a lock: exactly one of them starts the node, the others say so.
  return { started: !output.includes(`${node.name} already running`), output };
}

/** Runs nodetool against the node (over its JMX port): `flush`, `refreshsizeestimates`, `setguardrailsconfig` ... */
export async function nodetool(node: LocalNode, args: readonly string[]): Promise<void> {
  await script('nodetool.sh', ['--jmx-port', String(node.jmxPort), ...args], 120_000);
}

/** Stops the node: a clean shutdown, or with `kill` a SIGKILL (a crash, for outage tests). */
export function stopNode(node: LocalNode, options: { kill?: boolean } = {}): Promise<string> {
  return script('stop.sh', options.kill ? [node.name, '--kill'] : [node.name], 120_000);
}
