import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { applySchemaWithCli, type ServerProcess, startServersStoppedAfterEach } from '../../../test-support/server-process.js';
import { until } from '../../../test-support/until.js';
import { problems } from '../../src/generated/contract.js';
import { cassandraTarget, configBlock } from './target.js';

// A Cassandra the server cannot serve from, as operators get it wrong: its keyspace or table never created, or no
// node at the address. The server listens at once all the same; its log and /readyz say why, and what to run.

const target = cassandraTarget();
const start = startServersStoppedAfterEach();
const schemaCommand = 'kask-ts schema --config FILE --replication DC=N --apply';

/** The server's log lines, parsed. */
function logLines(server: ServerProcess): Record<string, unknown>[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The first log line whose message is `msg`, once there is one. */
async function lineOf(server: ServerProcess, msg: string): Promise<Record<string, unknown>> {
  await until(() => logLines(server).some((line) => line.msg === msg), 20_000);
  return logLines(server).find((line) => line.msg === msg) as Record<string, unknown>;
}

/** /readyz's answer: its status and the problem's detail. */
async function readiness(server: ServerProcess): Promise<{ status: number; detail: unknown }> {
  const response = await fetch(`${server.origin}/readyz`);
  return { status: response.status, detail: ((await response.json()) as { detail?: unknown }).detail };
}

describe('cassandra: a setup the server cannot serve from says why at start-up', () => {
  const missingKeyspace = `nosuch_${randomUUID().slice(0, 8)}`;
  const missingTable = `nosuch_${randomUUID().slice(0, 8)}`;
  it.each([
    ['keyspace', { keyspace: missingKeyspace }, `the keyspace "${missingKeyspace}"`],
    ['table', { table: missingTable }, `the table "${target.keyspace}"."${missingTable}"`],
  ])(
    'a missing %s is logged at start-up with what creates it; /readyz and a session request answer 503 saying so',
    async (_, missing, named) => {
      const server = await start({ storage: 'cassandra', cassandra: { ...configBlock(target), ...missing } });
      const reason = `${named} does not exist: ${schemaCommand} creates it`;

      expect(await lineOf(server, 'cassandra: a table cannot serve')).toMatchObject({ level: 'ERROR', reason });
      expect(await readiness(server)).toEqual({
        status: 503,
        detail: `The storage of namespace default is unavailable: ${reason}; retry later`,
      });
      const key = `k-${randomUUID()}`;
      const post = await fetch(`${server.baseUrl}${key}`, { method: 'POST', body: 'secret value' });
      expect(post.status).toBe(503);
      expect(post.headers.get('retry-after')).toBe('1');
      expect(((await post.json()) as { type: string }).type).toBe(problems.service_unavailable.type);
      expect(await lineOf(server, 'storage unavailable')).toMatchObject({ level: 'WARNING', reason });
      expect(server.output()).not.toContain(key);
      expect(server.output()).not.toContain('secret value');
    },
  );

  it('once kask-ts schema creates the missing table, the same server serves it, without a restart', async () => {
    const cassandra = { ...configBlock(target), table: `created_later_${randomUUID().slice(0, 8)}` };
    const server = await start({ storage: 'cassandra', cassandra });
    await lineOf(server, 'cassandra: a table cannot serve');
    await applySchemaWithCli(cassandra, `${target.endpoint.localDc}=1`);
    await until(async () => (await readiness(server)).status === 200, 20_000);
    expect((await fetch(`${server.baseUrl}after-schema`, { method: 'POST', body: 'v' })).status).toBe(201);
  });

  it('no node at the configured address is logged at start-up, once however many attempts, and /readyz says so', async () => {
    const server = await start({
      storage: 'cassandra',
      cassandra: { ...configBlock(target), hosts: ['127.0.0.1'], port: 9, connect_timeout_ms: 500 },
    });
    const reason = 'no node of cassandra.hosts can be reached';
    expect(await lineOf(server, 'cassandra: cannot connect; retrying')).toMatchObject({ level: 'ERROR', reason });
    expect(await readiness(server)).toEqual({
      status: 503,
      detail: `The storage of namespace default is unavailable: ${reason}; retry later`,
    });
    // Attempts every 0.25 s, then less often: several by now.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(logLines(server).filter((line) => line.msg === 'cassandra: cannot connect; retrying')).toHaveLength(1);
    expect(logLines(server).some((line) => line.msg === 'serving sessions')).toBe(true);
  });
});
