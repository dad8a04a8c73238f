import type { Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { FastifyBaseLogger } from 'fastify';
import { LogThrottle, suppressedField } from '../logging/log-throttle.js';
import type { Metrics } from '../metrics/metrics.js';
import { normalizedAddress } from './client-identity.js';

// A client refused at the TLS handshake (a certificate from another CA, an expired one, plain HTTP) never reaches
// a route: without this, neither it nor the operator would learn why.

/** What Node.js passes with `tlsClientError`: OpenSSL's errors carry its reason as text. */
type HandshakeError = Error & { readonly code?: string; readonly reason?: string };

/**
 * Counts every TLS handshake of `server` that fails, by reason (kask_tls_handshake_failures_total), and logs it
 * with the reason and the client's address, at most once an interval per address (log-throttle.ts). A client
 * certificate that is presented and fails verification fails the handshake too: its connection is closed before
 * a request is read. A client that presents none is no failure (node-server.ts): the routes decide.
 */
export function reportFailedHandshakes(server: Server, metrics: Metrics, logger: FastifyBaseLogger): void {
  const throttle = new LogThrottle();
  const failed = (reason: string, address: string, detail: string | undefined) => {
    metrics.tlsHandshakeFailures.inc({ reason });
    const suppressed = throttle.admit(address);
    if (suppressed === undefined) return;
    const details = detail === undefined ? {} : { detail };
    logger.warn({ reason, ...details, remote_address: address, ...suppressedField(suppressed) }, 'TLS handshake failed');
  };
  server.on('tlsClientError', (error: HandshakeError, socket: TLSSocket) => {
    // A code from OpenSSL's or Node.js's tables, never the client's words: a bounded set of labels. NOTE: a client
    // that reset the connection, or let the handshake time out, has left no address on the socket (Node 24).
    failed(error.code ?? error.name, normalizedAddress(socket.remoteAddress ?? ''), error.reason);
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    // NOTE: authorizationError is the verification error's code (a string), whatever @types/node says; it is set
    // for a client that presented no certificate too, which is not refused.
    const reason = socket.authorizationError as unknown as string | null;
    if (reason === null || Object.keys(socket.getPeerCertificate()).length === 0) return;
    failed(reason, normalizedAddress(socket.remoteAddress ?? ''), undefined);
    socket.destroy();
  });
}
