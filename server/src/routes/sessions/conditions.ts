import type { NamespaceConfig } from '../../config/namespaces.js';
import { backendMaxTtlSeconds } from '../../storage/registry.js';
import type { StoredValue } from '../../storage/storage.js';

/** The strong ETag of a stored value: its digest, so that any change of the value changes it. */
export function etagOf(stored: Pick<StoredValue, 'digest'>): string {
  return `"${stored.digest.toString('base64url')}"`;
}

/** The preconditions a request carries (RFC 9110 section 13.1), as its headers give them. */
export interface Preconditions {
  readonly ifMatch: string | undefined;
  readonly ifNoneMatch: string | undefined;
}

/** Which precondition is false, named by its header. */
export type FailedPrecondition = 'if-match' | 'if-none-match';

/**
 * The first precondition that is false for the current value (`undefined`: none is), in RFC 9110 section
 * 13.2.2's order. If-Match (13.1.1) holds when there is a value and it names its ETag or `*`, by strong
 * comparison; If-None-Match (13.1.2) fails when there is a value and it names its ETag or `*`, by weak
 * comparison. NOTE: If-Unmodified-Since and If-Modified-Since are ignored, as 13.1.4 and 13.1.3 require of a
 * resource without a modification date (values keep none), and so is If-Range (13.1.5: no Range support).
 */
export function failedPrecondition(
  { ifMatch, ifNoneMatch }: Preconditions,
  current: StoredValue | undefined,
): FailedPrecondition | undefined {
  if (ifMatch !== undefined && (current === undefined || !listsEtag(ifMatch, etagOf(current), 'strong'))) return 'if-match';
  if (ifNoneMatch !== undefined && current !== undefined && listsEtag(ifNoneMatch, etagOf(current), 'weak')) {
    return 'if-none-match';
  }
  return undefined;
}

/** Whether an If-Match or If-None-Match value (`*`, or a list of entity tags) names `etag`, a strong one. */
function listsEtag(header: string, etag: string, comparison: 'strong' | 'weak'): boolean {
  if (header.trim() === '*') return true;
  const weakEtag = `W/${etag}`;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === etag || (comparison === 'weak' && tag === weakEtag);
  });
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
 * The TTL a write gets in a namespace: its `default_ttl`, or the requested one clamped to `max_ttl` (0: to the longest TTL the
 * backends store). RFC 9111 section 1.2.2: a delta-seconds too large to represent means the largest one can,
 * so any number of digits is clamped rather than refused (it may even be Infinity here).
 */
export function effectiveTtl(
  config: Pick<NamespaceConfig, 'default_ttl' | 'max_ttl'>,
  requestedSeconds: number | undefined,
): number {
  if (requestedSeconds === undefined) return config.default_ttl;
  return Math.min(requestedSeconds, config.max_ttl === 0 ? backendMaxTtlSeconds : config.max_ttl);
}
