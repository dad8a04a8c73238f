import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalNode, nodeDirectory, runningPid, startNode, stopNode } from '../../../test-support/cassandra/local-node.js';
import { type CassandraStorage, openCassandraStorage } from '../../src/storage/cassandra/cassandra.js';
import { applySchema } from '../../src/storage/cassandra/schema.js';
import { StorageError } from '../../src/storage/storage.js';
import { uniqueKey } from '../storage/conformance.js';
import { sleep, storageErrorOf, untilReady } from './storage-helpers.js';
import { cassandraTarget, testOptions } from './target.js';

const target = cassandraTarget();

// Outages get a node of their own, so that killing it disturbs no other test: 127.0.0.3, in its own cluster.
const outageNode: LocalNode = {
  name: 'outage-test',
  address: '127.0.0.3',
  nativePort: 9042,
  storagePort: 7000,
  dataCentre: 'datacenter1',
  jmxPort: 7299,
  cluster: 'kask-ts-outage-test',
  passwordAuth: false,
  clientTls: false,
  // With one replica, only a write fsynced before its acknowledgement survives kill -9 (periodic mode may
  // lose the last few; in production the other replicas of the quorum keep them).
  commitlogSync: 'batch',
  properties: {},
};

describe('cassandra: outages (a node of its own on 127.0.0.3)', () => {
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
    rmSync(nodeDirectory(outageNode), { recursive: true, force: true });
  }, 60_000);
  afterAll(async () => {
    await storage?.close();
    await stopNode(outageNode);
    rmSync(nodeDirectory(outageNode), { recursive: true, force: true });
  }, 120_000);

  it('opens while Cassandra is down, answers unavailable at once, and serves once Cassandra is up', async () => {
    const opened = openCassandraStorage(options, pino({ level: 'silent' }));
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
    expect((await opened.get(key))?.value.toString()).toBe('after recovery');
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
    expect((await storageErrorOf(backend.ping())).kind).toBe('unavailable');
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
          const value = (await backend.get(key))?.value;
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

  it('a node that stops answering (SIGSTOP) fails requests as unavailable, never later than the query timeout, and serves after SIGCONT', async () => {
    if (storage === undefined) throw new Error('the first test did not open the backend');
    const backend = storage;
    const pid = runningPid(outageNode);
    if (pid === undefined) throw new Error('the outage node is not running');
    const key = uniqueKey('sigstop');
    process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const errors = await Promise.all([backend.set(key, Buffer.from('v'), 60), backend.get(key)].map(storageErrorOf));
      const elapsedMs = Date.now() - started;
      console.info(`[outage] SIGSTOP: both requests failed as ${errors.map((e) => e.kind).join(', ')} after ${elapsedMs} ms`);
      expect(errors.map((error) => error.kind)).toEqual(['unavailable', 'unavailable']);
      // Not hung: at most the query timeout (at once when the driver already knows the node is down).
      expect(elapsedMs).toBeLessThan(2 * options.queryTimeoutMs);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const recoveryMs = await untilReady(backend, 30_000);
    await backend.set(key, Buffer.from('after SIGCONT'), 60);
    expect((await backend.get(key))?.value.toString()).toBe('after SIGCONT');
    console.info(`[outage] SIGCONT: the backend answered again after ${recoveryMs} ms`);
  }, 60_000);
});
