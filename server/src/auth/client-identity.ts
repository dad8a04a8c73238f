import type { Socket } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { type LogThrottle, suppressedField } from '../logging/log-throttle.js';
import { clientNames } from './client-names.js';
import { xfccClientNames } from './xfcc.js';

// Who a request comes from: the names of the client certificate verified at the TLS handshake, or, on a
// connection from a trusted local proxy that terminated TLS for the client, the names it forwards in
// X-Forwarded-Client-Cert. From anywhere else that header is ignored: anyone can write it (etcd's
// CVE-2018-16886 trusted a forwarded certificate name from any connection).

const xfccHeader = 'x-forwarded-client-cert';

/** Headers whose names are remembered: a proxy forwards the same few clients' again and again. */
const rememberedHeaders = 1024;

/** Node's subjectaltname: `DNS:a, URI:spiffe://b, IP Address:1.2.3.4`, a value with special characters JSON-quoted. */
const subjectAltName = /(?:^|, )([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g;

/** A verified certificate's names: its subject's CN, then its DNS and URI subjectAltNames (see client-names.ts). */
export function certificateNames(certificate: PeerCertificate): string[] {
  const commonName = certificate.subject?.CN as string | string[] | undefined;
  const alternatives = [...(certificate.subjectaltname ?? '').matchAll(subjectAltName)].map(([, type, value = '']) => ({
    type,
    value: value.startsWith('"') ? (JSON.parse(value) as string) : value,
  }));
  const ofType = (wanted: string) => alternatives.filter(({ type }) => type === wanted).map(({ value }) => value);
  return clientNames([...(commonName === undefined ? [] : [commonName].flat()), ...ofType('DNS')], ofType('URI'));
}

/** An IPv4 client of a dual-stack socket is `::ffff:a.b.c.d`: the same address as `a.b.c.d`. */
export function normalizedAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

/**
 * Reads the client's names from requests, by the rules above; logs the header where it is ignored or names
 * nobody, through `throttle` (by address: a client that sends it on every request does not flood the log).
 */
export class ClientIdentifier {
  readonly #trustedProxies: ReadonlySet<string>;
  readonly #throttle: LogThrottle;
  // A connection's certificate does not change: its names are read once.
  readonly #certificateNames = new WeakMap<Socket, readonly string[]>();
  readonly #forwardedNames = new Map<string, readonly string[] | undefined>();

  constructor(trustedProxies: readonly string[], throttle: LogThrottle) {
    this.#trustedProxies = new Set(trustedProxies.map(normalizedAddress));
    this.#throttle = throttle;
  }

  /** The client's names, most specific first; empty when it has none. */
  namesOf(request: FastifyRequest): readonly string[] {
    const socket = request.raw.socket;
    const forwarded = request.headers[xfccHeader];
    if (forwarded !== undefined) {
      const from = normalizedAddress(socket.remoteAddress ?? '');
      if (this.#trustedProxies.has(from)) {
        // Several header lines are one list of elements (RFC 9110 section 5.3), of which the last counts.
        // NOTE: not [forwarded].flat(): that costs a microsecond a request.
        const names = this.#forwardedClientNames(typeof forwarded === 'string' ? forwarded : forwarded.join(','));
        if (names === undefined) this.#warn(request, from, 'malformed X-Forwarded-Client-Cert: no identity');
        return names ?? [];
      }
      this.#warn(request, from, 'X-Forwarded-Client-Cert ignored: the connection is not from a trusted_proxy');
    }
    return this.#verifiedCertificateNames(socket);
  }

  #warn(request: FastifyRequest, from: string, message: string): void {
    const suppressed = this.#throttle.admit(`${message} ${from}`);
    if (suppressed !== undefined) request.log.warn({ remote_address: from, ...suppressedField(suppressed) }, message);
  }

  #forwardedClientNames(header: string): readonly string[] | undefined {
    if (this.#forwardedNames.has(header)) return this.#forwardedNames.get(header);
    const names = xfccClientNames(header);
    // A bounded memory, not an LRU: whoever fills it with distinct headers only costs a parse a request.
    if (this.#forwardedNames.size >= rememberedHeaders) this.#forwardedNames.clear();
    this.#forwardedNames.set(header, names);
    return names;
  }

  #verifiedCertificateNames(socket: Socket): readonly string[] {
    let names = this.#certificateNames.get(socket);
    if (names === undefined) {
      const tls = socket as TLSSocket;
      names = tls.encrypted === true && tls.authorized ? certificateNames(tls.getPeerCertificate()) : [];
      this.#certificateNames.set(socket, names);
    }
    return names;
  }
}
