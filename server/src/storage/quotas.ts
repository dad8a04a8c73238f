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

/**
 * What the client is told of a refusal by quota: the quota, never the key. A new key is refused by max_keys only
 * when the namespace holds as many keys as it allows; max_bytes refuses a write too large for the room left, which
 * may be most of the quota.
 */
export function quotaDetail(refusal: QuotaRefusal, quota: Quota): string {
  return refusal === 'quota_bytes'
    ? `The write needs more bytes than the namespace's quota leaves it (max_bytes: ${quota.maxBytes}); nothing was changed`
    : `The namespace holds as many keys as its quota allows (max_keys: ${quota.maxKeys}); nothing was changed`;
}

/** What /healthz and /readyz say in `full` of a namespace whose quota refused a write. */
function quotaReason(refusal: QuotaRefusal, quota: Quota): string {
  return refusal === 'quota_bytes'
    ? `its quota max_bytes (${quota.maxBytes}) refused a write that would grow it: writes that grow it are refused until it holds less`
    : `its quota max_keys (${quota.maxKeys}) is reached: new keys are refused until it holds fewer`;
}

/**
 * The last refusal by a namespace's quota, which /healthz and /readyz report in `full` until what the namespace
 * holds changes: a write taken that grew it (in any process) or a delete, a purge or compaction that made room.
 */
export class QuotaRefusals {
  readonly #quota: Quota;
  #last: { readonly refusal: QuotaRefusal; readonly holding: Holding } | undefined;

  constructor(quota: Quota) {
    this.#quota = quota;
  }

  /** The error of a write refused by `refusal` (507) while the namespace held `holding`; `operation` names the backend and the operation. */
  refused(operation: string, refusal: QuotaRefusal, holding: Holding): StorageFullError {
    this.#last = { refusal, holding: { bytes: holding.bytes, keys: holding.keys } };
    return new StorageFullError(refusal, `${operation} refused: ${refusal}`, {
      reason: quotaReason(refusal, this.#quota),
      detail: quotaDetail(refusal, this.#quota),
    });
  }

  /**
   * Why writes are refused by a quota, or undefined; `now` reads what the namespace holds (undefined: unknown), only
   * after a refusal.
   */
  refusing(now: () => Holding | undefined): string | undefined {
    const last = this.#last;
    if (last === undefined) return undefined;
    const holding = now();
    if (holding === undefined || holding.bytes !== last.holding.bytes || holding.keys !== last.holding.keys) {
      this.#last = undefined;
      return undefined;
    }
    return quotaReason(last.refusal, this.#quota);
  }
}
