import { afterAll, describe, expect, it } from 'vitest';
import { acquireCassandra } from '../test-support/cassandra/acquire.js';
import { applySchemaWithCli, removeServerDirectory, type ServerProcess, startServer } from '../test-support/server-process.js';
import { type FuzzResult, fuzzSeed, runSchemathesis } from './schemathesis.js';

// Per operation and phase. How many requests that makes depends on the answers (the stateful phase follows the
// links of the responses it gets): 100 made 1,180 on the embedded store but 677 on Cassandra with one seed.
const examplesPerOperation = 200;
const minimumRequests = 1000;
const seed = fuzzSeed();

const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const server of servers.splice(0)) {
    await server.stop();
    removeServerDirectory(server);
  }
});

async function fuzz(config: Record<string, unknown>): Promise<FuzzResult> {
  const server = await startServer(config);
  servers.push(server);
  const result = await runSchemathesis(server.origin, seed, examplesPerOperation);
  process.stderr.write(
    `[fuzz] ${String(config.storage ?? 'embedded')}: seed ${seed}, ${result.requests} requests, ` +
      `${result.serverErrors} server errors, ${result.failures.length} failures, exit ${result.exitCode}\n`,
  );
  return result;
}

function expectClean(result: FuzzResult): void {
  const summary = `seed ${result.seed} (rerun: KASK_FUZZ_SEED=${result.seed} npm run fuzz)\n${result.output}`;
  expect(result.failures, summary).toEqual([]);
  expect(result.errors, summary).toEqual([]);
  expect(result.serverErrors, summary).toBe(0);
  expect(result.exitCode, summary).toBe(0);
  expect(result.requests, summary).toBeGreaterThanOrEqual(minimumRequests);
}

describe('Schemathesis against the OpenAPI document, every check on', () => {
  it('the embedded store answers every generated request as the document says, with no server error', async () => {
    expectClean(await fuzz({}));
  });

  it('the Cassandra store answers every generated request as the document says, with no server error', async () => {
    const cassandra = await acquireCassandra();
    try {
      const { host, port, localDc, username, password } = cassandra.endpoint;
      const authentication = username === undefined ? {} : { authentication: { username, password } };
      const cassandraConfig = {
        hosts: [host],
        port,
        keyspace: 'kask_fuzz',
        table: 'values',
        local_dc: localDc,
        ...authentication,
      };
      await applySchemaWithCli(cassandraConfig, `${localDc}=1`);
      expectClean(await fuzz({ storage: 'cassandra', cassandra: cassandraConfig }));
    } finally {
      await cassandra.release();
    }
  });
});
