import type { ClientPermissions } from '../auth/permissions.js';
import type { NamespaceLimits, RateLimits } from '../limits/limiter.js';
import type { BucketSettings } from '../limits/token-bucket.js';
import { fail } from '../validation/rules.js';
import { comparedIdentities } from './clients.js';
import type { ParsedFile } from './schema.js';

// Each namespace's rate limits, from its own `limits` and the top-level one (see Rate limits).

/** A `limits` section as the schema parses it. */
type ParsedLimits = ParsedFile['limits'];

/** A bucket's keys as parsed: none given is no bucket; a burst defaults to a second's worth. */
function bucketOf(parsed: ParsedLimits['reads'] | undefined): BucketSettings | undefined {
  if (parsed?.per_second === undefined) return undefined;
  return { per_second: parsed.per_second, burst: parsed.burst ?? parsed.per_second };
}

/**
 * The clients' buckets of `parsed`, by the form their identities are compared in; each must be listed in `clients`
 * (the only identities a request is ever given), and two that are one client are refused, naming `key`.
 */
function clientBuckets(
  parsed: ParsedLimits['clients'],
  key: string,
  listed: ClientPermissions | undefined,
): ReadonlyMap<string, RateLimits> {
  if (parsed === undefined) return new Map();
  if (listed === undefined) fail(key, 'needs clients: without them no client is identified');
  const identities = comparedIdentities([...parsed.keys()], key);
  return new Map(
    [...parsed].map(([given, buckets]) => {
      const identity = identities.get(given) as string;
      if (!Object.hasOwn(listed, identity)) fail(`${key}.${given}`, 'is not a client listed in clients');
      return [identity, { reads: bucketOf(buckets.reads), writes: bucketOf(buckets.writes) }];
    }),
  );
}

/**
 * A namespace's limits: each key of its own `limits` (`own`, at `ownKey`), else the top-level one's; Kask's single
 * namespace has only the top-level ones.
 */
export function namespaceLimits(
  parsed: ParsedFile,
  own?: { readonly limits: ParsedLimits; readonly key: string },
): NamespaceLimits {
  const top = parsed.limits;
  const clients =
    own?.limits.clients !== undefined
      ? clientBuckets(own.limits.clients, `${own.key}.clients`, parsed.clients)
      : clientBuckets(top.clients, 'limits.clients', parsed.clients);
  return {
    reads: bucketOf(own?.limits.reads) ?? bucketOf(top.reads),
    writes: bucketOf(own?.limits.writes) ?? bucketOf(top.writes),
    key_writes_per_second: own?.limits.key_writes_per_second ?? top.key_writes_per_second,
    clients,
  };
}
