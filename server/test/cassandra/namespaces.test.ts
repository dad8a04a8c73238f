import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'cassandra-driver';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli, startServersStoppedAfterEach, untilStorageAnswers } from '../../../test-support/server-process.js';
import { type CassandraStorage, openCassandraTables } from '../../src/storage/cassandra/cassandra.js';
import { connectCassandra } from '../../src/storage/cassandra/client.js';
import { qualifiedTableName } from '../../src/storage/cassandra/schema.js';
import { uniqueKey } from '../storage/conformance.js';
import { untilReady } from './storage-helpers.js';
import { cassandraTarget, testOptions } from './target.js';

const target = cassandraTarget();
const keyspace = target.keyspace;

// Two namespaces in tables of their own (not their names: `table` is set), as an operator would split sessions.
const namespaces = {
  sessions: { base_uri: '/sessions/v1/', default_ttl: 3600, table: 'ns_sessions' },
  echoseen: { base_uri: '/echoseen/v1/', default_ttl: 31536000, max_value_bytes: 8, table: 'ns_echoseen' },
};
const cassandra = {
  hosts: [target.endpoint.host],
  port: target.endpoint.port,
  keyspace,
  local_dc: target.endpoint.localDc,
  ...(target.endpoint.username === undefined
    ? {}
    : { authentication: { username: target.endpoint.username, password: target.endpoint.password } }),
};

const directory = mkdtempSync(join(tmpdir(), 'kask-namespaces-'));
const configPath = join(directory, 'config.yaml');
writeFileSync(configPath, stringify({ cassandra, namespaces }));

let cql: Client;
beforeAll(async () => {
  // As an operator creates them: `kask-ts schema --apply` creates every namespace's table.
  await runCli(['schema', '--config', configPath, '--replication', `${target.endpoint.localDc}=1`, '--apply']);
  cql = await connectCassandra(testOptions(target));
});
afterAll(async () => {
  await cql?.shutdown();
  rmSync(directory, { recursive: true, force: true });
});

async function rowOf(table: string, key: string): Promise<{ value: Buffer; ttl: number } | undefined> {
  const result = await cql.execute(
    `SELECT value, TTL(value) AS ttl FROM ${qualifiedTableName(keyspace, table)} WHERE key = ?`,
    [key],
    { prepare: true },
  );
  const row = result.first();
  return row === null ? undefined : { value: row.get('value'), ttl: row.get('ttl') };
}

/** How many established TCP connections process `pid` holds to `port` (its sockets, found in /proc/net/tcp and tcp6). */
function connectionsTo(pid: number, port: number): number {
  const sockets = new Set(
    readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      const link = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' }));
      return link?.[1] === undefined ? [] : [link[1]];
    }),
  );
  const remotePort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const established = '01';
  return ['/proc/net/tcp', '/proc/net/tcp6']
    .flatMap((table) => readFileSync(table, 'utf8').trim().split('\n').slice(1))
    .map((line) => line.trim().split(/\s+/))
    .filter(
      ([, , remote, state, , , , , , inode]) => remote?.endsWith(remotePort) && state === established && sockets.has(inode ?? ''),
    ).length;
}

function settled([kask, namespaced]: number[]): boolean {
  return kask !== undefined && kask > 0 && kask === namespaced;
}

