import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import cassandra from 'cassandra-driver';

const run = promisify(execFile);
const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const script = join(repo, 'tools/cassandra/two-dc.sh');

/** A data centre of the two-DC cluster: its only Cassandra node. */
export interface DataCentre {
  readonly node: string;
  readonly address: string;
  readonly nativePort: number;
  readonly jmxPort: number;
}

export type DataCentreName = 'dc1' | 'dc2';

/** The cluster tools/cassandra/two-dc.sh runs; the script is the one place that defines it. */
export interface TwoDcTopology {
  readonly cluster: string;
  readonly keyspace: string;
  readonly table: string;
  /** Where start.sh keeps each node's state (`<state>/<node>/`). */
  readonly state: string;
  readonly dataCentres: Readonly<Record<DataCentreName, DataCentre>>;
}

export const topology: TwoDcTopology = JSON.parse(execFileSync('bash', [script, 'topology'], { encoding: 'utf8' }));

/** The other data centre. */
export function otherThan(dc: DataCentreName): DataCentreName {
  return dc === 'dc1' ? 'dc2' : 'dc1';
}

/** Runs two-dc.sh; returns what it reported (stderr) and how long it took, or fails with its output. */
async function twoDc(args: readonly string[], timeoutMs: number): Promise<{ output: string; ms: number }> {
  const started = Date.now();
  try {
    const { stderr } = await run('bash', [script, ...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return { output: stderr, ms: Date.now() - started };
  } catch (error) {
    const output = typeof error === 'object' && error !== null && 'stderr' in error ? String(error.stderr) : '';
    throw new Error(`tools/cassandra/two-dc.sh ${args.join(' ')} failed:\n${output}`, { cause: error });
  }
}

/** A new, empty cluster: leftovers of an earlier run are killed and deleted, both nodes start, the keyspace is made. */
export function startFreshCluster(): Promise<{ output: string; ms: number }> {
  return twoDc(['start', '--fresh'], 9 * 60_000);
}

/** Starts both nodes again on their existing data. */
export function startCluster(): Promise<{ output: string; ms: number }> {
  return twoDc(['start'], 9 * 60_000);
}

/** Stops both nodes (a clean shutdown unless `kill`); nodes that are not running are left alone. */
export function stopCluster(options: { kill?: boolean } = {}): Promise<{ output: string; ms: number }> {
  return twoDc(options.kill ? ['stop', '--kill'] : ['stop'], 3 * 60_000);
}

/** Starts one data centre's node. */
export function startDataCentre(dc: DataCentreName): Promise<{ output: string; ms: number }> {
  return twoDc(['start-node', dc], 9 * 60_000);
}

/** Stops one data centre's node with a clean shutdown, which the other node hears of at once by gossip. */
export function stopDataCentre(dc: DataCentreName): Promise<{ output: string; ms: number }> {
  return twoDc(['stop-node', dc], 3 * 60_000);
}

function nodeDirectory(dc: DataCentreName): string {
  return join(topology.state, topology.dataCentres[dc].node);
}

/** Deletes both nodes' state (they must be stopped). */
export function removeClusterState(): void {
  for (const dc of ['dc1', 'dc2'] as const) rmSync(nodeDirectory(dc), { recursive: true, force: true });
}

/** The pid of the data centre's JVM, checked against its command line (a stale pid may be anything by now). */
function nodePid(dc: DataCentreName): number | undefined {
  const pidFile = join(nodeDirectory(dc), 'cassandra.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return commandLine.includes(`-Dcassandra.config=file://${nodeDirectory(dc)}/conf/cassandra.yaml`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Freezes the data centre's node (SIGSTOP): it keeps its connections open and answers nothing, as behind a
 * network partition. The other node finds out only when its failure detector convicts this one.
 */
export async function freezeDataCentre(dc: DataCentreName): Promise<void> {
  const pid = nodePid(dc);
  if (pid === undefined) throw new Error(`the ${dc} node is not running`);
  process.kill(pid, 'SIGSTOP');
  // kill() returns before the JVM's threads have stopped: on a loaded machine one of them once answered a
  // request after it (CI saw a DELETE acknowledged by the "frozen" node 22 ms later).
  const deadline = Date.now() + 5000;
  while (!everyThreadStopped(pid)) {
    if (Date.now() > deadline) throw new Error(`the ${dc} node (pid ${pid}) did not stop within 5 s of SIGSTOP`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether every thread of the process is in the stopped state (`T` in /proc/<pid>/task/<tid>/stat). */
function everyThreadStopped(pid: number): boolean {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    throw new Error(`the node (pid ${pid}) exited while it was being frozen`);
  }
  return threads.every((tid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return stat.charAt(stat.lastIndexOf(')') + 2) === 'T';
    } catch {
      return true; // the thread exited
    }
  });
}

/** Lets a frozen node run again (SIGCONT); harmless on a node that runs. */
export function thawDataCentre(dc: DataCentreName): void {
  const pid = nodePid(dc);
  if (pid !== undefined) process.kill(pid, 'SIGCONT');
}

/** The node's Cassandra log (INFO and above). */
export function systemLog(dc: DataCentreName): string {
  const path = join(nodeDirectory(dc), 'logs/system.log');
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/**
 * The log lines in which `from`'s node reports a hint file for `to`'s node delivered completely (Cassandra 5.0's
 * HintsDispatchExecutor: "Finished hinted handoff of file <host id>-... to endpoint /<ip>:7000: <host id>"; a
 * dispatch that failed half-way logs the same words followed by ", partially", and is not counted).
 */
export function hintedHandoffsLogged(from: DataCentreName, to: DataCentreName): string[] {
  const endpoint = `to endpoint /${topology.dataCentres[to].address}:`;
  return systemLog(from)
    .split('\n')
    .filter((line) => line.includes('Finished hinted handoff of file') && line.includes(endpoint))
    .filter((line) => !line.trimEnd().endsWith('partially'));
}

/** Runs one query on the data centre's node alone, through a client opened and shut down for it. */
async function onNode<T>(dc: DataCentreName, query: (client: cassandra.Client) => Promise<T>): Promise<T> {
  const { address, nativePort } = topology.dataCentres[dc];
  const client = new cassandra.Client({
    contactPoints: [`${address}:${nativePort}`],
    localDataCenter: dc,
    socketOptions: { connectTimeout: 5000, readTimeout: 10_000 },
  });
  try {
    return await query(client);
  } finally {
    await client.shutdown();
  }
}

/** The host id of the data centre's node, from the node itself. */
export function hostIdOf(dc: DataCentreName): Promise<string> {
  return onNode(dc, async (client) => String((await client.execute('SELECT host_id FROM system.local')).first()?.get('host_id')));
}

/** The replication of the keyspace, as the data centre's node has it (`{ class, dc1: '1', dc2: '1' }`). */
export function keyspaceReplication(dc: DataCentreName): Promise<Record<string, string>> {
  return onNode(dc, async (client) => {
    const row = (
      await client.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [topology.keyspace])
    ).first();
    return (row?.get('replication') as Record<string, string> | undefined) ?? {};
  });
}

/** The configuration of a kask-ts server in `dc`: Kask's keys, reads and writes served by `dc`'s node. */
export function serverConfig(dc: DataCentreName): Record<string, unknown> {
  const { address, nativePort } = topology.dataCentres[dc];
  return {
    service_name: `kask-${dc}`,
    storage: 'cassandra',
    workers: 1,
    cassandra: { hosts: [address], port: nativePort, keyspace: topology.keyspace, table: topology.table, local_dc: dc },
  };
}
