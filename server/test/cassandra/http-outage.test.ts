import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalNode, nodeDirectory, startNode, stopNode } from '../../../test-support/cassandra/local-node.js';
import {
  removeServerDirectory,
  type ServerProcess,
  startServer,
  untilStorageAnswers,
} from '../../../test-support/server-process.js';
import { problems } from '../../src/generated/contract.js';
import { applySchema } from '../../src/storage/cassandra/schema.js';
import { sleep } from './storage-helpers.js';

// The service over HTTP through a Cassandra outage, on a node of its own (127.0.0.7) that can be killed.
const node: LocalNode = {
  name: 'http-outage-test',
  address: '127.0.0.7',
  nativePort: 9042,
  storagePort: 7000,
  dataCentre: 'datacenter1',
  jmxPort: 7799,
  cluster: 'kask-ts-http-outage-test',
  passwordAuth: false,
  clientTls: false,
  // Acknowledged only after fsync, so that "every 201 survives kill -9" holds with a single replica.
  commitlogSync: 'batch',
  properties: {},
};
const cassandra = {
  hosts: [node.address],
  port: node.nativePort,
  keyspace: 'kask_http_outage',
  table: 'values',
  local_dc: node.dataCentre,
  query_timeout_ms: 3000,
  connect_timeout_ms: 2000,
};
const requestDeadlineMs = 2 * cassandra.query_timeout_ms + 2000;

async function createSchema(): Promise<void> {
  await applySchema(
    { hosts: cassandra.hosts, port: cassandra.port, localDc: cassandra.local_dc, queryTimeoutMs: 30000, connectTimeoutMs: 10000 },
    { keyspace: cassandra.keyspace, table: cassandra.table, replication: { [node.dataCentre]: 1 } },
  );
}

/** A request that must be answered (not hang): it fails the test past the deadline. */
function bounded(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(requestDeadlineMs) });
}

describe('cassandra over HTTP: outages (a node of its own on 127.0.0.7)', () => {
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    await stopNode(node, { kill: true });
    rmSync(nodeDirectory(node), { recursive: true, force: true });
  }, 60_000);
  afterAll(async () => {
    if (server !== undefined) {
      await server.stop();
      removeServerDirectory(server);
    }
    await stopNode(node);
    rmSync(nodeDirectory(node), { recursive: true, force: true });
  }, 120_000);

  it('starts while Cassandra is down, answers 503 with Retry-After and /readyz 503, and serves once it is up, without a restart', async () => {
    server = await startServer({ storage: 'cassandra', cassandra });
    const key = `${server.baseUrl}started-while-down`;
    for (const init of [{ method: 'POST', body: 'v' }, { method: 'GET' }, { method: 'DELETE' }]) {
      const response = await bounded(key, init);
      expect(response.status, init.method).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(((await response.json()) as { type: string }).type).toBe(problems.service_unavailable.type);
    }
    expect((await bounded(`${server.origin}/readyz`)).status).toBe(503);
    const health = (await (await bounded(`${server.origin}/healthz`)).json()) as { storage: unknown };
    expect(health.storage).toEqual({ backend: 'cassandra', available: false, namespaces: { default: false } });

    await startNode(node);
    await createSchema();
    await untilStorageAnswers(server, 60_000);
    expect((await bounded(key, { method: 'POST', body: 'after the outage' })).status).toBe(201);
    expect(await (await bounded(key)).text()).toBe('after the outage');
  }, 240_000);

  it('kill -9 of Cassandra under a write loop: 503s while it is gone, never a hang or a crash, and every 201 is readable after it returns', async () => {
    if (server === undefined) throw new Error('the first test did not start the server');
    const running = server;
    const acknowledged: string[] = [];
    const statuses = new Map<number, number>();
    let stop = false;
    const writer = async (id: number) => {
      for (let i = 0; !stop && i < 100_000; i++) {
        const key = `kill-${id}-${i}`;
        const response = await bounded(`${running.baseUrl}${key}`, { method: 'POST', body: `value of ${key}` });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 201) acknowledged.push(key);
        else await sleep(20);
      }
    };
    const writers = Array.from({ length: 4 }, (_, id) => writer(id));
    await sleep(1500);
    const beforeKill = acknowledged.length;
    await stopNode(node, { kill: true });
    await sleep(3000);
    await startNode(node);
    // Writes succeed again by themselves: wait for 50 more acknowledgements, or give up after a minute.
    const afterRestart = acknowledged.length;
    const deadline = Date.now() + 60_000;
    while (acknowledged.length < afterRestart + 50 && Date.now() < deadline) await sleep(100);
    stop = true;
    await Promise.all(writers);

    console.info(
      `[http outage] ${acknowledged.length} writes acknowledged (${beforeKill} before kill -9), statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(running.child.exitCode).toBeNull();
    await untilStorageAnswers(running, 60_000);
    expect([...statuses.keys()].sort()).toEqual([201, 503]);
    expect(acknowledged.length).toBeGreaterThanOrEqual(afterRestart + 50);
    const unreadable: string[] = [];
    for (const key of acknowledged) {
      const response = await bounded(`${running.baseUrl}${key}`);
      if (response.status !== 200 || (await response.text()) !== `value of ${key}`) unreadable.push(key);
    }
    expect(unreadable).toEqual([]);
  }, 300_000);
});
