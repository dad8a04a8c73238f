import { types } from 'cassandra-driver';
import type { Logger } from 'pino';
import type { Holding } from '../quotas.js';
import type { Census } from '../storage.js';
import { type CassandraConnectionOptions, connectLocally, type LocalClient } from './client.js';
import { describe, reasonOf } from './errors.js';

// What each table holds, from Cassandra's own size estimates: never a scan of a table. Each node records, for each
// table, the partitions of its sstables and their mean size in its token ranges (system.table_estimates, Cassandra
// 4.0 and later), every `cassandra.size_recorder_interval` seconds (5 minutes by default). Its `local_primary` ranges
// are those from the previous token of its own data centre to its own: the nodes of one data centre cover the ring
// once between them, so the sum over the local data centre's nodes counts each partition once, whatever the
// replication factor and however many other data centres there are. How exact that is: docs/operators/storage-limits.md.

// NOTE: table_estimates is readable by any role that can log in (as system.local and system.peers are).
const estimatesCql =
  'SELECT table_name, range_type, mean_partition_size, partitions_count FROM system.table_estimates WHERE keyspace_name = ?';

/** What one node estimates it holds of each table, in its local primary ranges, from its rows of table_estimates. */
export function nodeEstimates(rows: readonly types.Row[]): Map<string, Holding> {
  const byTable = new Map<string, Holding>();
  for (const row of rows) {
    if (row.get('range_type') !== 'local_primary') continue;
    const table = String(row.get('table_name'));
    const partitions = numberOf(row.get('partitions_count'));
    const meanBytes = numberOf(row.get('mean_partition_size'));
    const held = byTable.get(table) ?? { bytes: 0, keys: 0 };
    byTable.set(table, { bytes: held.bytes + partitions * meanBytes, keys: held.keys + partitions });
  }
  return byTable;
}

/** A bigint column's value (the driver's Long) as a number; 0 for null. */
function numberOf(value: unknown): number {
  if (value instanceof types.Long) return value.toNumber();
  return typeof value === 'number' ? value : 0;
}

/**
 * A table's census from its estimates: keys and bytes only. Cassandra keeps no count of the bytes written to a table,
 * and the filesystems are the nodes', not this machine's.
 */
export function censusOf(held: Holding | undefined): Census | undefined {
  return held === undefined ? undefined : { ...held, estimated: true, writtenBytes: undefined, filesystem: undefined };
}

/**
 * Each table's estimates summed over the `localNodes` nodes of the local data centre, of which `nodes` were read; a
 * table no node has estimated yet is absent. A node not read (down, or not answering since the service started)
 * counts as the mean of those read: the nodes' primary ranges split the ring about evenly, and counting it as
 * nothing would let a quota be passed while a node is down.
 */
export function summed(nodes: readonly ReadonlyMap<string, Holding>[], localNodes = nodes.length): Map<string, Holding> {
  const byTable = new Map<string, Holding>();
  for (const node of nodes) {
    for (const [table, held] of node) {
      const sum = byTable.get(table) ?? { bytes: 0, keys: 0 };
      byTable.set(table, { bytes: sum.bytes + held.bytes, keys: sum.keys + held.keys });
    }
  }
  const scale = nodes.length === 0 ? 1 : Math.max(1, localNodes / nodes.length);
  for (const [table, { bytes, keys }] of byTable) {
    byTable.set(table, { bytes: Math.round(bytes * scale), keys: Math.round(keys * scale) });
  }
  return byTable;
}

/**
 * The local data centre's nodes that answer, each with its estimates, the errors of those that did not (a node the
 * driver holds down is one, unasked), and how many nodes the local data centre has.
 */
async function readLocalNodes(
  local: LocalClient,
  keyspace: string,
): Promise<{ readonly byNode: Map<string, Map<string, Holding>>; readonly failures: unknown[]; readonly nodes: number }> {
  const nodes = local.client.hosts.values().filter((host) => host.datacenter === local.localDataCentre);
  const byNode = new Map<string, Map<string, Holding>>();
  const failures: unknown[] = [];
  await Promise.all(
    nodes.map(async (host) => {
      if (!host.isUp()) {
        failures.push(new Error(`the node ${host.address} is down`));
        return;
      }
      try {
        // `host`: the node's own table, not a coordinator's.
        const result = await local.client.execute(estimatesCql, [keyspace], {
          host,
          prepare: true,
          isIdempotent: true,
          consistency: types.consistencies.localOne,
        });
        byNode.set(host.address, nodeEstimates(result.rows));
      } catch (error) {
        failures.push(error);
      }
    }),
  );
  return { byNode, failures, nodes: nodes.length };
}

/** What each table of `keyspace` holds by the local data centre's estimates, read once (`kask-ts stats`). */
export async function readEstimates(connection: CassandraConnectionOptions, keyspace: string): Promise<Map<string, Holding>> {
  const local = await connectLocally(connection);
  try {
    const { byNode, failures, nodes } = await readLocalNodes(local, keyspace);
    if (byNode.size === 0 && failures.length > 0) throw failures[0];
    return summed([...byNode.values()], nodes);
  } finally {
    await local.client.shutdown();
  }
}

/**
 * The size estimates of every table of a keyspace, read from each node of the local data centre at once and then
 * every `intervalMs`. A node that does not answer keeps its last reading (none read yet: counted as the mean of
 * the others); a node that has left the cluster is
 * forgotten. Logs on `log` when a reading fails (once a reason), and when readings succeed again.
 */
export class SizeEstimates {
  readonly #keyspace: string;
  readonly #intervalMs: number;
  readonly #log: Logger;
  readonly #byNode = new Map<string, Map<string, Holding>>();
  #byTable = new Map<string, Holding>();
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> | undefined;
  #stopped = false;
  #loggedReason: string | undefined;

  constructor(keyspace: string, intervalMs: number, log: Logger) {
    this.#keyspace = keyspace;
    this.#intervalMs = intervalMs;
    this.#log = log;
  }

  /** What `table` holds by the last readings; undefined until a node has estimated it. */
  of(table: string): Holding | undefined {
    return this.#byTable.get(table);
  }

  /** Reads now, and then on the interval, until stopped. */
  start(local: LocalClient): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setInterval(() => this.#read(local), this.#intervalMs).unref();
    this.#read(local);
  }

  /** Stops reading, once the reading under way (if any) has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#reading;
  }

  #read(local: LocalClient): void {
    // A reading slower than the interval is not run twice at once.
    this.#reading ??= this.#readOnce(local).finally(() => {
      this.#reading = undefined;
    });
  }

  async #readOnce(local: LocalClient): Promise<void> {
    const { byNode, failures, nodes } = await readLocalNodes(local, this.#keyspace);
    const known = new Set(local.client.hosts.values().map((host) => host.address));
    for (const address of this.#byNode.keys()) if (!known.has(address)) this.#byNode.delete(address);
    for (const [address, estimates] of byNode) this.#byNode.set(address, estimates);
    this.#byTable = summed([...this.#byNode.values()], nodes);
    const [failure] = failures;
    if (failure === undefined) {
      if (this.#loggedReason !== undefined) this.#log.info('cassandra: size estimates read again');
      this.#loggedReason = undefined;
      return;
    }
    const reason = reasonOf(failure);
    if (reason !== this.#loggedReason) {
      this.#log.warn(
        { reason, err: describe(failure), nodes: failures.length },
        'cassandra: cannot read the size estimates of some nodes; the census and quotas use their last reading, or count them as the mean of the others',
      );
      this.#loggedReason = reason;
    }
  }
}
