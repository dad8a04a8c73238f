import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Certificates for tests, made with openssl at test time in a temporary directory: no key is ever committed.

/** A certificate and its private key, as PEM files. */
export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
}

/** What a leaf certificate names: its subject's CN and its subjectAltNames (`DNS:x`, `URI:y`, `IP:z`). */
export interface LeafNames {
  readonly commonName?: string;
  readonly altNames?: readonly string[];
}

/** A certificate authority in a temporary directory, which signs the certificates a test needs. */
export interface TestAuthority {
  readonly directory: string;
  /** The CA's certificate: what a server's `tls.client_ca` or a client's trusted CA is. */
  readonly caFile: string;
  /** A server certificate for 127.0.0.1. */
  server(name?: string): CertificateFiles;
  /** A client certificate. */
  client(names: LeafNames, name?: string): CertificateFiles;
  /** An intermediate CA this one signs, named `name`, sharing its directory. */
  intermediate(name: string): TestAuthority;
  /** Removes the directory. */
  remove(): void;
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

// EC keys: generated in milliseconds, where RSA keys take a noticeable part of a second each.
const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A fresh CA named `name`, in a directory of its own. */
export function createTestAuthority(name = 'kask-ts test CA'): TestAuthority {
  const directory = mkdtempSync(join(tmpdir(), 'kask-pki-'));
  const caFile = join(directory, 'ca.pem');
  const caKey = join(directory, 'ca.key');
  openssl(['req', '-x509', ...newKey, '-days', '2', '-subj', `/CN=${name}`, '-keyout', caKey, '-out', caFile]);
  let count = 0;
  return authority(directory, caFile, caKey, () => ++count);
}

/** The CA of `caFile` and `caKey`, which writes what it signs in `directory`, numbered by `next` unless named. */
function authority(directory: string, caFile: string, caKey: string, next: () => number): TestAuthority {
  const sign = (subject: string, extensions: readonly string[], fileName: string | undefined): CertificateFiles => {
    const base = join(directory, fileName ?? `leaf-${next()}`);
    openssl(['req', '-new', ...newKey, '-subj', subject, '-keyout', `${base}.key`, '-out', `${base}.csr`]);
    writeFileSync(`${base}.ext`, `${extensions.join('\n')}\n`);
    openssl([
      'x509',
      '-req',
      '-in',
      `${base}.csr`,
      '-CA',
      caFile,
      '-CAkey',
      caKey,
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      `${base}.ext`,
      '-out',
      `${base}.pem`,
    ]);
    return { cert: `${base}.pem`, key: `${base}.key` };
  };
  const leaf = (names: LeafNames, usage: string, fileName: string | undefined): CertificateFiles => {
    const subject = names.commonName === undefined ? '/O=kask-ts tests' : `/CN=${names.commonName}`;
    const extensions = [`extendedKeyUsage=${usage}`];
    if (names.altNames !== undefined && names.altNames.length > 0) extensions.push(`subjectAltName=${names.altNames.join(',')}`);
    return sign(subject, extensions, fileName);
  };
  return {
    directory,
    caFile,
    server: (fileName) => leaf({ commonName: '127.0.0.1', altNames: ['IP:127.0.0.1'] }, 'serverAuth', fileName),
    client: (names, fileName) => leaf(names, 'clientAuth', fileName),
    intermediate: (name) => {
      const ca = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'];
      const { cert, key } = sign(`/CN=${name}`, ca, `ca-${next()}`);
      return authority(directory, cert, key, next);
    },
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}
