import { KeyWriteCaps } from './key-write-caps.js';
import { type BucketSettings, TokenBucket } from './token-bucket.js';

/** One client's buckets in a namespace, or the namespace's own: reads (GET, HEAD) and writes of a value (POST, PUT, PATCH). */
export interface RateLimits {
  readonly reads: BucketSettings | undefined;
  readonly writes: BucketSettings | undefined;
}

/** A namespace's limits: its own buckets, each listed client's in it, and the per-key write cap. */
export interface NamespaceLimits extends RateLimits {
  /** At most this many writes of a value (POST, PUT, PATCH) a second to each key; `undefined`: no cap. */
  readonly key_writes_per_second: number | undefined;
  /** By client identity, in the form identities are compared in. */
  readonly clients: ReadonlyMap<string, RateLimits>;
}

/** A namespace and its limits. */
export interface LimitedNamespace {
  readonly name: string;
  readonly limits: NamespaceLimits;
}

/** Whether any limit applies to the namespace: a namespace without any is never checked. */
export function hasLimits({ reads, writes, key_writes_per_second, clients }: NamespaceLimits): boolean {
  return reads !== undefined || writes !== undefined || key_writes_per_second !== undefined || clients.size > 0;
}

/** Whether any namespace has limits: without, no process checks any request. */
export function anyLimits(namespaces: readonly LimitedNamespace[]): boolean {
  return namespaces.some((namespace) => hasLimits(namespace.limits));
}

/** What a request asks of the limits. */
export type Kind = keyof RateLimits;

/** The limit that refused a request (a metric label, and what the problem's detail speaks of). */
export type LimitName = 'namespace_reads' | 'namespace_writes' | 'client_reads' | 'client_writes' | 'key_writes';

/** A request's claim on the limits: where it goes, who sends it, what it does. */
export interface LimitCheck {
  readonly namespace: string;
  /** The client's identity when the configuration lists clients and this one is identified. */
  readonly client: string | undefined;
  readonly kind: Kind;
  /** The hash of the key written, for a write of a value in a namespace with a per-key cap; never the key. */
  readonly keyHash: string | undefined;
}

/** A request refused: the limit, and the whole seconds until it would admit it (at least 1: `Retry-After`). */
export interface Refusal {
  readonly limit: LimitName;
  readonly retryAfterSeconds: number;
  /** The bucket that refused (of `bucketIdsOf`), and the milliseconds until it has a token: not one comes sooner. */
  readonly bucket: string;
  readonly waitMs: number;
}

/** A token bucket that applies to a request: its id among every namespace's buckets, the limit it is, its settings. */
export interface AppliedBucket {
  readonly id: string;
  readonly limit: LimitName;
  readonly settings: BucketSettings;
}

/**
 * The token buckets of `limits` that apply to `check`, in the order they are checked: its client's in the namespace,
 * then the namespace's own. Worker and primary find the same ones from the same configuration.
 */
export function appliedBuckets(limits: NamespaceLimits, check: LimitCheck): AppliedBucket[] {
  const applied: AppliedBucket[] = [];
  const client = check.client === undefined ? undefined : limits.clients.get(check.client)?.[check.kind];
  if (client !== undefined) {
    applied.push({ id: `${check.namespace} ${check.kind} ${check.client}`, limit: `client_${check.kind}`, settings: client });
  }
  const own = limits[check.kind];
  if (own !== undefined)
    applied.push({ id: `${check.namespace} ${check.kind}`, limit: `namespace_${check.kind}`, settings: own });
  return applied;
}

/** The id of the per-key cap's bucket of a check's key. */
function keyBucketId(check: LimitCheck): string {
  return `${check.namespace} key ${check.keyHash}`;
}

/** The ids of every bucket that applies to `check`: those of `appliedBuckets`, and its key's when its key is capped. */
export function bucketIdsOf(limits: NamespaceLimits, check: LimitCheck): string[] {
  const ids = appliedBuckets(limits, check).map(({ id }) => id);
  if (check.keyHash !== undefined && limits.key_writes_per_second !== undefined) ids.push(keyBucketId(check));
  return ids;
}

/** Tokens a worker holds of a bucket, by bucket id: what it may admit without asking. */
export type Leases = Readonly<Record<string, number>>;

