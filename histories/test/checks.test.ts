import { describe, expect, it } from 'vitest';
import { runNamedChecks } from '../src/checks.js';
import type { History, RecordedOperation } from '../src/history.js';

// The named checks against their definitions, written the plain way (every read against every mutation and every
// delete), on random histories of one key: the checks must find exactly what the definitions find.

type Operation = RecordedOperation;

const endOf = (operation: Operation) => (operation.outcome === 'ok' ? operation.completeUs : Number.POSITIVE_INFINITY);
const isWrite = (operation: Operation) => operation.op === 'post' || operation.op === 'put' || operation.op === 'cas';
const isDelete = (operation: Operation) => operation.op === 'delete' || operation.op === 'cad';

/** How many reads each of the two read-back checks finds, by their definitions. */
function byDefinition(operations: readonly Operation[]): Record<string, number> {
  const counts = { 'acknowledged-writes-read-back': 0, 'no-resurrection': 0 };
  const acknowledged = operations.filter((one) => one.outcome === 'ok' && (isWrite(one) || isDelete(one)));
  const deletes = operations.filter((one) => isDelete(one) && (one.outcome === 'ok' || one.outcome === 'unknown'));
  for (const read of operations.filter((one) => one.op === 'get' && one.outcome === 'ok')) {
    if (typeof read.read === 'string') {
      const writer = operations.find((one) => isWrite(one) && one.value === read.read) as Operation;
      // A value whose write failed is another check's finding.
      if (writer.outcome === 'failed') continue;
      const superseding = acknowledged.filter(
        (one) => one.completeUs < read.invokeUs && endOf(writer) < one.invokeUs && (isDelete(one) || one.dc === read.dc),
      );
      if (superseding.length > 0) {
        // Either name fits when both kinds supersede: the one that began last is named.
        const last = superseding.reduce((one, other) => (other.invokeUs > one.invokeUs ? other : one));
        counts[isDelete(last) ? 'no-resurrection' : 'acknowledged-writes-read-back']++;
      }
    } else {
      const lost = acknowledged.some(
        (write) =>
          isWrite(write) &&
          write.dc === read.dc &&
          write.completeUs < read.invokeUs &&
          !deletes.some((erase) => erase.invokeUs < read.completeUs && endOf(erase) > write.invokeUs),
      );
      if (lost) counts['acknowledged-writes-read-back']++;
    }
  }
  return counts;
}

/** A random history of one key: writes, deletes and reads from two data centres, some unknown or failed. */
function randomHistory(seed: number, size: number): Operation[] {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const operations: Operation[] = [];
  const written: string[] = [];
  for (let i = 0; i < size; i++) {
    const invokeUs = Math.floor(random() * 10_000);
    const completeUs = invokeUs + 1 + Math.floor(random() * 500);
    const dc = random() < 0.7 ? 'dc1' : 'dc2';
    const outcome = random() < 0.8 ? 'ok' : random() < 0.5 ? 'unknown' : 'failed';
    const base = { client: i, dc, key: 'k', invokeUs, completeUs };
    const kind = random();
    if (kind < 0.35) {
      const value = `v${i}`;
      written.push(value);
      operations.push({ ...base, op: 'post', value, outcome });
    } else if (kind < 0.5) operations.push({ ...base, op: 'delete', outcome });
    else {
      const read = written.length === 0 || random() < 0.3 ? null : (written[Math.floor(random() * written.length)] as string);
      operations.push({ ...base, op: 'get', outcome: 'ok', read });
    }
  }
  return operations;
}

function history(operations: readonly Operation[]): History {
  return {
    scenario: 'test',
    backend: 'test',
    seed: 0,
    clients: operations.length,
    durationMs: 10,
    linearizableKeys: [],
    ttlKeys: [],
    faults: [],
    operations,
  };
}

describe('the named checks', () => {
  it('find what their definitions find, on random histories', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const operations = randomHistory(seed, 2 + (seed % 60));
      const found = Object.fromEntries(runNamedChecks(history(operations)).map(({ check, anomalies }) => [check, anomalies]));
      const expected = byDefinition(operations);
      expect({ seed, ...found }).toMatchObject({ seed, ...expected });
    }
  });

  it('a write acknowledged before an absent read is lost unless a delete may have come after it', () => {
    const write: Operation = {
      client: 1,
      dc: 'dc1',
      key: 'k',
      op: 'post',
      value: 'a',
      invokeUs: 0,
      completeUs: 10,
      outcome: 'ok',
    };
    const read: Operation = {
      client: 2,
      dc: 'dc1',
      key: 'k',
      op: 'get',
      invokeUs: 20,
      completeUs: 30,
      outcome: 'ok',
      read: null,
    };
    const lost = (operations: Operation[]) =>
      runNamedChecks(history(operations)).find(({ check }) => check === 'acknowledged-writes-read-back')?.anomalies;
    expect(lost([write, read])).toBe(1);
    expect(lost([write, { ...read, dc: 'dc2' }])).toBe(0);
    const erase: Operation = { client: 3, dc: 'dc2', key: 'k', op: 'delete', invokeUs: 5, completeUs: 25, outcome: 'unknown' };
    expect(lost([write, erase, read])).toBe(0);
    expect(lost([write, { ...erase, invokeUs: 29, completeUs: 40 }, read])).toBe(0);
    expect(lost([write, { ...erase, invokeUs: 31, completeUs: 40 }, read])).toBe(1);
    // A delete over before the write began explains nothing.
    expect(lost([{ ...write, invokeUs: 8 }, { ...erase, invokeUs: 1, completeUs: 8, outcome: 'ok' }, read])).toBe(1);
  });
});
