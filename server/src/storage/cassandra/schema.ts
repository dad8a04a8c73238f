import type { CassandraConnectionOptions } from './client.js';

/** Kask's keyspace and table, and how many replicas each data centre keeps (NetworkTopologyStrategy). */
export interface SchemaOptions {
  readonly keyspace: string;
  readonly table: string;
  /** Replicas per data centre, e.g. `{ dc1: 3, dc2: 3 }`. */
  readonly replication: Readonly<Record<string, number>>;
}

/** A CQL quoted identifier, as Kask writes its keyspace and table names (`"%s"."%s"`: case kept, no folding). */
export function quoteIdentifier(name: string): string {
  if (name === '') throw new RangeError('a keyspace or table name must not be empty');
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"keyspace"."table"`, exactly as Kask names the table in its statements. */
export function qualifiedTableName(keyspace: string, table: string): string {
  return `${quoteIdentifier(keyspace)}.${quoteIdentifier(table)}`;
}

function quoteString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Reads replication written as `dc1=3,dc2=3` (as a command line gives it). */
export function parseReplication(text: string): Record<string, number> {
  const replication: Record<string, number> = {};
  for (const entry of text.split(',')) {
    const match = /^\s*([^=\s]+)\s*=\s*(\d+)\s*$/.exec(entry);
    if (match?.[1] === undefined || match[2] === undefined) {
      throw new RangeError(`replication: expected data-centre=replicas, e.g. dc1=3,dc2=3; got '${entry.trim()}'`);
    }
    if (Object.hasOwn(replication, match[1])) throw new RangeError(`replication: ${match[1]} is given more than once`);
    replication[match[1]] = Number(match[2]);
  }
  return replication;
}

/** `CREATE KEYSPACE IF NOT EXISTS` with NetworkTopologyStrategy and the given replicas per data centre. */
export function keyspaceCql(keyspace: string, replication: SchemaOptions['replication']): string {
  const dataCentres = Object.entries(replication);
  if (dataCentres.length === 0) throw new RangeError('replication: name at least one data centre, e.g. dc1=3');
  for (const [dataCentre, replicas] of dataCentres) {
    if (dataCentre === '') throw new RangeError('replication: a data centre name must not be empty');
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new RangeError(`replication: ${dataCentre} needs a whole number of replicas of at least 1, got ${replicas}`);
    }
  }
  const factors = dataCentres.map(([dataCentre, replicas]) => `${quoteString(dataCentre)}: ${replicas}`).join(', ');
  return `CREATE KEYSPACE IF NOT EXISTS ${quoteIdentifier(keyspace)} WITH replication = {'class': 'NetworkTopologyStrategy', ${factors}}`;
}

/** `CREATE TABLE IF NOT EXISTS` with Kask's columns: `key text PRIMARY KEY, value blob`. */
export function tableCql(keyspace: string, table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualifiedTableName(keyspace, table)} (key text PRIMARY KEY, value blob)`;
}

/** `TRUNCATE`: removes every row of the table, on every node (it fails unless every node is up). */
export function truncateCql(keyspace: string, table: string): string {
  return `TRUNCATE ${qualifiedTableName(keyspace, table)}`;
}

/** The statements that create the keyspace and the table, in order. */
export function schemaCql(schema: SchemaOptions): readonly string[] {
  return [keyspaceCql(schema.keyspace, schema.replication), tableCql(schema.keyspace, schema.table)];
}

/**
 * Creates the keyspace and the table on the cluster (statements that exist already change nothing; an existing
 * keyspace keeps its replication: change that with ALTER KEYSPACE). Fails at once when Cassandra is down.
 */
export function applySchema(connection: CassandraConnectionOptions, schema: SchemaOptions): Promise<void> {
  return applyStatements(connection, schemaCql(schema));
}

/** Runs schema statements on the cluster, in order. Fails at once when Cassandra is down. */
export async function applyStatements(connection: CassandraConnectionOptions, statements: readonly string[]): Promise<void> {
  // Loaded here: a process that only needs the statements' text (the embedded store's) never loads the driver.
  const { connectCassandra } = await import('./client.js');
  const client = await connectCassandra(connection);
  try {
    // The driver waits for schema agreement after each change, so the table exists on every node afterwards.
    for (const statement of statements) await client.execute(statement);
  } finally {
    await client.shutdown();
  }
}
