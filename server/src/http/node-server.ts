import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { hasTls, secureContextOptions, type TlsFiles } from './tls.js';

/** The configuration's keys that shape Node's server. */
export interface NodeServerSettings {
  readonly headers_timeout_ms: number;
  readonly request_timeout_ms: number;
  readonly keep_alive_timeout_ms: number;
  readonly tls: TlsFiles;
  /** Each namespace's key limit: the longest must fit in the request line. */
  readonly namespaces: readonly { readonly max_key_bytes: number }[];
}

// NOTE: Node enforces headersTimeout and requestTimeout only when it checks its connections, every 30 s by
// default, so a client that stalls mid-request would hold its socket up to 30 s past either timeout.
const connectionsCheckingIntervalMs = 500;

// Node's default room for the request line and headers.
const defaultMaxHeaderBytes = 16384;

/**
 * Node's server for the app (fastify's serverFactory): HTTP, or HTTPS when the configuration has a certificate,
 * with the configuration's timeouts and sizes. An HTTPS server is an HTTP server with TLS in front, so the app
 * knows it as one (`instanceof https.Server` tells them apart where it matters).
 */
export function createNodeServer(settings: NodeServerSettings, handler: RequestListener): Server {
  const options: ServerOptions = {
    headersTimeout: settings.headers_timeout_ms,
    requestTimeout: settings.request_timeout_ms,
    keepAliveTimeout: settings.keep_alive_timeout_ms,
    connectionsCheckingInterval: connectionsCheckingIntervalMs,
    // The longest key must fit in the request line percent-encoded (three characters a byte), or it would be
    // refused with 431 however short the rest of the request.
    maxHeaderSize: defaultMaxHeaderBytes + 3 * Math.max(...settings.namespaces.map((namespace) => namespace.max_key_bytes)),
    // Node answers an HTTP/1.1 request without Host with a bare 400 before any route; refuseMalformedRequests
    // answers it with a problem instead.
    requireHostHeader: false,
  };
  let server: Server;
  if (hasTls(settings.tls)) {
    // With a client CA, a client is asked for its certificate but not refused at the handshake without one: a
    // load balancer's or Kubernetes' probe has none, and the operational routes stay open to it, while the
    // session routes answer it 401 (auth/access-control.ts). A certificate that is presented and fails
    // verification is still refused, right after the handshake (auth/failed-handshakes.ts).
    server = createHttpsServer(
      {
        ...options,
        ...secureContextOptions(settings.tls),
        requestCert: settings.tls.client_ca !== undefined,
        rejectUnauthorized: false,
        // As node:http's own server sets for its sockets: a client's half-close must not end the server's side of
        // the connection before its answers are written (see httpAllowHalfOpen below). node:https does not.
        allowHalfOpen: true,
      },
      handler,
    );
  } else {
    server = createServer(options, handler);
  }
  // NOTE: RFC 9112 section 9.6: a client that closes its side once it has sent its requests (`printf | nc -N`)
  // still wants their answers. Node's server, unless told otherwise by this (undocumented, long-standing)
  // property, aborts the requests in flight at the client's FIN and ends the connection: a POST was stored and
  // its 201 never sent. With it, the connection closes after the answer to the last request.
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  return server;
}
