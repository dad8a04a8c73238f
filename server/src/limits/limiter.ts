import { KeyWriteCaps } from './key-write-caps.js';
import { type BucketSettings, TokenBucket } from './token-bucket.js';

/** One client's buckets in a namespace, or the namespace's own: reads (GET, HEAD) and writes (POST, PUT, PATCH, DELETE). */
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
}

/** One namespace's buckets. */
interface NamespaceBuckets {
  readonly own: Partial<Record<Kind, TokenBucket>>;
  readonly clients: ReadonlyMap<string, Partial<Record<Kind, TokenBucket>>>;
  readonly keys: KeyWriteCaps | undefined;
}

function bucketsOf(limits: RateLimits, nowMs: number): Partial<Record<Kind, TokenBucket>> {
  return {
    ...(limits.reads === undefined ? {} : { reads: new TokenBucket(limits.reads, nowMs) }),
    ...(limits.writes === undefined ? {} : { writes: new TokenBucket(limits.writes, nowMs) }),
  };
}

/**
 * Decides requests against every namespace's limits, as one service: a request is admitted when each bucket that
 * applies to it (its client's in the namespace, the namespace's, its key's) has a token, and then takes one from
 * each; a refused request takes none, so that it costs no other request its place.
 */
export class Limiter {
  readonly #namespaces: ReadonlyMap<string, NamespaceBuckets>;

  constructor(namespaces: readonly LimitedNamespace[], nowMs: number) {
    this.#namespaces = new Map(
      namespaces.map(({ name, limits }) => [
        name,
        {
          own: bucketsOf(limits, nowMs),
          clients: new Map([...limits.clients].map(([client, buckets]) => [client, bucketsOf(buckets, nowMs)])),
          keys: limits.key_writes_per_second === undefined ? undefined : new KeyWriteCaps(limits.key_writes_per_second),
        },
      ]),
    );
  }

  /** Admits the request (`undefined`), counting it, or refuses it with the limit that waits longest. */
  decide(check: LimitCheck, nowMs: number): Refusal | undefined {
    const namespace = this.#namespaces.get(check.namespace);
    if (namespace === undefined) return undefined;
    const clientBucket = check.client === undefined ? undefined : namespace.clients.get(check.client)?.[check.kind];
    const ownBucket = namespace.own[check.kind];
    const keys = check.keyHash === undefined ? undefined : namespace.keys;
    const waits: [LimitName, number][] = [
      [`client_${check.kind}`, clientBucket?.secondsUntilToken(nowMs) ?? 0],
      [`namespace_${check.kind}`, ownBucket?.secondsUntilToken(nowMs) ?? 0],
      ['key_writes', keys?.secondsUntilWrite(check.keyHash as string, nowMs) ?? 0],
    ];
    let longest: [LimitName, number] | undefined;
    for (const wait of waits) if (wait[1] > 0 && (longest === undefined || wait[1] > longest[1])) longest = wait;
    if (longest !== undefined) return { limit: longest[0], retryAfterSeconds: Math.max(1, Math.ceil(longest[1])) };
    clientBucket?.take();
    ownBucket?.take();
    keys?.write(check.keyHash as string, nowMs);
    return undefined;
  }
}
