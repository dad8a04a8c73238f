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

/**
 * Of operations sorted by `by`, the one with the greatest `score` among those whose `by` is below a time: each prefix's
 * best kept, found by binary search. The checks ask it once a read, so that a key's checks cost n log n, not n³ (a
 * quiet machine records hundreds of thousands of operations in 30 s).
 */
class BestBefore {
  readonly #times: number[];
  readonly #best: RecordedOperation[];

  constructor(
    operations: readonly RecordedOperation[],
    by: (operation: RecordedOperation) => number,
    score: (operation: RecordedOperation) => number,
  ) {
    const sorted = [...operations].sort((a, b) => by(a) - by(b));
    this.#times = sorted.map(by);
    let best: RecordedOperation | undefined;
    this.#best = sorted.map((operation) => {
      if (best === undefined || score(operation) > score(best)) best = operation;
      return best;
    });
  }

  /** The best of those whose time is below `time`; undefined when none is. */
  before(time: number): RecordedOperation | undefined {
    let [low, high] = [0, this.#times.length];
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.#times[middle] as number) < time) low = middle + 1;
      else high = middle;
    }
    return low === 0 ? undefined : this.#best[low - 1];
  }
}

const invoked = (operation: RecordedOperation) => operation.invokeUs;
const completed = (operation: RecordedOperation) => operation.completeUs;

/** `operations` by data centre, each as a BestBefore of those acknowledged before a time that began last. */
function lastBegunByDc(operations: readonly RecordedOperation[]): Map<string, BestBefore> {
  const byDc = new Map<string, RecordedOperation[]>();
  for (const operation of operations) byDc.set(operation.dc, [...(byDc.get(operation.dc) ?? []), operation]);
  return new Map([...byDc].map(([dc, members]) => [dc, new BestBefore(members, completed, invoked)]));
}

/** The later-begun of two operations, either possibly absent. */
function laterBegun(one: RecordedOperation | undefined, other: RecordedOperation | undefined): RecordedOperation | undefined {
  if (one === undefined) return other;
  return other === undefined || one.invokeUs >= other.invokeUs ? one : other;
}

/** Judges the reads of one key against its acknowledged writes and deletes. */
function checkKey(operations: readonly RecordedOperation[], ttlKey: boolean, findings: Findings): void {
  const writers = new Map(operations.filter(isWrite).map((operation) => [operation.value as string, operation]));
  const acknowledgedWrites = operations.filter((operation) => operation.outcome === 'ok' && isWrite(operation));
  const acknowledgedDeletes = operations.filter((operation) => operation.outcome === 'ok' && isDelete(operation));
  // Acknowledged before a time, the write of the read's data centre (or delete, of any) that began last.
  const lastWriteByDc = lastBegunByDc(acknowledgedWrites);
  const lastDelete = new BestBefore(acknowledgedDeletes, completed, invoked);
  // Begun before a time, the delete that may have taken effect the latest (an unknown one: any time after).
  const latestEndingDelete = new BestBefore(
    operations.filter((operation) => isDelete(operation) && (operation.outcome === 'ok' || operation.outcome === 'unknown')),
    invoked,
    endOf,
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
      const superseding = laterBegun(lastDelete.before(read.invokeUs), lastWriteByDc.get(read.dc)?.before(read.invokeUs));
      if (superseding !== undefined && endOf(writer) < superseding.invokeUs) {
        findings.add(
          isDelete(superseding) ? 'no-resurrection' : 'acknowledged-writes-read-back',
          `${describe(read)} after ${describe(superseding)}`,
        );
      }
    } else if (!ttlKey && (read.read === null || read.present === false)) {
      // Absent: every write acknowledged before the read began must be followed by a delete that may explain it,
      // one begun before the read ended and over no sooner than the write began; the write that began last is the
      // hardest to explain.
      const lost = lastWriteByDc.get(read.dc)?.before(read.invokeUs);
      const erase = latestEndingDelete.before(read.completeUs);
      if (lost !== undefined && (erase === undefined || endOf(erase) <= lost.invokeUs)) {
        findings.add('acknowledged-writes-read-back', `${describe(read)} after ${describe(lost)}`);
      }
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
