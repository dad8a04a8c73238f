import { describe, expect, it } from 'vitest';
import {
  keyspaceCql,
  parseReplication,
  qualifiedTableName,
  quoteIdentifier,
  schemaCql,
  tableCql,
} from '../../../src/storage/cassandra/schema.js';

describe('schema CQL', () => {
  it('quotes names as Kask does, keeping their case, and escapes a double quote', () => {
    expect(quoteIdentifier('sessions')).toBe('"sessions"');
    expect(qualifiedTableName('Kask', 'values')).toBe('"Kask"."values"');
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
    expect(() => quoteIdentifier('')).toThrow(RangeError);
  });

  it('creates the keyspace with NetworkTopologyStrategy and the replicas of each data centre', () => {
    expect(keyspaceCql('sessions', { eqiad: 3, codfw: 3 })).toBe(
      `CREATE KEYSPACE IF NOT EXISTS "sessions" WITH replication = {'class': 'NetworkTopologyStrategy', 'eqiad': 3, 'codfw': 3}`,
    );
  });

  it("creates Kask's table: key text PRIMARY KEY, value blob", () => {
    expect(tableCql('sessions', 'values')).toBe(
      'CREATE TABLE IF NOT EXISTS "sessions"."values" (key text PRIMARY KEY, value blob)',
    );
  });

  it('gives the keyspace before the table', () => {
    expect(schemaCql({ keyspace: 'kask', table: 'values', replication: { dc1: 1 } })).toEqual([
      keyspaceCql('kask', { dc1: 1 }),
      tableCql('kask', 'values'),
    ]);
  });

  it('rejects a replication without data centres, or with a count that is not a positive whole number', () => {
    expect(() => keyspaceCql('kask', {})).toThrow(/at least one data centre/);
    expect(() => keyspaceCql('kask', { dc1: 0 })).toThrow(/dc1/);
    expect(() => keyspaceCql('kask', { dc1: 1.5 })).toThrow(/dc1/);
    expect(() => keyspaceCql('kask', { '': 1 })).toThrow(/empty/);
  });

  it('escapes a quote in a data centre name', () => {
    expect(keyspaceCql('kask', { "o'dc": 1 })).toContain(`'o''dc': 1`);
  });

  it('reads replication from a command line argument such as dc1=3,dc2=3', () => {
    expect(parseReplication('dc1=3,dc2=3')).toEqual({ dc1: 3, dc2: 3 });
    expect(parseReplication(' eqiad = 3 ')).toEqual({ eqiad: 3 });
    expect(() => parseReplication('dc1')).toThrow(/dc1=3,dc2=3; got 'dc1'/);
    expect(() => parseReplication('dc1=three')).toThrow(RangeError);
    expect(() => parseReplication('')).toThrow(RangeError);
    expect(() => parseReplication('dc1=3,dc1=5')).toThrow('replication: dc1 is given more than once');
  });
});
