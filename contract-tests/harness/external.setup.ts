import type { TestProject } from 'vitest/node';

/**
 * Points the contract suite at any Kask-compatible server: KASK_BASE_URL (e.g. http://127.0.0.1:8080/v1/),
 * and for the expiry tests KASK_TTL_BASE_URL and KASK_TTL_SECONDS (a server with a short default_ttl;
 * the same server when its TTL is short).
 */
export default function setup(project: TestProject): void {
  const baseUrl = process.env.KASK_BASE_URL;
  if (baseUrl === undefined) throw new Error('Set KASK_BASE_URL to the session route of the server under test');
  project.provide('kaskBaseUrl', baseUrl);
  project.provide('kaskShortTtlBaseUrl', process.env.KASK_TTL_BASE_URL ?? baseUrl);
  project.provide('kaskShortTtlSeconds', Number(process.env.KASK_TTL_SECONDS ?? 86400));
}
