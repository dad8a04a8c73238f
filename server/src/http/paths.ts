/** The detail of the 400 that answers a request whose path does not percent-decode (the router refuses it). */
export const malformedPathDetail = 'The request URL is malformed';

/** The request path without its query, percent-decoded where it decodes: a problem's `instance`, as Kask writes it. */
export function decodedPath(url: string): string {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

// NOTE: RFC 9112 section 3.2.2: a server MUST accept the absolute form (`http://host:port/path?query`),
// which clients send to proxies and some send to servers too; Node passes it through as the request URL.
const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/** The request target in origin form (`/path?query`): an absolute-form target without its scheme and authority. */
export function originForm(url: string): string {
  if (url.charCodeAt(0) === 0x2f) return url;
  const authority = scheme.exec(url);
  if (authority === null) return url;
  const rest = url.slice(authority[0].length);
  return rest.charCodeAt(0) === 0x2f ? rest : `/${rest}`;
}
