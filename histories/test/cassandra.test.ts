import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AcquiredCassandra, acquireCassandra } from '../../test-support/cassandra/acquire.js';
import { applySchemaWithCli } from '../../test-support/server-process.js';
import { type CassandraTarget, cassandraSection, startOnCassandra } from '../src/cassandra-service.js';
import { historiesSeed } from '../src/random.js';
import { conditionalOperations } from '../src/recorder.js';
import { anomaliesOf, discardHistory, judgeHistory, recordHistory } from '../src/run.js';

// A history on one Cassandra node: the conditional operations (lightweight transactions at LOCAL_SERIAL) and reads
// are linearizable per key, and plain writes keep the named checks' promises. Faults on a cluster of several nodes
// are cassandra-cluster.test.ts's, which needs nodes of its own (KASK_HISTORIES_CASSANDRA).
const seed = historiesSeed(28);
const durationMs = Number(process.env.KASK_HISTORIES_SECONDS ?? 8) * 1000;

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

describe('histories on Cassandra', () => {
  it('with no fault, conditional operations are linearizable and plain writes keep every named promise', async () => {
    const server = await startOnCassandra(target);
    try {
      const history = await recordHistory({
        scenario: 'cassandra-no-fault',
        backend: 'cassandra',
        seed,
        clients: 16,
        durationMs,
        workload: conditionalOperations,
        endpoints: [server],
        linearizable: true,
      });
      const summary = await judgeHistory(history);
      expect(anomaliesOf(summary), summary.historyPath).toEqual({});
      discardHistory(summary);
    } finally {
      await server.stop();
    }
  });
});
