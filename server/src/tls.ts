import { readFileSync } from 'node:fs';
import type { Server } from 'node:https';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { describeError } from './logging.js';

type TlsFiles = Config['tls'];

/** The certificate, key and client CA as the files hold them now; throws when one cannot be read. */
export function secureContextOptions(tls: TlsFiles & { cert: string; key: string }): SecureContextOptions {
  return {
    cert: readFileSync(tls.cert),
    key: readFileSync(tls.key),
    ...(tls.client_ca === undefined ? {} : { ca: readFileSync(tls.client_ca) }),
  };
}

/** Whether the configuration turns on HTTPS. */
export function hasTls(tls: TlsFiles): tls is TlsFiles & { cert: string; key: string } {
  return tls.cert !== undefined && tls.key !== undefined;
}

/**
 * Reads the certificate, key and client CA again and makes them the server's for new connections; open
 * connections keep theirs (certificates are renewed without a restart, so without dropping a connection).
 * Files that cannot be read, or do not make a context (bad PEM, a key that is not the certificate's), leave
 * the server as it was, and say so.
 */
export function reloadTls(server: Server, tls: TlsFiles, logger: Logger): void {
  if (!hasTls(tls)) return;
  try {
    const options = secureContextOptions(tls);
    // setSecureContext builds the context only on the next handshake: a bad one is found here, first.
    createSecureContext(options);
    server.setSecureContext(options);
    logger.info('TLS certificates reloaded');
  } catch (error) {
    logger.error(describeError(error), 'TLS certificates not reloaded: the previous ones stay in use');
  }
}
