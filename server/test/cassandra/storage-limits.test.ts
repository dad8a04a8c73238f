import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Client } from 'cassandra-driver';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type LocalNode, nodeDirectory, nodetool, startNode, stopNode } from '../../../test-support/cassandra/local-node.js';
import { childPids } from '../../../test-support/child-process.js';
import {
  configPathOf,
  removeServerDirectory,
  runCli,
  type ServerProcess,
  startServer,
  untilStorageAnswers,
} from '../../../test-support/server-process.js';
import { connectCassandra } from '../../src/storage/cassandra/client.js';
import { keyspaceCql, qualifiedTableName, quoteIdentifier, tableCql } from '../../src/storage/cassandra/schema.js';
import { type Filling, fillWhileReading, health, post } from '../support/filling.js';
import { sleep } from './storage-helpers.js';

// Cassandra filling up, and quotas from its size estimates, through the service, on a node of its own (127.0.0.22).
// Cassandra's disk usage guardrail spares superusers (and everyone without authentication), so the node has password
// authentication and kask-ts logs in as a role that is not a superuser.
const node: LocalNode = {
  name: 'storage-limits-test',
  address: '127.0.0.22',
  nativePort: 9042,
  storagePort: 7000,
  dataCentre: 'datacenter1',
  jmxPort: 7222,
  cluster: 'kask-ts-storage-limits-test',
  commitlogSync: 'periodic',
  passwordAuth: true,
  clientTls: false,
  // The guardrail measures the disk every 30 s by default: every second here, so that refusals begin soon after the
  // limit is crossed and end soon after it is raised.
  properties: { 'cassandra.disk_usage.monitor_interval_ms': '1000' },
};
const superuser = { username: 'cassandra', password: 'cassandra' };
const role = { username: 'kask_limits', password: 'kask limits test' };
const keyspace = 'kask_limits';
const tables = { fill: 'values', quotaA: 'quota_a', quotaB: 'quota_b' };
const insufficientStorage = 'https://www.mediawiki.org/wiki/Kask/errors/insufficient_storage';

// The guardrail refuses writes once the data directories and memtables take more than half of 24 MiB (the node's
// own tables take about 1 MiB): about 110 values of 100 KB.
const diskSize = '24MiB';
const grownDiskSize = '1GiB';
const valueBytes = 100_000;
const writers = 4;
const refusalsPerWriter = 3;
const writesPerWriter = 150;
const readKeys = 10;

function cassandraBlock(table: string, estimatesIntervalMs = 60_000) {
  return {
    hosts: [node.address],
    port: node.nativePort,
    local_dc: node.dataCentre,
    keyspace,
    table,
    size_estimates_interval_ms: estimatesIntervalMs,
    authentication: role,
  };
}

/** The value written under `key`: as many bytes as do not compress (Cassandra compresses its files), from the key. */
function valueFor(key: string): Buffer {
  return createHash('shake256', { outputLength: valueBytes }).update(key).digest();
}

/** The answers of `keys` that do not read back as `expected` says. */
async function misread(server: ServerProcess, keys: readonly string[], expected: 'written' | 'absent'): Promise<string[]> {
  const wrong: string[] = [];
  for (const key of keys) {
    const response = await fetch(`${server.baseUrl}${key}`);
    const body = Buffer.from(await response.arrayBuffer());
    const right = expected === 'absent' ? response.status === 404 : response.status === 200 && body.equals(valueFor(key));
    if (!right) wrong.push(`${key}: ${response.status} (${body.length} bytes)`);
  }
  return wrong;
}

/** POSTs until one is taken (201), or fails the test after `deadlineMs`; how long that took. */
async function untilWritable(server: ServerProcess, deadlineMs: number): Promise<number> {
  const started = Date.now();
  for (let i = 0; ; i++) {
    const key = `probe-${i}`;
    if ((await post(`${server.baseUrl}${key}`, 'probe')).status === 201) return Date.now() - started;
    if (Date.now() - started > deadlineMs) throw new Error(`no write was taken within ${deadlineMs} ms`);
    await sleep(250);
  }
}

