import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAcrossPartition, serviceDuringPartition } from '../src/partition-run.js';
import { type PartitionedCluster, startPartitionedCluster } from '../src/partitioned-cluster.js';
import { acrossDataCentres, conditionalOperations } from '../src/recorder.js';
import { anomaliesOf, discardHistory } from '../src/run.js';

// True network partitions on a cluster of three nodes in dc1 and one in dc2, every node and kask-ts server in a network
// namespace of its own (histories/src/network.ts; needs root): the two data centres cut off from each other, and a
// single dc1 node cut off with the kask-ts server beside it. Both sides go on sending. `npm run histories:partitions`
// (a random seed; KASK_HISTORIES_SEED=N replays one).
const seconds = 60;

let cluster: PartitionedCluster | undefined;
beforeAll(async () => {
  cluster = await startPartitionedCluster({
    nodes: { dc1: 3, dc2: 1 },
    servers: { 'kask-dc1-a': 'dc1', 'kask-dc1-b': 'dc1', 'kask-dc2': 'dc2' },
    heap: '512M',
  });
}, 600_000);
afterAll(async () => {
  await cluster?.stop();
}, 180_000);

describe('histories on three nodes and one under network partitions', () => {
  it('dc1 and dc2 cut off from each other: no acknowledged write lost in its data centre, no DELETE undone', async () => {
    const running = cluster as PartitionedCluster;
    const { summary } = await recordAcrossPartition(running, {
      scenario: 'partition-dcs-3-1',
      endpoints: [running.server('kask-dc1-a'), running.server('kask-dc2')],
      side: [...running.nodesOf('dc2'), 'kask-dc2'],
      workload: acrossDataCentres,
      linearizable: false,
      seconds,
    });
    expect(anomaliesOf(summary), summary.historyPath).toEqual({});
    discardHistory(summary);
  });

  it('one dc1 node cut off with a server beside it: linearizable in dc1, and the other server keeps answering', async () => {
    const running = cluster as PartitionedCluster;
    const { summary, history } = await recordAcrossPartition(running, {
      scenario: 'partition-one-node',
      // Both servers serve dc1, so that porcupine judges every conditional operation: one goes on with the majority,
      // the other is left with the cut-off node alone, whose writes cannot reach a LOCAL_QUORUM.
      endpoints: [running.server('kask-dc1-a'), running.server('kask-dc1-b')],
      side: [running.nodesOf('dc1')[2] as string, 'kask-dc1-b'],
      workload: conditionalOperations,
      linearizable: true,
      seconds,
    });
    expect(anomaliesOf(summary), summary.historyPath).toEqual({});
    // The majority's server stops sending to the silent node once a query to it has timed out (query_timeout_ms, 12 s)
    // or it has stalled, whichever comes first: from then on none of its clients waits out its 5 s timeout. Before,
    // it kept sending it a third of its queries for the whole partition: from 15 s in, 3.1 answers a second and 55
    // waited out (seed 28; docs/clients/guarantees.md).
    const majority = serviceDuringPartition(history, 2, 0, 15_000);
    process.stderr.write(
      `[histories] ${summary.scenario}: from 15 s into the partition, the majority's server answered ` +
        `${majority.answersPerSecond.toFixed(1)} a second; ${majority.waitedOut} waited out\n`,
    );
    expect(majority.waitedOut, summary.historyPath).toBe(0);
    discardHistory(summary);
  });
});
