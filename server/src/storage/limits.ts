// What the backends can store, so that the configuration refuses limits they cannot honour and a request
// beyond them is refused (400) or clamped before it reaches a backend, never failed by one (500).

/** The longest key each backend stores, in bytes of UTF-8: LMDB's key limit with its default page size, and Cassandra's partition key limit. */
export const backendMaxKeyBytes = { embedded: 1978, cassandra: 65535 } as const;

/** The longest TTL, in seconds, that every backend stores: Cassandra refuses more than 20 years (its MAX_TTL). */
export const backendMaxTtlSeconds = 20 * 365 * 24 * 60 * 60;
