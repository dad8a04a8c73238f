import type { Config } from '../config.js';
import { backendMaxTtlSeconds } from '../storage/limits.js';
import type { StoredValue } from '../storage/storage.js';

/** The strong ETag of a stored value: its digest, so that any change of the value changes it. */
export function etagOf(stored: StoredValue): string {
  return `"${stored.digest.toString('base64url')}"`;
}

/** Whether an `If-Match` header (`*`, or a list of ETags) accepts the current value. */
export function ifMatchAccepts(header: string, current: StoredValue): boolean {
  if (header.trim() === '*') return true;
  const etag = etagOf(current);
  return header.split(',').some((candidate) => candidate.trim() === etag);
}

/** The TTL a write asks for with `Cache-Control: max-age=N`, or why the header is unusable. */
export type RequestedTtl =
  | { readonly ok: true; readonly seconds: number | undefined }
  | { readonly ok: false; readonly detail: string };

const maxAgeDirective = /^max-age\s*=\s*(.*)$/i;

/** Reads `max-age` from a Cache-Control header; other directives are ignored, a malformed max-age is refused. */
export function requestedTtl(header: string | undefined): RequestedTtl {
  if (header === undefined) return { ok: true, seconds: undefined };
  const values = header
    .split(',')
    .map((directive) => maxAgeDirective.exec(directive.trim())?.[1])
    .filter((value) => value !== undefined);
  if (values.length === 0) return { ok: true, seconds: undefined };
  const [value] = values;
  if (values.length > 1 || value === undefined || !/^\d+$/.test(value) || Number(value) < 1) {
    return { ok: false, detail: 'Cache-Control max-age must appear once, as a whole number of seconds of at least 1' };
  }
  return { ok: true, seconds: Number(value) };
}

/**
 * The TTL a write gets: `default_ttl`, or the requested one clamped to `max_ttl` (0: to the longest TTL the
 * backends store). RFC 9111 section 1.2.2: a delta-seconds too large to represent means the largest one can,
 * so any number of digits is clamped rather than refused (it may even be Infinity here).
 */
export function effectiveTtl(config: Config, requestedSeconds: number | undefined): number {
  if (requestedSeconds === undefined) return config.default_ttl;
  return Math.min(requestedSeconds, config.max_ttl === 0 ? backendMaxTtlSeconds : config.max_ttl);
}