/**
 * Decides requests against every namespace's limits, as one service: a request is admitted when each bucket that
 * applies to it (its client's in the namespace, the namespace's, its key's) has a token, and then takes one from
 * each; a refused request takes none, so that it costs no other request its place.
 *
 * Shared by several workers, it also lends each a few tokens of a bucket at a time (`lease`), which the worker
 * spends without asking: up to an eighth of the bucket's burst over all the workers, so that the tokens out on lease,
 * which a worker may spend after the bucket has refilled, or leave unspent while another is refused, are at most an
 * eighth of a burst. A bucket whose eighth is less than a token per worker lends none.
 */
export class Limiter {
  readonly #limits: ReadonlyMap<string, NamespaceLimits>;
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #keys: ReadonlyMap<string, KeyWriteCaps>;
  readonly #workers: number;

  /** `workers`: the processes whose requests it decides and to which it lends tokens; 1 lends none. */
  constructor(namespaces: readonly LimitedNamespace[], nowMs: number, workers = 1) {
    this.#limits = new Map(namespaces.map(({ name, limits }) => [name, limits]));
    this.#keys = new Map(
      namespaces.flatMap(({ name, limits }) =>
        limits.key_writes_per_second === undefined ? [] : [[name, new KeyWriteCaps(limits.key_writes_per_second)] as const],
      ),
    );
    this.#workers = workers;
    for (const { name, limits } of namespaces) {
      const clients = [...limits.clients.keys()];
      for (const kind of ['reads', 'writes'] as const) {
        for (const client of [undefined, ...clients]) {
          for (const { id, settings } of appliedBuckets(limits, { namespace: name, client, kind, keyHash: undefined })) {
            if (!this.#buckets.has(id)) this.#buckets.set(id, new TokenBucket(settings, nowMs));
          }
        }
      }
    }
  }

  /** Admits the request (`undefined`), counting it, or refuses it with the limit that waits longest. */
  decide(check: LimitCheck, nowMs: number): Refusal | undefined {
    const limits = this.#limits.get(check.namespace);
    if (limits === undefined) return undefined;
    const applied = appliedBuckets(limits, check).map(({ id, limit }) => ({
      id,
      limit,
      bucket: this.#buckets.get(id) as TokenBucket,
    }));
    const keys = check.keyHash === undefined ? undefined : this.#keys.get(check.namespace);
    let longest: { id: string; limit: LimitName; seconds: number } | undefined;
    const wait = (id: string, limit: LimitName, seconds: number) => {
      if (seconds > 0 && (longest === undefined || seconds > longest.seconds)) longest = { id, limit, seconds };
    };
    for (const { id, limit, bucket } of applied) wait(id, limit, bucket.secondsUntilToken(nowMs));
    if (keys !== undefined) wait(keyBucketId(check), 'key_writes', keys.secondsUntilWrite(check.keyHash as string, nowMs));
    if (longest !== undefined) {
      const { id, limit, seconds } = longest;
      return { limit, retryAfterSeconds: Math.max(1, Math.ceil(seconds)), bucket: id, waitMs: seconds * 1000 };
    }
    for (const { bucket } of applied) bucket.take();
    keys?.write(check.keyHash as string, nowMs);
    return undefined;
  }

  /**
   * Tops up what a worker holds of each bucket that applies to `check` but those in `lent` to a lease, and adds what
   * it lends to `lent` (`held`: the worker's unspent tokens by bucket, as its message said); none of a key's cap, which
   * stays here. A worker never holds more than one lease of a bucket, whatever mix of checks it asks for: a bucket
   * that runs out first makes the worker ask while it still holds tokens of the others.
   */
  lease(check: LimitCheck, nowMs: number, held: Leases, lent: Record<string, number>): void {
    const limits = this.#limits.get(check.namespace);
    if (limits === undefined || this.#workers === 1) return;
    for (const { id, settings } of appliedBuckets(limits, check)) {
      const short = Math.floor(settings.burst / (8 * this.#workers)) - Math.floor(held[id] ?? 0);
      if (id in lent || short < 1) continue;
      lent[id] = (this.#buckets.get(id) as TokenBucket).takeUpTo(short, nowMs);
    }
  }
}
