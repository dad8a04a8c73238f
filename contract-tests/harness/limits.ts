import { inject } from 'vitest';

/** The identities of the limits server's clients, named by its trusted proxy (this suite, on loopback). */
export const limitedClient = 'limited-client';
export const unlimitedClient = 'unlimited-client';

/** Each test's namespace: a limit of each kind, so that no test spends another's tokens. */
export const contractLimitedNamespaces = {
  reads_capped: { base_uri: '/reads-capped/v1/', limits: { reads: { per_second: 1, burst: 10 } } },
  writes_capped: { base_uri: '/writes-capped/v1/', limits: { writes: { per_second: 1, burst: 10 } } },
  per_client: {
    base_uri: '/per-client/v1/',
    limits: { clients: { [limitedClient]: { reads: { per_second: 1, burst: 5 }, writes: { per_second: 1, burst: 5 } } } },
  },
  per_key: { base_uri: '/per-key/v1/', limits: { key_writes_per_second: 1 } },
} as const;

const everything = ['read', 'write', 'delete'];
const inEveryNamespace = Object.fromEntries(Object.keys(contractLimitedNamespaces).map((name) => [name, everything]));

/**
 * The limits server's configuration beyond its backend: two workers, so that every limit is checked to hold for the
 * service rather than for each process; clients named in X-Forwarded-Client-Cert by a trusted proxy on loopback.
 */
export const contractLimitsConfig = {
  workers: 2,
  trusted_proxy: ['127.0.0.1'],
  clients: { [limitedClient]: inEveryNamespace, [unlimitedClient]: inEveryNamespace },
  namespaces: contractLimitedNamespaces,
};

declare module 'vitest' {
  export interface ProvidedContext {
    /** The origin of a server configured with `contractLimitsConfig`; only for `contract-tests/limits/`. */
    kaskLimitsOrigin?: string;
  }
}

/** The origin of the limits server; its global setup must provide it. */
export function limitsServerOrigin(): string {
  const origin = inject('kaskLimitsOrigin');
  if (origin === undefined) throw new Error('this project provides no limits server: only contract-tests/limits/ needs one');
  return origin;
}
