import { randomUUID } from 'node:crypto';
import type { Client } from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CassandraStorage } from '../../src/storage/cassandra/cassandra.js';
import { connectCassandra } from '../../src/storage/cassandra/client.js';
import { applySchema, qualifiedTableName } from '../../src/storage/cassandra/schema.js';
import { openReady } from './storage-helpers.js';
import { cassandraTarget, testOptions } from './target.js';

const target = cassandraTarget();

describe('cassandra: warming up', () => {
  const table = `warm_${randomUUID().slice(0, 8)}`;
  let storage: CassandraStorage;
  let client: Client;

  beforeAll(async () => {
    const options = testOptions(target, { table });
    await applySchema(options, { keyspace: target.keyspace, table, replication: { [target.endpoint.localDc]: 1 } });
    client = await connectCassandra(options);
    storage = await openReady(options);
  });
  afterAll(async () => {
    await Promise.all([client?.shutdown(), storage?.close()]);
  });

  it('prepares every statement of the table on the node, and writes nothing', async () => {
    await storage.warm();
    const qualified = qualifiedTableName(target.keyspace, table);
    const prepared = (await client.execute('SELECT query_string FROM system.prepared_statements')).rows
      .map((row) => String(row.get('query_string')))
      .filter((query) => query.includes(qualified));
    // get and readSerial, set, delete, add, compareAndSet, compareAndDelete.
    expect(new Set(prepared).size).toBe(7);
    expect((await client.execute(`SELECT key FROM ${qualified}`)).rowLength).toBe(0);
  });
});