describe('cassandra: namespaces', () => {
  it('kask-ts schema --apply creates the table of every namespace', async () => {
    const result = await cql.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [keyspace], {
      prepare: true,
    });
    const tables = result.rows.map((row) => row.get('table_name'));
    expect(tables).toEqual(expect.arrayContaining(['ns_sessions', 'ns_echoseen']));
  });

  it('stores of two tables over one connection keep keys apart, and the connection lasts until the last store closes', async () => {
    const [sessions, echoseen] = openCassandraTables(
      testOptions(target),
      keyspace,
      ['ns_sessions', 'ns_echoseen'].map((table) => ({ table, quota: { maxBytes: undefined, maxKeys: undefined } })),
      pino({ level: 'silent' }),
      60_000,
    ) as [CassandraStorage, CassandraStorage];
    try {
      await untilReady(sessions, 30_000);
      const key = uniqueKey('namespaces');
      await sessions.set(key, Buffer.from('session'), 3600);
      expect(await echoseen.get(key)).toBeUndefined();
      expect(await echoseen.add(key, Buffer.from('seen'), 3600)).toBe(true);
      await echoseen.delete(key);
      expect((await sessions.get(key))?.value.toString()).toBe('session');
      await sessions.close();
      expect((await echoseen.get(key))?.value).toBeUndefined();
      await echoseen.set(key, Buffer.from('seen'), 60);
      expect((await echoseen.get(key))?.value.toString()).toBe('seen');
    } finally {
      await Promise.all([sessions.close(), echoseen.close()]);
    }
    await expect(echoseen.ping()).rejects.toMatchObject({ kind: 'unavailable' });
  });

  describe('a server with two namespaces', () => {
    const start = startServersStoppedAfterEach();

    it("writes each namespace's values to its own table with its own default_ttl and limits", async () => {
      const server = await start({ cassandra, namespaces });
      await untilStorageAnswers(server);
      const key = uniqueKey('server');
      const path = encodeURIComponent(key);
      expect((await fetch(`${server.origin}/sessions/v1/${path}`, { method: 'POST', body: 'session value' })).status).toBe(201);
      expect((await fetch(`${server.origin}/echoseen/v1/${path}`, { method: 'POST', body: '1700000' })).status).toBe(201);
      expect((await fetch(`${server.origin}/echoseen/v1/${path}`, { method: 'POST', body: 'too large' })).status).toBe(413);
      const session = await rowOf('ns_sessions', key);
      const seen = await rowOf('ns_echoseen', key);
      expect(session?.value.toString()).toBe('session value');
      expect(session?.ttl).toBeGreaterThan(3590);
      expect(session?.ttl).toBeLessThanOrEqual(3600);
      expect(seen?.value.toString()).toBe('1700000');
      expect(seen?.ttl).toBeGreaterThan(31535990);
      await fetch(`${server.origin}/echoseen/v1/${path}`, { method: 'DELETE' });
      expect(await (await fetch(`${server.origin}/sessions/v1/${path}`)).text()).toBe('session value');
      const health = (await (await fetch(`${server.origin}/healthz`)).json()) as { storage: unknown };
      expect(health.storage).toEqual({ backend: 'cassandra', available: true, namespaces: { sessions: true, echoseen: true } });
    });

    it('every namespace shares one driver client: a server of two namespaces holds as many connections to Cassandra as one of Kask', async () => {
      const kask = await start({ cassandra: { ...cassandra, table: 'ns_sessions' }, workers: 1 });
      const namespaced = await start({ cassandra, namespaces, workers: 1 });
      for (const server of [kask, namespaced]) await untilStorageAnswers(server);
      // NOTE: the driver opens its pool beside the control connection, so a server may still be connecting when
      // it first reads ready: the counts are compared until they settle (two clients would never match).
      const counts = () => [connectionsTo(kask.pid, target.endpoint.port), connectionsTo(namespaced.pid, target.endpoint.port)];
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && !settled(counts())) await new Promise((resolve) => setTimeout(resolve, 200));
      const [kaskConnections, namespacedConnections] = counts();
      expect(kaskConnections).toBeGreaterThan(0);
      expect(namespacedConnections).toBe(kaskConnections);
    });

    it('kask-ts truncate --namespace echoseen --yes empties its table only, while the server serves', async () => {
      const server = await start({ cassandra, namespaces });
      await untilStorageAnswers(server);
      const key = uniqueKey('truncate');
      const path = encodeURIComponent(key);
      await fetch(`${server.origin}/sessions/v1/${path}`, { method: 'POST', body: 'kept' });
      await fetch(`${server.origin}/echoseen/v1/${path}`, { method: 'POST', body: 'gone' });
      await runCli(['truncate', '--namespace', 'echoseen', '--config', configPath, '--yes']);
      expect((await fetch(`${server.origin}/echoseen/v1/${path}`)).status).toBe(404);
      expect(await (await fetch(`${server.origin}/sessions/v1/${path}`)).text()).toBe('kept');
    });
  });
});
