/** The outcome of reading a session key from a request URL. */
export type SessionKeyResult =
  | { readonly ok: true; readonly key: string }
  | { readonly ok: false; readonly problem: 'not_found' | 'bad_request'; readonly detail?: string };

const notASingleKey = { ok: false, problem: 'not_found' } as const;
// ignoreBOM: a key's leading U+FEFF is part of the key; by default TextDecoder drops it, and
// `%EF%BB%BFabc` would then be the key `abc`.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads the key from a request URL in origin form under `baseUri`, as Kask does: one percent-decoded path
 * segment. An empty key, an extra segment or an encoded `/` is not a key (404); a query string (a bare `?`
 * is no query), bad percent-encoding, invalid UTF-8 or a key over `maxKeyBytes` is a bad request (400).
 */
export function parseSessionKey(url: string, baseUri: string, maxKeyBytes: number): SessionKeyResult {
  const queryAt = url.indexOf('?');
  if (queryAt !== -1 && queryAt !== url.length - 1) {
    return { ok: false, problem: 'bad_request', detail: 'Query strings are not accepted' };
  }
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const lastSlash = path.lastIndexOf('/');
  const segment = path.slice(lastSlash + 1);
  if (segment === '' || !isBaseUri(path.slice(0, lastSlash + 1), baseUri)) return notASingleKey;
  const key = decodeSegment(segment);
  if (key === undefined) {
    return { ok: false, problem: 'bad_request', detail: 'The key is not valid percent-encoded UTF-8' };
  }
  if (key.includes('/')) return notASingleKey;
  if (Buffer.byteLength(key) > maxKeyBytes) {
    return { ok: false, problem: 'bad_request', detail: `The key is longer than ${maxKeyBytes} bytes` };
  }
  return { ok: true, key };
}

// The router matches percent-decoded paths, as Kask does (`/sessions/v%31/k` is `/sessions/v1/k`).
function isBaseUri(prefix: string, baseUri: string): boolean {
  if (prefix === baseUri) return true;
  if (!prefix.includes('%')) return false;
  try {
    return decodeURIComponent(prefix) === baseUri;
  } catch {
    return false;
  }
}

// Percent-decodes to bytes, then reads them as strict UTF-8 (decodeURIComponent would also refuse
// invalid UTF-8, but as an exception on the hot path). Node's parser already refused raw non-ASCII bytes.
function decodeSegment(segment: string): string | undefined {
  if (/^[\x21-\x24\x26-\x7e]*$/.test(segment)) return segment;
  const bytes = Buffer.from(segment, 'latin1');
  const decoded = Buffer.allocUnsafe(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x25) {
      decoded[length++] = bytes[i] as number;
      continue;
    }
    const hex = segment.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    decoded[length++] = Number.parseInt(hex, 16);
    i += 2;
  }
  try {
    return utf8.decode(decoded.subarray(0, length));
  } catch {
    return undefined;
  }
}
