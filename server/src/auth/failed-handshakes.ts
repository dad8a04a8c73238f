import type { Server } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { FastifyBaseLogger } from 'fastify';
import { LogThrottle, suppressedField } from '../logging/log-throttle.js';
import type { Metrics } from '../metrics/metrics.js';
import { normalizedAddress } from './client-identity.js';

// A client refused at the TLS handshake (no certificate, one from another CA, an expired one) never reaches a
// route: without this, neither it nor the operator would learn why.

/** What Node.js passes with `tlsClientError`: OpenSSL's errors carry its reason as text. */
type HandshakeError = Error & { readonly code?: string; readonly reason?: string };

/**
 * Counts every TLS handshake of `server` that fails, by reason (kask_tls_handshake_failures_total), and logs it
 * with the reason and the client's address, at most once an interval per address (log-throttle.ts).
 */
export function reportFailedHandshakes(server: Server, metrics: Metrics, logger: FastifyBaseLogger): void {
  const throttle = new LogThrottle();
  // NOTE: a client certificate that does not verify is refused after the handshake, by destroying the socket
  // (lib/internal/tls/wrap.js, onServerSocketSecure, Node 24), which forgets its peer's address before
  // `tlsClientError`: it is read when the connection arrives, and found again from the TLS socket's `_parent`,
  // the connection it wraps.
  const addresses = new WeakMap<Socket, string>();
  server.on('connection', (connection: Socket) => addresses.set(connection, connection.remoteAddress ?? ''));
  server.on('tlsClientError', (error: HandshakeError, socket: TLSSocket) => {
    // A code from OpenSSL's or Node.js's tables, never the client's words: a bounded set of labels.
    // NOTE: authorizationError is the verification error's code (a string), whatever @types/node says.
    const reason = (socket.authorizationError as unknown as string | null) ?? error.code ?? error.name;
    metrics.tlsHandshakeFailures.inc({ reason });
    const connection = (socket as TLSSocket & { _parent?: Socket })._parent;
    const address = normalizedAddress(
      socket.remoteAddress ?? (connection === undefined ? '' : (addresses.get(connection) ?? '')),
    );
    const suppressed = throttle.admit(address);
    if (suppressed === undefined) return;
    logger.warn(
      {
        reason,
        ...(error.reason === undefined ? {} : { detail: error.reason }),
        remote_address: address,
        ...suppressedField(suppressed),
      },
      'TLS handshake failed',
    );
  });
}