describe('cassandra: storage limits (a node of its own on 127.0.0.22, password authentication)', () => {
  let admin: Client;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    await stopNode(node, { kill: true });
    rmSync(nodeDirectory(node), { recursive: true, force: true });
    await startNode(node);
    admin = await connectCassandra({
      hosts: [node.address],
      port: node.nativePort,
      localDc: node.dataCentre,
      queryTimeoutMs: 30_000,
      connectTimeoutMs: 10_000,
      ...superuser,
    });
    await admin.execute(keyspaceCql(keyspace, { [node.dataCentre]: 1 }));
    for (const table of Object.values(tables)) await admin.execute(tableCql(keyspace, table));
    // Deletes free quota once compaction drops them with the values they shadow: at once, in this test.
    for (const table of [tables.quotaA, tables.quotaB]) {
      await admin.execute(`ALTER TABLE ${qualifiedTableName(keyspace, table)} WITH gc_grace_seconds = 0`);
    }
    await admin.execute(`CREATE ROLE ${role.username} WITH PASSWORD = '${role.password}' AND LOGIN = true`);
    await admin.execute(`GRANT SELECT ON KEYSPACE ${quoteIdentifier(keyspace)} TO ${role.username}`);
    await admin.execute(`GRANT MODIFY ON KEYSPACE ${quoteIdentifier(keyspace)} TO ${role.username}`);
    // The guardrail on, over a disk of plenty: each fill test shrinks the disk it counts, then grows it back.
    await nodetool(node, ['setguardrailsconfig', 'data_disk_usage_max_disk_size', grownDiskSize]);
    await nodetool(node, ['setguardrailsconfig', 'data_disk_usage_percentage_threshold', '50', '40']);
  }, 300_000);
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      await server.stop();
      removeServerDirectory(server);
    }
  }, 60_000);
  afterAll(async () => {
    await admin?.shutdown();
    await stopNode(node);
    rmSync(nodeDirectory(node), { recursive: true, force: true });
  }, 120_000);

  describe.each([1, 2])('filling up with %i worker(s)', (workers) => {
    it('refuses writes with 507 and changes nothing, serves reads, loses no acknowledged write, and takes writes again once the limit is raised', async () => {
      await nodetool(node, ['setguardrailsconfig', 'data_disk_usage_max_disk_size', diskSize]);
      let grown = false;
      // Room for the next test, whatever becomes of this one.
      onTestFinished(async () => {
        if (!grown) await nodetool(node, ['setguardrailsconfig', 'data_disk_usage_max_disk_size', grownDiskSize]);
        await admin.execute(`TRUNCATE ${qualifiedTableName(keyspace, tables.fill)}`);
      });
      const server = await startServer({ workers, cassandra: cassandraBlock(tables.fill) });
      servers.push(server);
      await untilStorageAnswers(server);
      const pids = [server.pid, ...childPids(server.pid)];

      const readable = Array.from({ length: readKeys }, (_, i) => `read-${i}`);
      for (const key of readable) expect((await post(`${server.baseUrl}${key}`, valueFor(key))).status).toBe(201);

      const filling: Filling = { valueFor, refusalsPerWriter, writesPerWriter };
      const { tally, reads } = await fillWhileReading(server, pids, readable, filling, writers);

      // A refused write changed nothing: its key, written once, is absent; every acknowledged write reads back.
      expect(await misread(server, tally.refused, 'absent')).toEqual([]);
      expect(await misread(server, [...readable, ...tally.acknowledged], 'written')).toEqual([]);

      // Room again (the operator raised the limit): writes are taken without a restart, by every worker.
      await nodetool(node, ['setguardrailsconfig', 'data_disk_usage_max_disk_size', grownDiskSize]);
      grown = true;
      const recoveryMs = await untilWritable(server, 30_000);
      for (let i = 0; i < 4 * workers; i++) {
        const key = `after-${i}`;
        expect((await post(`${server.baseUrl}${key}`, valueFor(key))).status).toBe(201);
        tally.acknowledged.push(key);
      }
      expect((await health(server)).storage.full).toBeUndefined();
      expect(await misread(server, [...readable, ...tally.acknowledged], 'written')).toEqual([]);
      expect(server.hasExited()).toBe(false);
      console.info(
        `cassandra full, ${workers} worker(s): ${tally.acknowledged.length} acknowledged, ${tally.refused.length} refused (507), ` +
          `${tally.acknowledged.length} intact, ${reads} reads served while filling, writes taken again ${recoveryMs} ms after the limit was raised`,
      );
    }, 180_000);
  });

  /** The value of a metric line of `server`'s /metrics, undefined when it is absent. */
  async function metric(server: ServerProcess, line: string): Promise<number | undefined> {
    const metrics = await (await fetch(`${server.origin}/metrics`)).text();
    const found = metrics.split('\n').find((candidate) => candidate.startsWith(`${line} `));
    return found === undefined ? undefined : Number(found.slice(line.length + 1));
  }

  /** Waits until `holds` is true of the census' keys of namespace `name` in /metrics; fails the test after 20 s. */
  async function untilCensus(server: ServerProcess, name: string, holds: (keys: number) => boolean): Promise<void> {
    for (const started = Date.now(); Date.now() - started < 20_000; await sleep(200)) {
      const keys = await metric(server, `kask_resident_keys{namespace="${name}"}`);
      if (keys !== undefined && holds(keys)) return;
    }
    throw new Error(`the census of ${name} did not come as expected within 20 s`);
  }

  it('quotas by the size estimates: over its quota a namespace refuses new keys (507 naming the quota) and takes rewrites, another namespace is not limited, and deletes compacted away make room', async () => {
    const maxKeys = 100;
    const server = await startServer({
      workers: 1,
      namespaces: {
        limited: { base_uri: '/limited/', table: tables.quotaA, max_keys: maxKeys },
        other: { base_uri: '/other/', table: tables.quotaB, max_keys: 10 * maxKeys },
      },
      cassandra: cassandraBlock(tables.fill, 200),
    });
    servers.push(server);
    await untilStorageAnswers(server);
    const keys = Array.from({ length: 2 * maxKeys }, (_, i) => `key-${i}`);
    // Cassandra's estimates count only what is on disk, and are renewed on an interval: until then, all are taken.
    for (const key of keys) expect((await post(`${server.origin}/limited/${key}`, `value of ${key}`)).status).toBe(201);
    for (const key of keys.slice(0, 10)) expect((await post(`${server.origin}/other/${key}`, 'v')).status).toBe(201);
    await nodetool(node, ['flush', keyspace]);
    await nodetool(node, ['refreshsizeestimates']);
    await untilCensus(server, 'limited', (held) => held >= maxKeys);

    const refused = await post(`${server.origin}/limited/one-more`, 'v');
    expect(refused).toMatchObject({
      status: 507,
      type: insufficientStorage,
      detail: `The namespace holds as many keys as its quota allows (max_keys: ${maxKeys}); nothing was changed`,
    });
    expect((await fetch(`${server.origin}/limited/one-more`)).status).toBe(404);
    const atQuota = `its quota max_keys (${maxKeys}) is reached: new keys are refused until it holds fewer`;
    expect((await health(server)).storage.full).toEqual({ limited: atQuota });
    // A rewrite no larger does not grow the namespace; the other namespace is within its own quota.
    expect((await post(`${server.origin}/limited/key-0`, 'value of key-0')).status).toBe(201);
    expect((await post(`${server.origin}/other/one-more`, 'v')).status).toBe(201);
    expect(await metric(server, 'kask_storage_refusals_total{namespace="limited",reason="quota_keys"}')).toBe(1);
    expect(await metric(server, 'kask_quota_used_ratio{namespace="limited",quota="max_keys"}')).toBeGreaterThanOrEqual(1);

    const report = JSON.parse(await runCli(['stats', '--config', configPathOf(server)])) as {
      backend: string;
      namespaces: Record<string, Record<string, unknown>>;
    };
    expect(report.backend).toBe('cassandra');
    expect(report.namespaces.limited).toMatchObject({ estimated: true, written_bytes_per_second: null, filesystem: null });
    expect(report.namespaces.limited?.keys).toBeGreaterThanOrEqual(maxKeys);

    // Deletes free quota once compaction has dropped them with what they shadow (gc_grace_seconds is 0 here), and the
    // estimates are renewed. A tombstone is dropped only in a second after its own.
    for (const key of keys) expect((await fetch(`${server.origin}/limited/${key}`, { method: 'DELETE' })).status).toBe(204);
    await sleep(1500);
    await nodetool(node, ['flush', keyspace]);
    await nodetool(node, ['compact', keyspace, tables.quotaA]);
    await nodetool(node, ['refreshsizeestimates']);
    await untilCensus(server, 'limited', (held) => held < maxKeys);
    // What the estimates say it holds has changed: no longer full.
    expect((await health(server)).storage.full).toBeUndefined();
    expect((await post(`${server.origin}/limited/one-more`, 'v')).status).toBe(201);
  }, 120_000);
});
