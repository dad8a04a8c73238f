import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:https';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { describeError } from './logging.js';

type TlsFiles = Config['tls'];

/**
 * The certificate, key and client CA as the files hold them now; throws, naming the key, when they cannot be
 * read or do not make a TLS context (bad PEM, a key that is not the certificate's, a client CA file without a
 * CA certificate, which would refuse every client).
 */
export function secureContextOptions(tls: TlsFiles & { cert: string; key: string }): SecureContextOptions {
  const options = {
    cert: readFileSync(tls.cert),
    key: readFileSync(tls.key),
    ...(tls.client_ca === undefined ? {} : { ca: clientCaCertificates(tls.client_ca) }),
  };
  try {
    createSecureContext(options);
  } catch (error) {
    throw new Error(`tls.cert and tls.key do not make a TLS context: ${(error as Error).message}`);
  }
  return options;
}

const pemCertificate = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** tls.client_ca's certificates, when it holds only CA certificates, and at least one. */
function clientCaCertificates(path: string): Buffer {
  const pem = readFileSync(path);
  const certificates = pem.toString('latin1').match(pemCertificate) ?? [];
  const isCa = (text: string) => {
    try {
      return new X509Certificate(text).ca;
    } catch {
      return false;
    }
  };
  if (certificates.length === 0 || !certificates.every(isCa)) {
    throw new Error(`tls.client_ca: ${path} must hold CA certificates (PEM), and only those`);
  }
  return pem;
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
    // setSecureContext builds the context only on the next handshake: secureContextOptions finds a bad one first.
    server.setSecureContext(secureContextOptions(tls));
    logger.info('TLS certificates reloaded');
  } catch (error) {
    logger.error(describeError(error), 'TLS certificates not reloaded: the previous ones stay in use');
  }
}
