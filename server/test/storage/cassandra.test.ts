import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client, types } from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { applySchema, qualifiedTableName } from '../../src/schema.js';
import { type CassandraOptions, type CassandraStorage, openCassandraStorage } from '../../src/storage/cassandra.js';
import { connectCassandra } from '../../src/storage/cassandra-client.js';
import { type Storage, StorageError } from '../../src/storage/storage.js';
import { canRunLocalNode, type LocalNode, startNode, stateDirectory, stopNode } from '../cassandra/local-node.js';
import { cassandraTarget, testOptions } from '../cassandra/target.js';
import { describeStorageConformance, uniqueKey } from './conformance.js';

const target = cassandraTarget();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls ping until the backend answers; returns how long that took. */
async function untilReady(storage: Storage, deadlineMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await storage.ping();
      return Date.now() - started;
    } catch (error) {
      if (Date.now() - started > deadlineMs) throw error;
      await sleep(100);
    }
  }
}

async function openReady(options: CassandraOptions): Promise<CassandraStorage> {
  const storage = openCassandraStorage(options);
  await untilReady(storage, 30_000);
  return storage;
}

/** The rejection of `operation`, which must be a StorageError. */
async function storageErrorOf(operation: Promise<unknown>): Promise<StorageError> {
  const error: unknown = await operation.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof StorageError)) throw new Error(`expected a StorageError, got ${String(error)}`);
  return error;
}

describeStorageConformance(`cassandra (${target.endpoint.source})`, () => openReady(testOptions(target)));

describe('cassandra: Kask compatibility', () => {
  // Kask's statements, verbatim from its storage.go (with its keyspace and table quoting).
  const kaskInsert = (table: string) => `INSERT INTO ${table} (key, value) VALUES (?,?) USING TTL ?`;
  const kaskSelect = (table: string) => `SELECT value, TTL(value) as ttl FROM ${table} WHERE key = ?`;
  const kaskOptions = { prepare: true, consistency: types.consistencies.localQuorum };
  const mixedCaseTable = 'Sessions';
  let kask: Client;
  let storage: CassandraStorage;
  let mixedCaseStorage: CassandraStorage;

  beforeAll(async () => {
    const options = testOptions(target);
    await applySchema(options, {
      keyspace: target.keyspace,
      table: mixedCaseTable,
      replication: { [target.endpoint.localDc]: 1 },
    });
    kask = await connectCassandra(options);
    storage = await openReady(options);
    mixedCaseStorage = await openReady(testOptions(target, { table: mixedCaseTable }));
  });
  afterAll(async () => {
    await Promise.all([kask?.shutdown(), storage?.close(), mixedCaseStorage?.close()]);
  });

  it("a row written with Kask's INSERT is read through the backend", async () => {
    const key = uniqueKey('kask-wrote');
    const value = Buffer.from([0, 1, 2, 254, 255]);
    await kask.execute(kaskInsert(qualifiedTableName(target.keyspace, target.table)), [key, value, 3600], kaskOptions);
    expect(await storage.get(key)).toEqual(value);
  });

  it("a row written by the backend is read with Kask's SELECT, with the TTL given to set", async () => {
    const key = uniqueKey('kask-reads');
    const value = Buffer.from('enwiki:MWSession value');
    await storage.set(key, value, 3600);
    const row = (await kask.execute(kaskSelect(qualifiedTableName(target.keyspace, target.table)), [key], kaskOptions)).first();
    expect(row.get('value')).toEqual(value);
    expect(row.get('ttl')).toBeGreaterThan(3590);
    expect(row.get('ttl')).toBeLessThanOrEqual(3600);
  });

  it('a write with ttl 0 has no TTL in Cassandra (it never expires)', async () => {
    const key = uniqueKey('ttl0');
    await storage.set(key, Buffer.from('forever'), 0);
    const row = (await kask.execute(kaskSelect(qualifiedTableName(target.keyspace, target.table)), [key], kaskOptions)).first();
    expect(row.get('ttl')).toBeNull();
  });

  it('a table whose name needs quoting is the one Kask would use', async () => {
    const key = uniqueKey('mixed-case');
    const table = qualifiedTableName(target.keyspace, mixedCaseTable);
    expect(table).toBe(`"${target.keyspace}"."Sessions"`);
    await kask.execute(kaskInsert(table), [key, Buffer.from('from Kask'), 60], kaskOptions);
    expect((await mixedCaseStorage.get(key))?.toString()).toBe('from Kask');
    await mixedCaseStorage.set(key, Buffer.from('from kask-ts'), 60);
    expect((await kask.execute(kaskSelect(table), [key], kaskOptions)).first().get('value').toString()).toBe('from kask-ts');
    expect(await storage.get(key)).toBeUndefined();
  });

  it('reads and writes ask for LOCAL_QUORUM, deletes for EACH_QUORUM', async () => {
    // One node cannot tell the levels apart; the two-data-centre tests show what they mean.
    const execute = vi.spyOn(Client.prototype, 'execute');
    try {
      const key = uniqueKey('consistency');
      await storage.set(key, Buffer.from('v'), 60);
      await storage.get(key);
      await storage.delete(key);
      const calls: readonly unknown[][] = execute.mock.calls;
      const levels = calls.map(([query, , options]) => [
        String(query).split(' ')[0],
        typeof options === 'object' && options !== null && 'consistency' in options ? options.consistency : undefined,
      ]);
      expect(levels).toEqual([
        ['INSERT', types.consistencies.localQuorum],
        ['SELECT', types.consistencies.localQuorum],
        ['DELETE', types.consistencies.eachQuorum],
      ]);
    } finally {
      execute.mockRestore();
    }
  });
});

