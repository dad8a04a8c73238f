import { describe, expect, it } from 'vitest';
import { everyLocalNodeHoldsEveryKey } from '../../src/storage/cassandra-routing.js';

const networkTopology = (options: Record<string, string>) => ({
  strategy: 'org.apache.cassandra.locator.NetworkTopologyStrategy',
  strategyOptions: options,
});

describe('whether every local node holds every key (then queries skip the token)', () => {
  it('NetworkTopologyStrategy: as many local nodes as local replicas, or fewer, hold every key; more do not', () => {
    const twoDataCentres = networkTopology({ eqiad: '3', codfw: '3' });
    expect(everyLocalNodeHoldsEveryKey(twoDataCentres, 'eqiad', 3)).toBe(true);
    expect(everyLocalNodeHoldsEveryKey(twoDataCentres, 'eqiad', 1)).toBe(true);
    expect(everyLocalNodeHoldsEveryKey(twoDataCentres, 'eqiad', 4)).toBe(false);
    expect(everyLocalNodeHoldsEveryKey(networkTopology({ codfw: '3' }), 'eqiad', 1)).toBe(false);
  });

  it('SimpleStrategy counts its replication factor in every data centre', () => {
    const simple = { strategy: 'org.apache.cassandra.locator.SimpleStrategy', strategyOptions: { replication_factor: '2' } };
    expect(everyLocalNodeHoldsEveryKey(simple, 'datacenter1', 2)).toBe(true);
    expect(everyLocalNodeHoldsEveryKey(simple, 'datacenter1', 3)).toBe(false);
  });

  it('transient replicas, other strategies and a keyspace the driver does not know keep token-aware routing', () => {
    expect(everyLocalNodeHoldsEveryKey(networkTopology({ eqiad: '3/1' }), 'eqiad', 3)).toBe(false);
    expect(everyLocalNodeHoldsEveryKey({ strategy: 'org.apache.cassandra.locator.EverywhereStrategy' }, 'eqiad', 1)).toBe(false);
    expect(
      everyLocalNodeHoldsEveryKey({ strategy: 'org.apache.cassandra.locator.LocalStrategy', strategyOptions: {} }, 'eqiad', 1),
    ).toBe(false);
    expect(everyLocalNodeHoldsEveryKey(undefined, 'eqiad', 1)).toBe(false);
  });
});
