import { hash } from 'node:crypto';
import type { onRequestHookHandler } from 'fastify';
import type { NamespaceConfig } from '../../config/namespaces.js';
import { sessionPermissions } from '../../generated/contract.js';
import { decodedPath } from '../../http/paths.js';
import { sendProblem } from '../../http/problems.js';
import type { Limits } from '../../limits/decisions.js';
import type { LimitName } from '../../limits/limiter.js';
import { type LogThrottle, suppressedField } from '../../logging/log-throttle.js';
import { anonymousClient, unlistedClient } from '../../metrics/client-labels.js';
import type { Metrics } from '../../metrics/metrics.js';
import { isWarmUp } from '../../warm-up.js';

/** Where the rate limits of the namespaces that have some are decided, the metrics that count refusals, and who counts as a client. */
export interface RateLimiting {
  readonly limits: Limits;
  readonly metrics: Metrics;
  /** The identities `clients` lists: the only ones with buckets of their own, and the only ones a metric names. */
  readonly listedClients: ReadonlySet<string>;
}

/** What each limit's 429 says: which limit, never the key. */
function refusalDetails(namespace: NamespaceConfig): Readonly<Record<LimitName, string>> {
  return {
    namespace_reads: 'The namespace admits no more reads for now',
    namespace_writes: 'The namespace admits no more writes for now',
    client_reads: 'This client is admitted no more reads in the namespace for now',
    client_writes: 'This client is admitted no more writes in the namespace for now',
    key_writes: `The key is written more often than the namespace admits (${namespace.limits.key_writes_per_second} a second)`,
  };
}

/**
 * The key as the limits know it: a hash, so that no key is kept in memory longer than its request, nor sent to another
 * process. 72 bits: two keys share a cap with odds of 1 in 4.7 * 10^21 a pair, and finding a key that shares
 * another's needs that other key, which is a credential in itself.
 */
function keyHashOf(key: string): string {
  return hash('sha256', key, 'base64').slice(0, 12);
}

const permissions: Readonly<Record<string, string>> = sessionPermissions;

/**
 * The rate limits of a namespace that has some: after the access check (which named the client) and the key's parse,
 * before the body is read, so that a refused request costs no body and no storage. Reads take from the read buckets
 * (GET, HEAD), writes of a value (POST, PUT, PATCH) from the write buckets and the key's cap. DELETE takes from none:
 * a session must always be able to end, and a flood of writes in its namespace must not keep a user logged in. A
 * refusal is 429 with Retry-After, counted, and logged once a minute per client, namespace and limit, without the key.
 */
export function rateLimiter(
  namespace: NamespaceConfig,
  { limits, metrics, listedClients }: RateLimiting,
  throttle: LogThrottle,
): onRequestHookHandler {
  const details = refusalDetails(namespace);
  const capsKeys = namespace.limits.key_writes_per_second !== undefined;
  return function limitRate(request, reply, done) {
    const permission = permissions[request.method];
    // The warm-up's reads (server/src/warm-up.ts) are no client's: they spend no client's tokens.
    if (permission === 'delete' || isWarmUp(request)) return done();
    // A certificate the client CA signed names a client too, listed or not: only a listed one is a label.
    const identity = request.clientIdentity;
    const client = listedClients.has(identity) ? identity : undefined;
    const check = {
      namespace: namespace.name,
      client,
      kind: permission === 'read' ? ('reads' as const) : ('writes' as const),
      keyHash: capsKeys && permission === 'write' ? keyHashOf(request.sessionKey) : undefined,
    };
    limits.admit(check, (refusal) => {
      if (refusal === undefined) return done();
      const label = client ?? (identity === '' ? anonymousClient : unlistedClient);
      const fields = { client: label, namespace: namespace.name, limit: refusal.limit };
      metrics.rateLimited.inc(fields);
      const suppressed = throttle.admit(`${fields.client} ${fields.namespace} ${fields.limit}`);
      if (suppressed !== undefined) {
        const logged = {
          ...fields,
          method: request.method,
          retry_after: refusal.retryAfterSeconds,
          ...suppressedField(suppressed),
        };
        request.log.warn(logged, 'request over a rate limit');
      }
      sendProblem(reply, 'too_many_requests', decodedPath(request.url), details[refusal.limit], {
        'retry-after': String(refusal.retryAfterSeconds),
      });
    });
  };
}