// Outages get a node of their own, so that killing it disturbs no other test: 127.0.0.3, in its own cluster.
const outageNode: LocalNode = {
  name: 'outage-test',
  address: '127.0.0.3',
  nativePort: 9042,
  dataCentre: 'datacenter1',
  jmxPort: 7299,
  cluster: 'kask-ts-outage-test',
  // With one replica, only a write fsynced before its acknowledgement survives kill -9 (periodic mode may
  // lose the last few; in production the other replicas of the quorum keep them).
  commitlogSync: 'batch',
};

describe.skipIf(!canRunLocalNode())('cassandra: outages (a node of its own on 127.0.0.3)', () => {
  const options = testOptions(target, {
    hosts: [outageNode.address],
    port: outageNode.nativePort,
    localDc: outageNode.dataCentre,
    username: undefined,
    password: undefined,
  });
  const schema = { keyspace: options.keyspace, table: options.table, replication: { [outageNode.dataCentre]: 1 } };
  let storage: CassandraStorage | undefined;

  beforeAll(async () => {
    // A node left over from an interrupted run would make "start while down" meaningless.
    await stopNode(outageNode, { kill: true });
    rmSync(join(stateDirectory, outageNode.name), { recursive: true, force: true });
  }, 60_000);
  afterAll(async () => {
    await storage?.close();
    await stopNode(outageNode);
    rmSync(join(stateDirectory, outageNode.name), { recursive: true, force: true });
  }, 120_000);

  it('opens while Cassandra is down, answers unavailable at once, and serves once Cassandra is up', async () => {
    const opened = openCassandraStorage(options);
    storage = opened;
    const key = uniqueKey('start-while-down');

    const started = Date.now();
    const error = await storageErrorOf(opened.set(key, Buffer.from('v'), 60));
    expect(Date.now() - started).toBeLessThan(100);
    expect(error.kind).toBe('unavailable');
    expect(error.message).not.toContain(key);
    expect((await storageErrorOf(opened.ping())).kind).toBe('unavailable');
    expect((await storageErrorOf(opened.get(key))).kind).toBe('unavailable');

    await sleep(3000); // several failed connection attempts before Cassandra appears
    await startNode(outageNode);
    await applySchema(options, schema);
    const recoveryMs = await untilReady(opened, 30_000);
    console.info(`[outage] start-while-down: the backend answered ${recoveryMs} ms after the node answered CQL`);

    await opened.set(key, Buffer.from('after recovery'), 60);
    expect((await opened.get(key))?.toString()).toBe('after recovery');
  }, 180_000);

  it('a kill -9 of the node during a bounded write loop: failures are unavailable and quick, every acknowledged write survives', async () => {
    if (storage === undefined) throw new Error('the previous test did not open the backend');
    const backend = storage;
    const acknowledged = new Map<string, Buffer>();
    const failures: { kind: string; ms: number }[] = [];
    let restartedAt = Number.POSITIVE_INFINITY;
    let acknowledgedAfterRestart = 0;
    let firstAcknowledgedAfterRestart = Number.NaN;
    let writing = true;

    async function writer(id: number): Promise<void> {
      for (let i = 0; writing; i++) {
        const key = uniqueKey(`kill-${id}-${i}`);
        const value = Buffer.from(`value ${id} ${i}`);
        const started = Date.now();
        try {
          await backend.set(key, value, 3600);
          acknowledged.set(key, value);
          if (started >= restartedAt) {
            acknowledgedAfterRestart++;
            if (Number.isNaN(firstAcknowledgedAfterRestart)) firstAcknowledgedAfterRestart = Date.now() - restartedAt;
          }
          await sleep(10);
        } catch (error) {
          failures.push({ kind: error instanceof StorageError ? error.kind : String(error), ms: Date.now() - started });
          await sleep(50);
        }
      }
    }

    const writers = Array.from({ length: 4 }, (_, id) => writer(id));
    await sleep(2000);
    const acknowledgedBeforeKill = acknowledged.size;
    await stopNode(outageNode, { kill: true });
    await sleep(2000);
    const restartStarted = Date.now();
    await startNode(outageNode);
    restartedAt = Date.now();
    const restartMs = restartedAt - restartStarted;
    const deadline = restartedAt + 30_000;
    while (acknowledgedAfterRestart < 100 && Date.now() < deadline) await sleep(100);
    writing = false;
    await Promise.all(writers);

    const unreadable: string[] = [];
    const keys = [...acknowledged.keys()];
    for (let i = 0; i < keys.length; i += 200) {
      await Promise.all(
        keys.slice(i, i + 200).map(async (key) => {
          const value = await backend.get(key);
          if (value === undefined || !value.equals(acknowledged.get(key) ?? Buffer.alloc(0))) unreadable.push(key);
        }),
      );
    }
    const slowestFailureMs = Math.max(...failures.map((failure) => failure.ms));
    console.info(
      `[outage] kill -9: ${acknowledged.size} writes acknowledged (${acknowledgedBeforeKill} before the kill, ` +
        `${acknowledgedAfterRestart} after the restart), ${failures.length} failed (slowest ${slowestFailureMs} ms), ` +
        `node restart ${restartMs} ms, first write acknowledged ${firstAcknowledgedAfterRestart} ms after the node answered CQL, ` +
        `${unreadable.length} acknowledged writes unreadable`,
    );

    expect(acknowledgedBeforeKill).toBeGreaterThan(0);
    expect(failures.length).toBeGreaterThan(0);
    expect(new Set(failures.map((failure) => failure.kind))).toEqual(new Set(['unavailable']));
    expect(slowestFailureMs).toBeLessThan(options.queryTimeoutMs + 1000);
    expect(acknowledgedAfterRestart).toBeGreaterThanOrEqual(100);
    expect(unreadable).toEqual([]);
  }, 180_000);
});
