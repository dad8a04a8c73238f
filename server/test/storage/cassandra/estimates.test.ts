import { types } from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { censusOf, nodeEstimates, summed } from '../../../src/storage/cassandra/estimates.js';

// The census on Cassandra from the rows of system.table_estimates: each node's local primary ranges (the ranges from
// the previous token of its data centre to its own), summed over the nodes of the local data centre.

/** A row of table_estimates as the driver gives it (bigint columns as Long). */
function row(table: string, rangeType: string, partitions: number, meanBytes: number): types.Row {
  const columns: Record<string, unknown> = {
    table_name: table,
    range_type: rangeType,
    partitions_count: types.Long.fromNumber(partitions),
    mean_partition_size: types.Long.fromNumber(meanBytes),
  };
  return { get: (name: string) => columns[name] } as unknown as types.Row;
}

describe('size estimates', () => {
  it("a node's estimate of a table is the partitions of its local primary ranges and their bytes, not its primary ranges'", () => {
    const estimates = nodeEstimates([
      row('sessions', 'local_primary', 100, 120),
      row('sessions', 'local_primary', 50, 200),
      // Primary ranges are the whole cluster's, other data centres' included: they are another division of the ring.
      row('sessions', 'primary', 70, 120),
      row('echo', 'local_primary', 3, 40),
    ]);
    expect(estimates).toEqual(
      new Map([
        ['sessions', { keys: 150, bytes: 100 * 120 + 50 * 200 }],
        ['echo', { keys: 3, bytes: 120 }],
      ]),
    );
  });

  it('the local data centre holds the sum of its nodes, and a table no node has estimated has no census', () => {
    const byTable = summed([
      new Map([['sessions', { keys: 10, bytes: 1000 }]]),
      new Map([
        ['sessions', { keys: 5, bytes: 600 }],
        ['echo', { keys: 1, bytes: 10 }],
      ]),
    ]);
    expect(byTable.get('sessions')).toEqual({ keys: 15, bytes: 1600 });
    expect(censusOf(byTable.get('echo'))).toEqual({
      keys: 1,
      bytes: 10,
      estimated: true,
      writtenBytes: undefined,
      filesystem: undefined,
    });
    expect(censusOf(byTable.get('new_table'))).toBeUndefined();
  });

  it('a node of the local data centre not read counts as the mean of those read, not as nothing', () => {
    const node = (keys: number) => new Map([['values', { bytes: keys * 100, keys }]]);
    expect(summed([node(600), node(400)], 3).get('values')).toEqual({ bytes: 150_000, keys: 1500 });
    expect(summed([node(600), node(400)], 2).get('values')).toEqual({ bytes: 100_000, keys: 1000 });
    expect(summed([], 3).size).toBe(0);
  });
});
