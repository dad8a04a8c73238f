import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The session route's base URL of the server under test, e.g. `http://127.0.0.1:8081/sessions/v1/`. */
    kaskBaseUrl: string;
    /** A second server (or the same) whose default_ttl is `kaskShortTtlSeconds`; only for `contract-tests/expiry/`. */
    kaskShortTtlBaseUrl?: string;
    kaskShortTtlSeconds?: number;
  }
}

/** Where the contract suite sends its requests: a base URL and what follows from it. */
export interface Target {
  readonly baseUrl: URL;
  /** The session route's base path, e.g. `/sessions/v1/`. */
  readonly basePath: string;
}

/** The target whose session route is `baseUrl`. */
export function targetOf(baseUrl: string): Target {
  const url = new URL(baseUrl);
  return { baseUrl: url, basePath: url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/` };
}

/** The server under test. */
export const target = targetOf(inject('kaskBaseUrl'));

/** The server whose values expire after `seconds`; its global setup must provide it. */
export function shortTtlServer(): { readonly target: Target; readonly seconds: number } {
  const baseUrl = inject('kaskShortTtlBaseUrl');
  const seconds = inject('kaskShortTtlSeconds');
  if (baseUrl === undefined || seconds === undefined) {
    throw new Error('this project provides no short-TTL server: only contract-tests/expiry/ needs one');
  }
  return { target: targetOf(baseUrl), seconds };
}
