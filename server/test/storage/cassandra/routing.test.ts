import { describe, expect, it } from 'vitest';
import { everyLocalNodeHoldsEveryKey, stalled, stalledLast } from '../../../src/storage/cassandra/routing.js';

const networkTopology = (options: Record<string, string>) => ({
  strategy: 'org.apache.cassandra.locator.NetworkTopologyStrategy',
  strategyOptions: options,
});
const simple = (replicas: string) => ({
  strategy: 'org.apache.cassandra.locator.SimpleStrategy',
  strategyOptions: { replication_factor: replicas },
});
/** The data centres of a cluster's nodes: `nodes('eqiad', 3)` is three nodes in eqiad. */
const nodes = (dataCentre: string | undefined, count: number) => Array.from({ length: count }, () => dataCentre);

describe('whether every local node holds every key (then queries skip the token)', () => {
  it('NetworkTopologyStrategy: as many local nodes as local replicas, or fewer, hold every key; more do not', () => {
    const twoDataCentres = networkTopology({ eqiad: '3', codfw: '3' });
    const codfw = nodes('codfw', 6);
    expect(everyLocalNodeHoldsEveryKey(twoDataCentres, 'eqiad', [...nodes('eqiad', 3), ...codfw])).toBe(true);
    expect(everyLocalNodeHoldsEveryKey(twoDataCentres, 'eqiad', [...nodes('eqiad', 1), ...codfw])).toBe(true);
    expect(everyLocalNodeHoldsEveryKey(twoDataCentres, 'eqiad', [...nodes('eqiad', 4), ...codfw])).toBe(false);
    expect(everyLocalNodeHoldsEveryKey(networkTopology({ codfw: '3' }), 'eqiad', nodes('eqiad', 1))).toBe(false);
  });

  it('NetworkTopologyStrategy: a node of no known data centre may be a local one, and counts', () => {
    const replicas = networkTopology({ eqiad: '3' });
    expect(everyLocalNodeHoldsEveryKey(replicas, 'eqiad', [...nodes('eqiad', 3), undefined])).toBe(false);
    expect(everyLocalNodeHoldsEveryKey(replicas, 'eqiad', [...nodes('eqiad', 2), undefined])).toBe(true);
  });

  it("SimpleStrategy places its replicas on the ring's next nodes, whatever their data centre: every node counts", () => {
    expect(everyLocalNodeHoldsEveryKey(simple('2'), 'datacenter1', nodes('datacenter1', 2))).toBe(true);
    expect(everyLocalNodeHoldsEveryKey(simple('2'), 'datacenter1', nodes('datacenter1', 3))).toBe(false);
    // 2 nodes here and 2 there at 2 replicas: a key's replicas may both be there.
    expect(everyLocalNodeHoldsEveryKey(simple('2'), 'eqiad', [...nodes('eqiad', 2), ...nodes('codfw', 2)])).toBe(false);
    expect(everyLocalNodeHoldsEveryKey(simple('4'), 'eqiad', [...nodes('eqiad', 2), ...nodes('codfw', 2)])).toBe(true);
  });

  it('transient replicas, other strategies and a keyspace the driver does not know keep token-aware routing', () => {
    expect(everyLocalNodeHoldsEveryKey(networkTopology({ eqiad: '3/1' }), 'eqiad', nodes('eqiad', 3))).toBe(false);
    expect(
      everyLocalNodeHoldsEveryKey({ strategy: 'org.apache.cassandra.locator.EverywhereStrategy' }, 'eqiad', nodes('eqiad', 1)),
    ).toBe(false);
    expect(
      everyLocalNodeHoldsEveryKey(
        { strategy: 'org.apache.cassandra.locator.LocalStrategy', strategyOptions: {} },
        'eqiad',
        nodes('eqiad', 1),
      ),
    ).toBe(false);
    expect(everyLocalNodeHoldsEveryKey(undefined, 'eqiad', nodes('eqiad', 1))).toBe(false);
  });
});

/** A host as the driver counts it: queries in flight, answers in the last 200 to 400 ms. */
const host = (inFlight: number, answers: number) => ({ getInFlight: () => inFlight, getResponseCount: () => answers });

describe('a node that has stopped answering goes last in a query plan', () => {
  it('stalled: ten queries or more in flight and at most one answer of late; a busy or an idle node is not', () => {
    expect(stalled(host(10, 0))).toBe(true);
    expect(stalled(host(500, 1))).toBe(true);
    expect(stalled(host(500, 2))).toBe(false);
    expect(stalled(host(9, 0))).toBe(false);
    expect(stalled(host(0, 0))).toBe(false);
  });

  it('the stalled nodes go to the back, the others keep their order, while most nodes answer', () => {
    const isStalled = (name: string) => name.startsWith('stalled');
    expect(stalledLast(['a', 'stalled', 'b'], isStalled)).toEqual(['a', 'b', 'stalled']);
    expect(stalledLast(['stalled', 'a', 'b', 'c', 'stalled2'], isStalled)).toEqual(['a', 'b', 'c', 'stalled', 'stalled2']);
    expect(stalledLast(['a', 'b', 'c'], isStalled)).toEqual(['a', 'b', 'c']);
  });

  it('when half the nodes or more have stalled, the cluster itself is slow: the plan stays as it was', () => {
    const isStalled = (name: string) => name.startsWith('stalled');
    expect(stalledLast(['stalled', 'a', 'stalled2'], isStalled)).toEqual(['stalled', 'a', 'stalled2']);
    expect(stalledLast(['stalled', 'a'], isStalled)).toEqual(['stalled', 'a']);
    expect(stalledLast(['stalled'], isStalled)).toEqual(['stalled']);
  });
});
