import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AcquiredCassandra, acquireCassandra } from '../../test-support/cassandra/acquire.js';
import { applySchemaWithCli } from '../../test-support/server-process.js';
import { type CassandraTarget, cassandraSection, startOnCassandra } from '../src/cassandra-service.js';
import { clockBehind } from '../src/clock-skew.js';
import { historiesSeed } from '../src/random.js';
import { conditionalOperations, type Endpoint } from '../src/recorder.js';
import { anomaliesOf, discardHistory, judgeHistory, type RunSummary, recordHistory } from '../src/run.js';

// A history on one Cassandra node: the conditional operations (lightweight transactions at LOCAL_SERIAL) and reads
// are linearizable per key, and plain writes keep the named checks' promises, as long as the kask-ts servers' clocks
// agree: through a server 2 s behind (faketime) plain writes and deletes lose to older ones (documented). Faults on a
// cluster of several nodes are cassandra-cluster.test.ts's, which needs nodes of its own (KASK_HISTORIES_CASSANDRA).
const seed = historiesSeed(28);
const durationMs = Number(process.env.KASK_HISTORIES_SECONDS ?? 8) * 1000;
const skewSeconds = 2;

let cassandra: AcquiredCassandra;
let target: CassandraTarget;
beforeAll(async () => {
  cassandra = await acquireCassandra();
  const { host, port, localDc, username, password } = cassandra.endpoint;
  target = { hosts: [host], port, dc: localDc, keyspace: 'kask_histories', username, password };
  await applySchemaWithCli(cassandraSection(target), `${localDc}=1`);
}, 300_000);
afterAll(async () => {
  await cassandra?.release();
});

let started: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const server of started) await server.stop();
  started = [];
});

async function serve(env?: NodeJS.ProcessEnv): Promise<Endpoint> {
  const server = await startOnCassandra(target, env === undefined ? {} : { env });
  started.push(server);
  return server;
}

async function record(scenario: string, endpoints: readonly Endpoint[], linearizable: boolean): Promise<RunSummary> {
  const history = await recordHistory({
    scenario,
    backend: 'cassandra',
    seed,
    clients: 16,
    durationMs,
    workload: conditionalOperations,
    endpoints,
    linearizable,
  });
  return judgeHistory(history);
}

describe('histories on Cassandra', () => {
  it('with no fault, conditional operations are linearizable and plain writes keep every named promise', async () => {
    const summary = await record('cassandra-no-fault', [await serve()], true);
    expect(anomaliesOf(summary), summary.historyPath).toEqual({});
    discardHistory(summary);
  });

  it(`a server ${skewSeconds} s behind loses plain writes and deletes to older ones (documented), and only those`, async () => {
    // Conditional operations stay linearizable: a lightweight transaction's timestamp is its Paxos ballot's, from
    // Cassandra's clock, not the server's.
    const summary = await record('cassandra-clock-skew', [await serve(), await serve(clockBehind(skewSeconds))], true);
    const { 'acknowledged-writes-read-back': lost = 0, 'no-resurrection': resurrected = 0, ...others } = anomaliesOf(summary);
    expect(lost + resurrected, summary.historyPath).toBeGreaterThan(0);
    expect(others, summary.historyPath).toEqual({});
    discardHistory(summary);
  });
});
