import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Agent, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { CertificateFiles } from '../../../test-support/certificates.js';

/** One request and its whole answer, with what the TLS connection showed of the server. */
export interface Exchange {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The SHA-256 fingerprint of the server's certificate (HTTPS only). */
  readonly serverFingerprint: string | undefined;
  /** The request went on a connection an earlier request had opened. */
  readonly reusedSocket: boolean;
}

export interface ExchangeOptions {
  readonly method?: string;
  readonly body?: string;
  readonly headers?: OutgoingHttpHeaders;
  /** The CA that signed the server's certificate (HTTPS). */
  readonly ca?: string;
  /** The client certificate to present (HTTPS). */
  readonly client?: CertificateFiles;
  /** The address the connection comes from (a proxy's, on loopback). */
  readonly localAddress?: string;
  /** A keep-alive agent, to send several requests on one connection; by default a connection of its own. */
  readonly agent?: Agent;
}

/** Sends one request over HTTP or HTTPS, as `url` says, with node's client (fetch takes no certificates). */
export function exchange(url: string, options: ExchangeOptions = {}): Promise<Exchange> {
  const https = url.startsWith('https:');
  const send = https ? httpsRequest : httpRequest;
  const tls = https
    ? {
        ...(options.ca === undefined ? {} : { ca: readFileSync(options.ca) }),
        ...(options.client === undefined
          ? {}
          : { cert: readFileSync(options.client.cert), key: readFileSync(options.client.key) }),
      }
    : {};
  return new Promise((resolve, reject) => {
    const sent = send(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? false,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        ...tls,
      },
      (response) => {
        const chunks: Buffer[] = [];
        const socket = response.socket as TLSSocket;
        const serverFingerprint = https ? socket.getPeerCertificate().fingerprint256 : undefined;
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString(),
            serverFingerprint,
            reusedSocket: sent.reusedSocket,
          }),
        );
      },
    );
    sent.on('error', reject);
    sent.end(options.body);
  });
}

/** The SHA-256 fingerprint of a PEM certificate file, as a TLS peer certificate gives it. */
export function fingerprintOf(certFile: string): string {
  return new X509Certificate(readFileSync(certFile)).fingerprint256;
}
