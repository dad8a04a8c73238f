import type { Quota } from './backend.js';
import { StorageFullError } from './storage.js';

// A namespace's quotas (`max_bytes`, `max_keys`), the same for every backend: which write goes beyond them, and how
// it is refused. What the namespace holds comes from the backend: an exact count (the embedded store) or estimates
// (Cassandra).

/** Why a write was refused by a quota (a `Refusal` of storage.ts). */
export type QuotaRefusal = 'quota_bytes' | 'quota_keys';

/** What a namespace holds, as quotas count it: bytes of keys and values, and keys. */
export interface Holding {
  readonly bytes: number;
  readonly keys: number;
}

/**
 * The quota a write that takes a namespace from `before` to `after` goes beyond, or undefined when it is within
 * them. A write that does not grow what the namespace holds (a rewrite no larger, a TTL change, a removal) is
 * never refused, even over a quota lowered since.
 */
export function quotaRefusal(quota: Quota, before: Holding, after: Holding): QuotaRefusal | undefined {
  if (quota.maxBytes !== undefined && after.bytes > before.bytes && after.bytes > quota.maxBytes) return 'quota_bytes';
  if (quota.maxKeys !== undefined && after.keys > before.keys && after.keys > quota.maxKeys) return 'quota_keys';
  return undefined;
}

/** What the client is told of a refusal by quota: the quota, never the key. */
export function quotaDetail(refusal: QuotaRefusal, quota: Quota): string {
  return refusal === 'quota_bytes'
    ? `The namespace holds as many bytes as its quota allows (max_bytes: ${quota.maxBytes}); nothing was changed`
    : `The namespace holds as many keys as its quota allows (max_keys: ${quota.maxKeys}); nothing was changed`;
}

/** The error of a write refused by `refusal` of `quota` (507); `operation` names the backend and the operation. */
export function quotaRefused(operation: string, refusal: QuotaRefusal, quota: Quota): StorageFullError {
  return new StorageFullError(refusal, `${operation} refused: ${refusal}`, {
    reason: `the namespace's quota (${refusal === 'quota_bytes' ? 'max_bytes' : 'max_keys'}) is reached`,
    detail: quotaDetail(refusal, quota),
  });
}
