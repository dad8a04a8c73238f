import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { problems, sessionPermissions } from '../generated/contract.js';
import { decodedPath } from '../http/paths.js';
import { sendProblem } from '../http/problems.js';
import { LogThrottle, suppressedField } from '../logging/log-throttle.js';
import { anonymousClient as anonymous, unlistedClient as unlisted } from '../metrics/client-labels.js';
import type { Metrics } from '../metrics/metrics.js';
import { ClientIdentifier, normalizedAddress } from './client-identity.js';
import type { ClientPermissions, Permission } from './permissions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the access check found the request to come from (a listed identity, `anonymous`, `unlisted`); '' when it did not look. */
    clientIdentity: string;
  }
}

/** The operational routes `metrics_clients` restricts; a denial there is labelled with the route, in no namespace. */
const monitoringRoutes: ReadonlySet<string | undefined> = new Set(['/metrics', '/insight']);

type Denial = 'not_authorized' | 'forbidden';

/** The configuration's keys about clients. */
export interface AccessSettings {
  readonly tls: { readonly client_ca: string | undefined };
  readonly clients: ClientPermissions | undefined;
  readonly metrics_clients: readonly string[] | undefined;
  readonly trusted_proxy: readonly string[] | undefined;
}

/**
 * The app's first hook that answers (after the one that orders pipelined requests): when the configuration
 * lists clients, or has a client CA, a request to a namespace, or to /metrics or /insight under `metrics_clients`,
 * from no identity answers 401, and from an identity without the permission its method needs 403, before the key,
 * the body or any limit is looked at (with a client CA and no `clients`, every identity may do everything: the CA
 * decides). A method the route does not serve keeps its 405 for a client with some permission in the
 * namespace; others learn nothing more from it than from any denied request. The other operational routes are
 * open to all. Undefined when nothing is restricted: no request pays for it.
 */
export function accessControl(config: AccessSettings, metrics: Metrics): onRequestHookHandler | undefined {
  const { clients, metrics_clients: metricsClients } = config;
  // NOTE: a client without a certificate passes the TLS handshake (node-server.ts), so that probes reach the
  // operational routes: the session routes refuse it here.
  const certificateRequired = config.tls.client_ca !== undefined;
  if (clients === undefined && metricsClients === undefined && !certificateRequired) return undefined;
  const grants = new Map(
    Object.entries(clients ?? {}).map(([client, namespaces]) => [
      client,
      new Map(Object.entries(namespaces).map(([namespace, permissions]) => [namespace, new Set<Permission>(permissions)])),
    ]),
  );
  const metricsReaders = new Set(metricsClients);
  const known = new Set([...grants.keys(), ...metricsReaders]);
  // Denials and ignored headers are logged at most once an interval per client (per address, for one unnamed).
  const throttle = new LogThrottle();
  const identifier = new ClientIdentifier(config.trusted_proxy ?? [], throttle);
  const permissions: Readonly<Record<string, Permission>> = sessionPermissions;

  const deny = (
    request: FastifyRequest,
    reply: FastifyReply,
    denial: Denial,
    client: string,
    names: readonly string[],
    namespace: string,
  ) => {
    const code = problems[denial].status;
    metrics.accessDenials.inc({ client, namespace, code: String(code) });
    const address = normalizedAddress(request.raw.socket.remoteAddress ?? '');
    // Lines are throttled per client: a listed one by its name, an unlisted one by its first, one without by its address.
    let source = client;
    if (client === anonymous) source = address;
    else if (client === unlisted) source = names[0] as string;
    const suppressed = throttle.admit(`denied ${source}`);
    if (suppressed !== undefined) {
      // The client's certificate names say who an unlisted client is; the key stays out, as everywhere.
      const certificateNames = client === unlisted ? { certificate_names: names } : {};
      const fields = { client, ...certificateNames, namespace, method: request.method, code, remote_address: address };
      request.log.warn({ ...fields, ...suppressedField(suppressed) }, 'request denied');
    }
    request.clientIdentity = client;
    sendProblem(reply, denial, decodedPath(request.url));
  };

  return (request, reply, done) => {
    // routeOptions builds an object on every read: read once.
    const { namespace, url } = request.routeOptions.config;
    const restricted =
      namespace !== undefined
        ? clients !== undefined || certificateRequired
        : metricsClients !== undefined && monitoringRoutes.has(url);
    if (!restricted) return done();
    const label = namespace ?? (url as string);
    const names = identifier.namesOf(request);
    if (names.length === 0) return deny(request, reply, 'not_authorized', anonymous, names, label);
    if (namespace !== undefined && clients === undefined) {
      request.clientIdentity = names[0] as string;
      return done();
    }
    // The client is the first of its names listed for what it asks: /metrics or /insight, or the namespace; a certificate
    // may name a client listed for another namespace first.
    const client = names.find((name) => (namespace === undefined ? metricsReaders.has(name) : grants.get(name)?.has(namespace)));
    let allowed = client !== undefined;
    if (client !== undefined && namespace !== undefined) {
      const granted = grants.get(client)?.get(namespace);
      const needed = permissions[request.method];
      allowed = needed === undefined ? (granted?.size ?? 0) > 0 : granted?.has(needed) === true;
    }
    if (allowed) {
      request.clientIdentity = client as string;
      return done();
    }
    deny(request, reply, 'forbidden', client ?? names.find((name) => known.has(name)) ?? unlisted, names, label);
  };
}
