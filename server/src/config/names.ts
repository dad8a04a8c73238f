import { namespaceNamePattern, pathMethods, sessionPathTemplate } from '../generated/contract.js';
import { fail } from '../validation/rules.js';

// The paths and names an operator gives: base URIs, namespace names and table names.

/** The operational routes of the document (/healthz, /readyz, /metrics, /openapi): no session route may be under one. */
const operationalPaths = Object.keys(pathMethods).filter((path) => path !== sessionPathTemplate);

export function baseUri(value: string, key: string): void {
  if (!/^\/?([A-Za-z0-9._~!$&'()*+,;=:@-]+\/?)*$/.test(value)) fail(key, 'must be a path of unreserved characters');
  // NOTE: under / a key named healthz, readyz, metrics or openapi would be an operational route instead.
  if (/^\/*$/.test(value)) fail(key, `must not be /: the session route would take ${operationalPaths.join(', ')}`);
  // NOTE: a client removes dot segments from a URL's path (RFC 3986 section 5.2.4; cURL, browsers), so a base URI
  // with one is never reached, and /./healthz/ passed the check below while clients send /healthz/.
  if (value.split('/').some((segment) => segment === '.' || segment === '..')) {
    fail(key, 'must not have a . or .. segment: clients remove them from the URLs they send');
  }
  const normalised = normalisedBaseUri(value);
  const taken = operationalPaths.find((path) => normalised.startsWith(`${path}/`));
  if (taken !== undefined) fail(key, `must not be under ${taken}/: ${taken} is an operational route`);
}

/** A leading and a trailing slash, as Kask adds them. */
export function normalisedBaseUri(value: string): string {
  return `/${value.replace(/^\/+|\/+$/g, '')}/`;
}

// NOTE: a namespace's name is also its default Cassandra table name and LMDB sub-database name, and a metric
// label: a lower-case identifier that CQL takes unquoted and LMDB as a database name. The document says which
// (NamespaceAvailability's property names); tables are held to the same.
export function identifier(value: string, key: string): void {
  if (!namespaceNamePattern.test(value)) {
    fail(key, `must be a lower-case letter followed by up to 47 lower-case letters, digits or _ (got ${JSON.stringify(value)})`);
  }
}
