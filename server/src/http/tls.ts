import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:https';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import { describeError } from '../logging/logging.js';

/** The configuration's `tls:` keys. */
export interface TlsFiles {
  readonly cert: string | undefined;
  readonly key: string | undefined;
  readonly client_ca: string | undefined;
}

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

/**
 * tls.client_ca's certificates, when it holds only CA certificates, at least one, and each either a root (self-
 * signed) or an intermediate signed through the file's CAs by one of its roots.
 */
function clientCaCertificates(path: string): Buffer {
  const pem = readFileSync(path);
  const texts = pem.toString('latin1').match(pemCertificate) ?? [];
  const certificates = texts.flatMap((text) => {
    try {
      return [new X509Certificate(text)];
    } catch {
      return [];
    }
  });
  if (texts.length === 0 || certificates.length < texts.length || !certificates.every((certificate) => certificate.ca)) {
    throw new Error(`tls.client_ca: ${path} must hold CA certificates (PEM), and only those`);
  }
  // NOTE: OpenSSL trusts a chain only when it ends at a root it holds, unless X509_V_FLAG_PARTIAL_CHAIN is set;
  // Node.js sets it with allowPartialTrustChain, which tls.Server (so https) does not pass on to the context it
  // makes (lib/internal/tls/wrap.js, Server.prototype.setSecureContext, Node 24). An intermediate without its
  // root would refuse, at the handshake, every client certificate it signed (UNABLE_TO_GET_ISSUER_CERT).
  const unrooted = certificates.find((certificate) => !endsAtRoot(certificate, certificates, new Set()));
  if (unrooted !== undefined) {
    throw new Error(
      `tls.client_ca: ${path} holds the intermediate CA "${unrooted.subject.replaceAll('\n', ', ')}", whose root CA is not in the file: every client certificate it signed would be refused. Add the root CA that signed it (and any CA between them) to the file, or remove it`,
    );
  }
  return pem;
}

/** Whether `certificate` is a root, or was signed by one of `certificates` that ends at one (`seen` are not). */
function endsAtRoot(certificate: X509Certificate, certificates: readonly X509Certificate[], seen: Set<X509Certificate>): boolean {
  const signed = (by: X509Certificate) => certificate.checkIssued(by) && certificate.verify(by.publicKey);
  if (signed(certificate)) return true;
  seen.add(certificate);
  return certificates.some((issuer) => !seen.has(issuer) && signed(issuer) && endsAtRoot(issuer, certificates, seen));
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

/**
 * What SIGHUP does where there is no TLS: a service manager's reload (a unit file's ExecReload) must not end the
 * service, as Node's default for SIGHUP would, silently.
 */
export function nothingToReload(logger: Logger): void {
  logger.info('SIGHUP: nothing to reload without TLS; the service goes on');
}
