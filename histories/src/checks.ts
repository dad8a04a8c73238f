import type { History, RecordedOperation } from './history.js';

/** A named check's finding: how many operations break its promise, and a few of them described. */
export interface CheckFinding {
  readonly check: CheckName;
  readonly anomalies: number;
  readonly examples: readonly string[];
}

/**
 * The promises checked without a model, which hold for plain writes on every backend:
 * - `acknowledged-writes-read-back`: a read that begins after a write was acknowledged in the same data centre
 *   sees that write or a later one, never an older value nor absence (unless a delete may have come after it);
 * - `no-resurrection`: a read that begins after a DELETE was acknowledged (in any data centre: a DELETE reaches
 *   every one) never sees a value written before it;
 * - `reads-come-from-writes`: every value read was written by a write that was not refused;
 * - `ttl-never-extends`: a value written with max-age=N is not read after N seconds (and a little slack) from its
 *   acknowledgement, nor announced with a Kask-TTL above N by a read that began after it;
 * - `answers-as-documented`: no answer outside the operation's documented statuses but for 5xx.
 */
export type CheckName =
  | 'acknowledged-writes-read-back'
  | 'no-resurrection'
  | 'reads-come-from-writes'
  | 'ttl-never-extends'
  | 'answers-as-documented';

/** How late past its TTL a value may still be read: the time between a server's clock check and its answer. */
const ttlSlackUs = 500_000;
const keptExamples = 5;

const isWrite = (operation: RecordedOperation) => operation.op === 'post' || operation.op === 'put' || operation.op === 'cas';
const isDelete = (operation: RecordedOperation) => operation.op === 'delete' || operation.op === 'cad';
/** When an operation's effect is over at the latest: never known for an unknown one (it may still apply). */
const endOf = (operation: RecordedOperation) => (operation.outcome === 'ok' ? operation.completeUs : Number.POSITIVE_INFINITY);

function describe(operation: RecordedOperation): string {
  const read = operation.read === undefined ? '' : ` read ${operation.read ?? 'absent'}`;
  const written = operation.value === undefined ? '' : ` ${operation.value}`;
  return `client ${operation.client} (${operation.dc}) ${operation.op}${written} ${operation.key} [${operation.invokeUs}, ${operation.completeUs}] ${operation.outcome}${read}`;
}

class Findings {
  readonly #found = new Map<CheckName, string[]>();

  constructor(names: readonly CheckName[]) {
    for (const name of names) this.#found.set(name, []);
  }

  add(check: CheckName, what: string): void {
    this.#found.get(check)?.push(what);
  }

  list(): CheckFinding[] {
    return [...this.#found].map(([check, found]) => ({ check, anomalies: found.length, examples: found.slice(0, keptExamples) }));
  }
}

/** Judges the reads of one key against its acknowledged writes and deletes. */
function checkKey(operations: readonly RecordedOperation[], ttlKey: boolean, findings: Findings): void {
  const writers = new Map(operations.filter(isWrite).map((operation) => [operation.value as string, operation]));
  const acknowledged = operations.filter(
    (operation) => operation.outcome === 'ok' && (isWrite(operation) || isDelete(operation)),
  );
  const deletes = operations.filter(
    (operation) => isDelete(operation) && (operation.outcome === 'ok' || operation.outcome === 'unknown'),
  );
  for (const read of operations) {
    if (read.outcome !== 'ok' || (read.op !== 'get' && read.op !== 'patch')) continue;
    if (read.op === 'get' && typeof read.read === 'string') {
      const writer = writers.get(read.read);
      if (writer === undefined || writer.outcome === 'refused' || writer.outcome === 'failed') {
        findings.add('reads-come-from-writes', describe(read));
        continue;
      }
      if (ttlKey) {
        checkTtl(read, writer, findings);
        continue;
      }
      // A mutation acknowledged before the read began, which began after the value's write was over.
      const superseding = acknowledged.find(
        (mutation) =>
          mutation.completeUs < read.invokeUs &&
          endOf(writer) < mutation.invokeUs &&
          (isDelete(mutation) || mutation.dc === read.dc),
      );
      if (superseding !== undefined) {
        findings.add(
          isDelete(superseding) ? 'no-resurrection' : 'acknowledged-writes-read-back',
          `${describe(read)} after ${describe(superseding)}`,
        );
      }
    } else if (!ttlKey && (read.read === null || read.present === false)) {
      // Absent: every write acknowledged before the read began must be followed by a delete that may explain it.
      const lost = acknowledged.find(
        (write) =>
          isWrite(write) &&
          write.dc === read.dc &&
          write.completeUs < read.invokeUs &&
          !deletes.some((erase) => erase.invokeUs < read.completeUs && endOf(erase) > write.invokeUs),
      );
      if (lost !== undefined) findings.add('acknowledged-writes-read-back', `${describe(read)} after ${describe(lost)}`);
    }
  }
}

function checkTtl(read: RecordedOperation, writer: RecordedOperation, findings: Findings): void {
  const ttlSeconds = writer.ttlSeconds ?? 0;
  if (ttlSeconds === 0 || writer.outcome !== 'ok') return;
  const tooLate = read.invokeUs > writer.completeUs + ttlSeconds * 1_000_000 + ttlSlackUs;
  // NOTE: a read concurrent with the write may announce a second more on Cassandra, whose TTL() counts from the
  // read's start; only a read that began after the write was acknowledged is held to N.
  const tooLong = read.kaskTtl !== undefined && read.kaskTtl > ttlSeconds && read.invokeUs > writer.completeUs;
  if (tooLate || tooLong) {
    findings.add(
      'ttl-never-extends',
      `${describe(read)} Kask-TTL ${read.kaskTtl} after ${describe(writer)} max-age=${ttlSeconds}`,
    );
  }
}

/** Runs every named check over `history`. */
export function runNamedChecks(history: History): CheckFinding[] {
  const findings = new Findings([
    'acknowledged-writes-read-back',
    'no-resurrection',
    'reads-come-from-writes',
    'ttl-never-extends',
    'answers-as-documented',
  ]);
  const byKey = new Map<string, RecordedOperation[]>();
  for (const operation of history.operations) {
    if (operation.outcome === 'unknown' && /^status 4/.test(operation.error ?? '')) {
      findings.add('answers-as-documented', describe(operation));
    }
    const operations = byKey.get(operation.key);
    if (operations === undefined) byKey.set(operation.key, [operation]);
    else operations.push(operation);
  }
  const ttlKeys = new Set(history.ttlKeys);
  for (const [key, operations] of byKey) checkKey(operations, ttlKeys.has(key), findings);
  return findings.list();
}
