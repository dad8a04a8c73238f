import { hash } from 'node:crypto';

/**
 * The storage interface every backend implements. Backends know nothing of HTTP; the HTTP layer knows
 * nothing of any backend. Keys are UTF-8 strings already validated by the HTTP layer; values are opaque.
 */
export interface Storage {
  /** The backend's name, used in metrics and /healthz (`embedded`, `cassandra`). */
  readonly backend: string;
  /** The live value of `key` with its digest and expiry, or `undefined` when it is absent or expired. */
  get(key: string): Promise<StoredValue | undefined>;
  /**
   * Stores `value` under `key`; it expires after `ttlSeconds` (0 = never). Resolves once durable, with whether the
   * key held this very value; `compare` asks for that answer also where it costs a read (see SetOutcome).
   */
  set(key: string, value: Buffer, ttlSeconds: number, compare?: boolean): Promise<SetOutcome>;
  /** Removes `key`; resolves also when it was absent. */
  delete(key: string): Promise<void>;
  /** Stores `value` only if `key` has no live value, atomically; resolves whether it was stored. */
  add(key: string, value: Buffer, ttlSeconds: number): Promise<boolean>;
  /** Replaces the live value of `key` only if it still equals `expected`, atomically; resolves whether it was replaced. */
  compareAndSet(key: string, expected: Buffer, value: Buffer, ttlSeconds: number): Promise<boolean>;
  /** Removes the live value of `key` only if it still equals `expected`, atomically; resolves whether it was removed. */
  compareAndDelete(key: string, expected: Buffer): Promise<boolean>;
  /** Gives the live value of `key` a new TTL without changing it, atomically; resolves false when there is none. */
  touch(key: string, ttlSeconds: number): Promise<boolean>;
  /** Resolves when the storage answers; rejects with a StorageError, which says why, otherwise (readiness). */
  ping(): Promise<void>;
  /**
   * Why the storage refuses writes for want of space now (the last write was refused so, and neither has a write
   * succeeded since nor has room come back), or by its quota (the last write was, and what it holds has not changed
   * since), in words that hold no key; undefined when it takes writes.
   */
  refusingWrites(): string | undefined;
  /**
   * What the namespace holds, for metrics, quotas and `kask-ts stats`, counted or estimated (see Census); undefined
   * while the backend cannot tell (Cassandra: before its size estimates have been read).
   */
  census(): Promise<Census | undefined>;
  /**
   * Readies what the first requests would otherwise wait for (connections, prepared statements), changing no
   * data; resolves once done (a backend with nothing to ready has no such method).
   */
  warm?(): Promise<void>;
  /** Releases every resource; no call may follow. */
  close(): Promise<void>;
}

/** What a namespace holds: never a key. */
export interface Census {
  /** Keys held, expired ones included until they are purged. */
  readonly keys: number;
  /** Bytes of those keys and their values. */
  readonly bytes: number;
  /**
   * Whether keys and bytes are the backend's estimates (Cassandra's size estimates, refreshed on an interval) rather
   * than an exact count as of the last write (the embedded store).
   */
  readonly estimated: boolean;
  /**
   * Bytes of keys and values written since the count began: grows with every write (its rate: bytes written per
   * second); undefined where the storage keeps no such count (Cassandra).
   */
  readonly writtenBytes: number | undefined;
  /** The filesystem that holds the store, when it is this machine's (the embedded store). */
  readonly filesystem: { readonly freeBytes: number; readonly sizeBytes: number } | undefined;
}

/**
 * What a set replaced: `unchanged` when the key's live value was the value written (a same-value rewrite),
 * `changed` when it was another or none. `unknown` when the backend cannot tell without reading first and the
 * caller did not ask it to (Cassandra: a read at LOCAL_QUORUM); a backend that can tell for free always does
 * (the embedded store compares the digest its record keeps).
 */
export type SetOutcome = 'unchanged' | 'changed' | 'unknown';

/**
 * A stored value, its SHA-256 digest, which stands for the value in comparisons (the HTTP layer's ETag), and
 * when it expires (milliseconds since the epoch; `undefined`: never), read with it in the same lookup.
 */
export interface StoredValue {
  readonly value: Buffer;
  readonly digest: Buffer;
  readonly expiresAt: number | undefined;
}

/** The SHA-256 digest of a value, as every backend computes it. */
export function digestOf(value: Buffer): Buffer {
  return hash('sha256', value, 'buffer');
}

/**
 * Why a storage operation failed: `unavailable` is transient (503, retry later), `fault` is a bug or bad state (500),
 * `full` is a write refused for want of space or over a namespace's quota, which changed nothing (507).
 */
export type StorageErrorKind = 'unavailable' | 'fault' | 'full';

/**
 * Why a write was refused as `full`, a metric label: the filesystem is full (ENOSPC, EDQUOT, or EIO while it is
 * nearly full), LMDB's map is full, or the namespace's quota of bytes or keys is reached.
 */
export type Refusal = 'disk_full' | 'map_full' | 'quota_bytes' | 'quota_keys';

/** Why the storage cannot serve, when its backend does not say more. */
const reasonsByKind: Readonly<Record<StorageErrorKind, string>> = {
  unavailable: 'the storage does not answer',
  fault: 'the storage failed',
  full: 'the storage is full',
};

/**
 * The one error type backends throw; `cause` keeps the backend's own error for the log, never for clients.
 * `reason` says why the storage cannot serve in words that hold no key, value, credential or address: it is
 * logged, and /readyz's 503 tells it to whoever asks.
 */
export class StorageError extends Error {
  readonly kind: StorageErrorKind;
  readonly reason: string;

  constructor(kind: StorageErrorKind, message: string, options?: { cause?: unknown; reason?: string }) {
    super(message, options);
    this.name = 'StorageError';
    this.kind = kind;
    this.reason = options?.reason ?? reasonsByKind[kind];
  }
}

/**
 * A write refused for want of space or quota (kind `full`): nothing changed, and the store goes on serving reads.
 * `detail` is what the client is told (a quota's name and size; never a key), else the problem's own detail.
 */
export class StorageFullError extends StorageError {
  readonly refusal: Refusal;
  readonly detail: string | undefined;

  constructor(refusal: Refusal, message: string, options: { cause?: unknown; reason: string; detail?: string }) {
    super('full', message, options);
    this.name = 'StorageFullError';
    this.refusal = refusal;
    this.detail = options.detail;
  }
}

/** Why a storage operation failed, in words anyone may read: a StorageError's reason, else that the storage failed. */
export function failureReason(error: unknown): string {
  return error instanceof StorageError ? error.reason : reasonsByKind.fault;
}
