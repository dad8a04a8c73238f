import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a client asked: a read (`get`, `patch`: whether a value is there) or a write. */
export type OperationKind = 'get' | 'post' | 'put' | 'cas' | 'delete' | 'cad' | 'patch';

/**
 * How an operation ended: `ok` (it took effect, or a read answered), `refused` (a precondition failed: 409, 412;
 * it took no effect), `failed` (never sent: the connection was refused), `unknown` (no answer, a 5xx or a broken
 * connection: it may or may not have taken effect).
 */
export type Outcome = 'ok' | 'refused' | 'failed' | 'unknown';

/** One operation as a client saw it; times are microseconds on the run's monotonic clock. */
export interface RecordedOperation {
  readonly client: number;
  /** The data centre of the server the client sent to. */
  readonly dc: string;
  readonly key: string;
  readonly op: OperationKind;
  /** The value written (post, put, cas). */
  readonly value?: string;
  /** The value whose ETag If-Match named (cas, cad). */
  readonly expected?: string;
  /** The TTL asked with Cache-Control: max-age (post on the TTL keys, patch). */
  readonly ttlSeconds?: number;
  readonly invokeUs: number;
  readonly completeUs: number;
  readonly outcome: Outcome;
  readonly status?: number;
  /** A get's answer: the value, or null when absent. */
  readonly read?: string | null;
  /** A patch's answer: whether a value was there. */
  readonly present?: boolean;
  /** The ETag answered (get, post, put, cas). */
  readonly etag?: string;
  /** A get's Kask-TTL: the whole seconds the value had left. */
  readonly kaskTtl?: number;
  /** Why the outcome is unknown or failed: an error code or a status. */
  readonly error?: string;
}

/** A fault injected during the run, from when it began until it was undone. */
export interface InjectedFault {
  readonly kind: string;
  readonly startUs: number;
  readonly endUs: number;
}

/** One run's history: what every client did, and the faults injected meanwhile. */
export interface History {
  readonly scenario: string;
  readonly backend: string;
  readonly seed: number;
  readonly clients: number;
  readonly durationMs: number;
  /** Keys whose operations are judged linearizable as a register with compare-and-set. */
  readonly linearizableKeys: readonly string[];
  /** Keys written with short TTLs, judged by the TTL check only. */
  readonly ttlKeys: readonly string[];
  readonly faults: readonly InjectedFault[];
  readonly operations: readonly RecordedOperation[];
}

/** Where histories are written: `.test-results/histories/` (kept as a CI artefact), or KASK_HISTORIES_DIR. */
export function historiesDirectory(): string {
  return process.env.KASK_HISTORIES_DIR ?? join(process.cwd(), '.test-results', 'histories');
}

/** Writes `history` as `NAME.json` in the histories directory; resolves its path. */
export function writeHistory(history: History, name: string): string {
  const directory = historiesDirectory();
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(history)}\n`);
  return path;
}

/** A monotonic clock in microseconds from its creation, shared by the clients and the faults of one run. */
export function runClock(): () => number {
  const start = process.hrtime.bigint();
  return () => Number((process.hrtime.bigint() - start) / 1000n);
}
