import { sessionMethods, sessionPathTemplate } from '../server/src/generated/contract.ts';
import { decodedPath, malformedPathDetail, originForm } from '../server/src/http/paths.ts';
import { parseSessionKey } from '../server/src/routes/sessions/session-key.ts';

/** A request the server refuses for its target alone: the problem it answers, as its `problems` name it. */
export interface Refusal {
  readonly problem: 'bad_request' | 'not_found';
  readonly detail?: string;
  readonly instance: string;
}

/** What the mock does with a request: forward it to Prism with the request target `forward`, or refuse it. */
export type Routing = { readonly forward: string } | Refusal;

/** The session route's base path as the document writes it, `/sessions/v1/`. */
const basePath = sessionPathTemplate.slice(0, sessionPathTemplate.indexOf('{'));
const declaredMethods: readonly string[] = sessionMethods;
// Prism resolves request targets as WHATWG URLs, against this base.
const anyOrigin = 'http://mock.invalid';

/**
 * Routes a request by its method and target as the server does, so that Prism reads every key as the server
 * reads it: a target the server refuses is refused here (Prism dies of a malformed escape, and routes encoded
 * slashes, dot segments and query strings elsewhere), and a key is forwarded in one canonical encoding.
 */
export function routeRequest(method: string, url: string): Routing {
  const target = originForm(url);
  // The server's router matches the path before any query or fragment, percent-decoded but for reserved
  // characters such as `/` (decodeURI), and refuses a path that does not decode.
  const path = target.split(/[?#]/, 1)[0] as string;
  let routed: string;
  try {
    routed = decodeURI(path);
  } catch {
    return { problem: 'bad_request', detail: malformedPathDetail, instance: decodedPath(target) };
  }
  if (!routed.startsWith(basePath)) {
    // Outside the session route the server routes the path as it is written: one that Prism would resolve to
    // another (dot segments, a backslash, an authority) matches none of the document's paths there.
    if (URL.parse(path, anyOrigin)?.pathname === path) return { forward: target };
    return { problem: 'not_found', instance: decodedPath(target) };
  }
  const key = parseSessionKey(target, basePath, Number.POSITIVE_INFINITY);
  if (key.ok) return { forward: `${basePath}${encodeURIComponent(prismKey(key.key))}` };
  // The server answers 405 to a method the route does not declare before it reads the key: so does Prism.
  if (!declaredMethods.includes(method)) return { forward: target };
  return { problem: key.problem, detail: key.detail, instance: decodedPath(target) };
}

// NOTE: a WHATWG URL resolves a segment `.` or `..` however it is encoded (`%2E` too), so those two keys reach
// Prism as another key of the same length, which it answers alike: it never answers with the key.
function prismKey(key: string): string {
  return key === '.' || key === '..' ? key.replaceAll('.', '_') : key;
}
