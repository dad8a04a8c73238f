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

/** One directive of a Cache-Control header: its name in lower case, and its argument unquoted, if it has one. */
interface CacheDirective {
  readonly name: string;
  readonly argument: string | undefined;
}

// RFC 9110 section 5.6: the members of a list are separated by commas outside quoted strings, in which a
// backslash escapes the next character. Matched one member at a time from where the previous one ended; an
// unclosed quoted string is no member, so the match fails there.
const listMember = /((?:[^,"]|"(?:[^"\\]|\\.)*")*)(,|$)/y;
const quotedString = /^"((?:[^"\\]|\\.)*)"$/s;

/**
 * The directives of a Cache-Control header (RFC 9111 section 5.2: `token [ "=" ( token / quoted-string ) ]`,
 * names case-insensitive); `undefined` when a quoted string is not closed, so no directive can be told apart.
 */
function cacheDirectives(header: string): CacheDirective[] | undefined {
  const directives: CacheDirective[] = [];
  listMember.lastIndex = 0;
  for (;;) {
    const match = listMember.exec(header);
    if (match === null) return undefined;
    const [, member = '', separator] = match;
    const equals = member.indexOf('=');
    const name = (equals === -1 ? member : member.slice(0, equals)).trim().toLowerCase();
    const argument = equals === -1 ? undefined : member.slice(equals + 1).trim();
    // Empty members are allowed and mean nothing (RFC 9110 section 5.6.1).
    if (name !== '' || argument !== undefined) directives.push({ name, argument: argument && unquoted(argument) });
    if (separator === '') return directives;
  }
}

/** A quoted-string's content with its escapes removed; a token as it is. */
function unquoted(argument: string): string {
  const quoted = quotedString.exec(argument)?.[1];
  return quoted === undefined ? argument : quoted.replace(/\\(.)/gs, '$1');
}

/**
 * Reads `max-age` from a Cache-Control header; other directives are ignored, and so is anything inside a
 * quoted string. A max-age that is not one whole number of seconds of at least 1 (as a token or, as RFC 9111
 * section 5.2 asks recipients to accept, a quoted string) is refused, as is a quoted string left open.
 */
export function requestedTtl(header: string | undefined): RequestedTtl {
  if (header === undefined) return { ok: true, seconds: undefined };
  const directives = cacheDirectives(header);
  if (directives === undefined) return { ok: false, detail: 'Cache-Control has a quoted string that is not closed' };
  const maxAges = directives.filter((directive) => directive.name === 'max-age');
  if (maxAges.length === 0) return { ok: true, seconds: undefined };
  const value = maxAges[0]?.argument;
  if (maxAges.length > 1 || value === undefined || !/^\d+$/.test(value) || Number(value) < 1) {
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
