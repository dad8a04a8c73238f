import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PeerCertificate } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestAuthority } from '../../../test-support/certificates.js';
import { certificateNames, normalizedAddress } from '../../src/auth/client-identity.js';

const pki = createTestAuthority();
afterAll(() => pki.remove());

/** What a TLS socket's getPeerCertificate() holds of `file`: its subject and Node's subjectaltname string. */
function peerCertificate(file: string): PeerCertificate {
  const certificate = new X509Certificate(readFileSync(file));
  const subject = Object.fromEntries(certificate.subject.split('\n').map((line) => line.split('=', 2) as [string, string]));
  return { subject, subjectaltname: certificate.subjectAltName } as unknown as PeerCertificate;
}

describe('a client certificate’s names', () => {
  it('are its subject CN, then its DNS names, then its URI names; never its IP addresses or e-mail', () => {
    const { cert } = pki.client({
      commonName: 'mw-client',
      altNames: ['URI:spiffe://wiki/mw', 'DNS:mw1.eqiad', 'IP:10.0.0.1', 'email:a@b.c', 'DNS:mw.svc'],
    });
    expect(certificateNames(peerCertificate(cert))).toEqual(['mw-client', 'mw1.eqiad', 'mw.svc', 'spiffe://wiki/mw']);
  });

  it('a certificate without a CN is named by its subjectAltNames alone', () => {
    const { cert } = pki.client({ altNames: ['URI:spiffe://wiki/jobs'] });
    expect(certificateNames(peerCertificate(cert))).toEqual(['spiffe://wiki/jobs']);
  });

  it('reads the JSON-quoted values Node writes for names with special characters', () => {
    const certificate = {
      subject: {},
      subjectaltname: 'DNS:"a, b", URI:"spiffe://x/\\"q\\"", DNS:plain',
    } as unknown as PeerCertificate;
    expect(certificateNames(certificate)).toEqual(['a, b', 'plain', 'spiffe://x/"q"']);
  });
});

describe('the case of names', () => {
  it('a CN and DNS names are lower-cased, as DNS compares them: MediaWiki.SVC is mediawiki.svc', () => {
    const { cert } = pki.client({ commonName: 'MW-Client', altNames: ['DNS:MediaWiki.SVC', 'DNS:mw1.EQIAD'] });
    expect(certificateNames(peerCertificate(cert))).toEqual(['mw-client', 'mediawiki.svc', 'mw1.eqiad']);
  });

  it('a URI name has its scheme and host lower-cased, and keeps the case of the rest (a SPIFFE ID’s path is case-sensitive)', () => {
    const { cert } = pki.client({
      altNames: ['URI:SPIFFE://Wiki.Example/MediaWiki', 'URI:HTTPS://User@Host.Example:8443/A?B', 'URI:URN:Wiki:MW'],
    });
    expect(certificateNames(peerCertificate(cert))).toEqual([
      'spiffe://wiki.example/MediaWiki',
      'https://User@host.example:8443/A?B',
      'urn:Wiki:MW',
    ]);
  });

  it('only ASCII letters are folded, as in DNS (RFC 4343): other letters are left as they are', () => {
    const certificate = { subject: { CN: 'Ärzte.Example' }, subjectaltname: 'DNS:İ.example' };
    expect(certificateNames(certificate as unknown as PeerCertificate)).toEqual(['Ärzte.example', 'İ.example']);
  });
});

describe('names that could pose as another kind', () => {
  it('a URI-shaped CN or DNS name is no name, nor a URI name without a scheme: a requester who chose its CN cannot take a URI identity', () => {
    const { cert } = pki.client({ commonName: 'urn:wiki:mw', altNames: ['URI:urn:wiki:other', 'URI:mediawiki'] });
    expect(certificateNames(peerCertificate(cert))).toEqual(['urn:wiki:other']);
    const certificate = { subject: { CN: 'mw' }, subjectaltname: 'DNS:spiffe://wiki/mw, URI:spiffe://wiki/jobs' };
    expect(certificateNames(certificate as unknown as PeerCertificate)).toEqual(['mw', 'spiffe://wiki/jobs']);
  });
});

describe('addresses', () => {
  it('an IPv4 client of a dual-stack socket is its IPv4 address', () => {
    expect(normalizedAddress('::ffff:127.0.0.2')).toBe('127.0.0.2');
    expect(normalizedAddress('::1')).toBe('::1');
  });
});
