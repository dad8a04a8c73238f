import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import cassandra from 'cassandra-driver';
import { repoRoot } from './paths.js';
import type { CassandraLocation } from './targets.js';

function clientFor(location: CassandraLocation): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [`${location.host}:${location.port}`],
    localDataCenter: location.dataCentre,
    socketOptions: { connectTimeout: 3000, readTimeout: 10_000 },
  });
}

/** Whether a Cassandra node answers CQL at `location` within a few seconds. */
export async function cassandraAnswers(location: CassandraLocation): Promise<boolean> {
  const client = clientFor(location);
  try {
    await client.execute('SELECT release_version FROM system.local');
    return true;
  } catch {
    return false;
  } finally {
    await client.shutdown().catch(() => {});
  }
}

/** Creates the benchmark's keyspace (one replica in the local data centre) and Kask's table, with kask-ts's schema module. */
export async function ensureBenchSchema(location: CassandraLocation): Promise<void> {
  const url = pathToFileURL(join(repoRoot, 'server/dist/storage/cassandra/schema.js')).href;
  const { schemaCql } = (await import(url)) as typeof import('../../server/src/storage/cassandra/schema.js');
  const client = clientFor(location);
  try {
    const statements = schemaCql({
      keyspace: location.keyspace,
      table: location.table,
      replication: { [location.dataCentre]: 1 },
    });
    for (const statement of statements) await client.execute(statement);
  } finally {
    await client.shutdown().catch(() => {});
  }
}
