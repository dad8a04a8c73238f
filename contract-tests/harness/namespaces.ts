import { inject } from 'vitest';

/**
 * The namespaces of the contract suite's namespaced server: Wikimedia's sessions and Echo's seen-times, with
 * different TTLs and limits (echoseen's values expire after a few seconds, for the expiry tests).
 */
export const contractNamespaces = {
  sessions: { base_uri: '/sessions/v1/', default_ttl: 86400, max_key_bytes: 255, max_value_bytes: 65536 },
  echoseen: {
    base_uri: '/echoseen/v1/',
    default_ttl: 4,
    max_ttl: 4,
    max_key_bytes: 64,
    max_value_bytes: 1024,
    table: 'echo_seen',
  },
} as const;

/**
 * The secret of the namespaced server's insight (`insight.secret_file`): the suite computes a key's hash with it,
 * as an operator would.
 */
export const contractInsightSecret = 'the contract suite insight secret, 32 bytes or more';

/** One namespace of the namespaced server, as the contract suite reaches it. */
export interface NamespaceTarget {
  readonly name: string;
  /** Its session route, e.g. `http://127.0.0.1:8081/echoseen/v1/`. */
  readonly baseUrl: string;
  readonly defaultTtl: number;
  readonly maxTtl: number;
  readonly maxKeyBytes: number;
  readonly maxValueBytes: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** A server with the two namespaces of `contractNamespaces`; only for `contract-tests/namespaces/`. */
    kaskNamespaces?: NamespaceTarget[];
  }
}

/** The namespaces of the server started with `contractNamespaces` at `origin`, to provide to the suite. */
export function namespaceTargets(origin: string): NamespaceTarget[] {
  return Object.entries(contractNamespaces).map(([name, namespace]) => ({
    name,
    baseUrl: `${origin}${namespace.base_uri}`,
    defaultTtl: namespace.default_ttl,
    maxTtl: 'max_ttl' in namespace ? namespace.max_ttl : namespace.default_ttl,
    maxKeyBytes: namespace.max_key_bytes,
    maxValueBytes: namespace.max_value_bytes,
  }));
}

/** The namespaced server's namespaces; its global setup must provide them. */
export function namespacedServer(): readonly NamespaceTarget[] {
  const namespaces = inject('kaskNamespaces');
  if (namespaces === undefined)
    throw new Error('this project provides no namespaced server: only contract-tests/namespaces/ needs one');
  return namespaces;
}
