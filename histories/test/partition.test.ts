import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cassandraSection } from '../src/cassandra-service.js';
import { recordAcrossPartition } from '../src/partition-run.js';
import { type PartitionedCluster, startPartitionedCluster } from '../src/partitioned-cluster.js';
import { acrossDataCentres, type Endpoint } from '../src/recorder.js';
import { anomaliesOf, discardHistory, type RunSummary } from '../src/run.js';
import { startBrokenService } from './broken-service.js';

// A true network partition between two data centres of one Cassandra node each, every node and kask-ts server in a
// network namespace of its own (histories/src/network.ts; needs root): both sides go on serving their clients, and
// no acknowledged write is lost in its data centre, no acknowledged DELETE undone. A build that answers 204 to a
// DELETE that could not reach the other data centre must fail the same run. Three nodes and one, and a single node
// cut off, are `npm run histories:partitions`.
const seconds = 30;

let cluster: PartitionedCluster | undefined;
beforeAll(async () => {
  cluster = await startPartitionedCluster({
    nodes: { dc1: 1, dc2: 1 },
    servers: { 'kask-dc1': 'dc1', 'kask-dc2': 'dc2' },
    heap: '512M',
  });
}, 300_000);
afterAll(async () => {
  await cluster?.stop();
}, 120_000);

/** dc2 (its node and server) cut off from dc1 while clients send to `endpoints`. */
async function acrossDcs(scenario: string, endpoints: readonly Endpoint[]): Promise<RunSummary> {
  const { summary } = await recordAcrossPartition(cluster as PartitionedCluster, {
    scenario,
    endpoints,
    side: ['dc2-1', 'kask-dc2'],
    workload: acrossDataCentres,
    // LOCAL_SERIAL is atomic among the writers of one data centre only: no linearizability across two.
    linearizable: false,
    seconds,
  });
  return summary;
}

describe('histories across a network partition between two data centres', () => {
  it('both sides go on; no acknowledged write is lost in its data centre, no acknowledged DELETE undone', async () => {
    const running = cluster as PartitionedCluster;
    const summary = await acrossDcs('partition-dcs', [running.server('kask-dc1'), running.server('kask-dc2')]);
    expect(summary.faults['partition-dcs'], summary.historyPath).toBe(1);
    // The partition did cut: DELETEs, which need both data centres, went unanswered or answered 503 meanwhile.
    expect(summary.unknown, summary.historyPath).toBeGreaterThan(0);
    expect(anomaliesOf(summary), summary.historyPath).toEqual({});
    discardHistory(summary);
  });

  it('a build that answers 204 to a DELETE the other data centre did not get fails no-resurrection', async () => {
    const running = cluster as PartitionedCluster;
    // In this process rather than in dc1's namespace: a server reaches only its own data centre's nodes, which dc1's
    // side of the partition leaves reachable from here as from there.
    const broken = await startBrokenService('hides-delete-failures', {
      storage: 'cassandra',
      cassandra: cassandraSection(running.target('dc1')),
    });
    try {
      const summary = await acrossDcs('partition-dcs-broken', [
        { baseUrl: broken.baseUrl, dc: 'dc1' },
        running.server('kask-dc2'),
      ]);
      expect(anomaliesOf(summary)['no-resurrection'] ?? 0, summary.historyPath).toBeGreaterThan(0);
      discardHistory(summary);
    } finally {
      await broken.stop();
    }
  });
});
