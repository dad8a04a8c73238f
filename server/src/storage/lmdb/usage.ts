import type { Quota } from '../backend.js';

// What an embedded database holds, counted exactly: its keys, and its bytes (each key's and value's, without the
// record's header). The count is a record of the database itself, rewritten in the transaction of every write
// that changes it, so that it is exact across the worker processes (LMDB serializes their write transactions)
// and survives restarts. A database without it (written by an earlier build, or just truncated) is counted once,
// in the transaction of its next write.

/** What a database holds. */
export interface Usage {
  readonly bytes: number;
  readonly keys: number;
  /** Bytes of keys and values written since the count began (a counter: never goes down). */
  readonly writtenBytes: number;
}

// NOTE: the count's key begins with 0xFF, a byte no UTF-8 text holds, so no client key (valid UTF-8, checked by
// the HTTP layer) can name it, and it sorts after every client key.
export const usageKey = Buffer.from([0xff, ...Buffer.from('kask-ts:usage')]);

/** Whether `key` is the count's, not a client's. */
export function isUsageKey(key: Uint8Array): boolean {
  return Buffer.compare(key, usageKey) === 0;
}

/** The count as the value of its record. */
export function usageValue(usage: Usage): Buffer {
  const value = Buffer.allocUnsafe(24);
  value.writeDoubleBE(usage.bytes, 0);
  value.writeDoubleBE(usage.keys, 8);
  value.writeDoubleBE(usage.writtenBytes, 16);
  return value;
}

/** The count a record's value holds. */
export function usageOf(value: Buffer): Usage {
  return { bytes: value.readDoubleBE(0), keys: value.readDoubleBE(8), writtenBytes: value.readDoubleBE(16) };
}

/**
 * The quota a write that takes a database from `before` to `after` goes beyond, or undefined when it is within
 * them. A write that does not grow what the database holds (a rewrite no larger, a TTL change, a removal) is
 * never refused, even over a quota lowered since.
 */
export function quotaRefusal(quota: Quota, before: Usage, after: Usage): 'quota_bytes' | 'quota_keys' | undefined {
  if (quota.maxBytes !== undefined && after.bytes > before.bytes && after.bytes > quota.maxBytes) return 'quota_bytes';
  if (quota.maxKeys !== undefined && after.keys > before.keys && after.keys > quota.maxKeys) return 'quota_keys';
  return undefined;
}

/** What the client is told of a refusal by quota: the quota, never the key. */
export function quotaDetail(refusal: 'quota_bytes' | 'quota_keys', quota: Quota): string {
  return refusal === 'quota_bytes'
    ? `The namespace holds as many bytes as its quota allows (max_bytes: ${quota.maxBytes}); nothing was changed`
    : `The namespace holds as many keys as its quota allows (max_keys: ${quota.maxKeys}); nothing was changed`;
}
