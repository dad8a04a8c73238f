import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTestAuthority } from '../../test-support/certificates.js';
import { configFrom, loadConfig } from '../src/config/load.js';
import { prepareService } from '../src/start-up.js';
import { ConfigError } from '../src/validation/rules.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** A configuration file holding `text`, in a directory of its own. */
function fileWith(text: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'kask-start-up-'));
  directories.push(directory);
  const path = join(directory, 'config.yaml');
  writeFileSync(path, text);
  return path;
}

describe('what the start-up line says of each namespace', () => {
  it("a file holding only listen_port serves Kask's /v1/ on that port, and its URL says so", () => {
    const path = fileWith('listen_port: 8090\n');
    expect(prepareService(loadConfig(path)).namespaces).toEqual({
      default: {
        url: 'http://localhost:8090/v1/',
        store: `the main database of the embedded store in ${join(path, '..', 'data')}`,
      },
    });
  });

  it('every namespace has its URL and its own database, over https when the file turns TLS on, an IPv6 address in brackets', () => {
    const pki = createTestAuthority();
    try {
      const { cert, key } = pki.server();
      const config = configFrom({
        listen_address: '::1',
        listen_port: 8443,
        tls: { cert, key },
        embedded: { path: '/srv/kask-ts' },
        namespaces: { sessions: { base_uri: 'sessions/v1' }, echoseen: { base_uri: '/echoseen/v1/', table: 'echo_seen' } },
      });
      expect(prepareService(config).namespaces).toEqual({
        sessions: {
          url: 'https://[::1]:8443/sessions/v1/',
          store: 'the database sessions of the embedded store in /srv/kask-ts',
        },
        echoseen: {
          url: 'https://[::1]:8443/echoseen/v1/',
          store: 'the database echo_seen of the embedded store in /srv/kask-ts',
        },
      });
    } finally {
      pki.remove();
    }
  });

  it("on Cassandra, each namespace's table and the contact points", () => {
    const config = configFrom({ cassandra: { hosts: ['cassandra-1', 'cassandra-2'], keyspace: 'sessions' } });
    expect(prepareService(config).namespaces.default?.store).toBe(
      'the Cassandra table "sessions"."values" on cassandra-1, cassandra-2',
    );
  });
});

describe("the README's first example", () => {
  const curlUrls = [...readme.matchAll(/^curl .*?(http:\/\/\S+\/)[^/\s]+\s/gm)].map((match) => match[1]);
  const oneLineFile = /```yaml\n(.*)\n```/.exec(readme)?.[1];

  it('npm start without a file serves the URL of its curl commands', () => {
    expect(curlUrls).toHaveLength(3);
    expect(new Set(curlUrls)).toEqual(new Set([prepareService(loadConfig(undefined)).namespaces.default?.url]));
  });

  it('its one-line file serves that URL too', () => {
    expect(oneLineFile).toBeDefined();
    const path = fileWith(`${oneLineFile}\n`);
    expect(prepareService(loadConfig(path)).namespaces.default?.url).toBe(curlUrls[0]);
  });
});

// The service's own certificate, key and client CA: start-up checks that they make a TLS context (the
// configuration, that each can be read).
const pki = createTestAuthority();
const { cert: serverCert, key: serverKey } = pki.server();
const kaskDirectory = mkdtempSync(join(tmpdir(), 'kask-etc-'));
const tlsFiles = { cert: serverCert, key: serverKey };
afterAll(() => {
  pki.remove();
  rmSync(kaskDirectory, { recursive: true, force: true });
});

describe('the TLS files, checked at start-up', () => {
  it("TLS files that cannot serve are refused, naming the key: a client CA file without a CA certificate (it would refuse every client), a key that is not the certificate's", () => {
    const empty = join(kaskDirectory, 'empty.pem');
    writeFileSync(empty, '');
    for (const clientCa of [empty, serverCert, serverKey]) {
      expect(() => prepareService(configFrom({ tls: { ...tlsFiles, client_ca: clientCa } })), clientCa).toThrow(
        /tls.client_ca: .* must hold CA certificates/,
      );
    }
    const otherKey = pki.server().key;
    expect(() => prepareService(configFrom({ tls: { cert: serverCert, key: otherKey } }))).toThrow(
      /tls.cert and tls.key do not make a TLS context/,
    );
  });

  it('a client CA file holding an intermediate CA without its root is refused, naming the CA and what to do; with its root it serves', () => {
    const intermediate = pki.intermediate('kask-ts test intermediate');
    const below = intermediate.intermediate('kask-ts test issuing CA');
    const bundle = (name: string, ...files: string[]) => {
      const path = join(kaskDirectory, name);
      writeFileSync(path, files.map((file) => readFileSync(file, 'latin1')).join(''));
      return path;
    };
    for (const clientCa of [
      intermediate.caFile,
      bundle('issuing-and-intermediate.pem', below.caFile, intermediate.caFile),
      bundle('root-and-issuing.pem', pki.caFile, below.caFile),
    ]) {
      const refused = () => prepareService(configFrom({ tls: { ...tlsFiles, client_ca: clientCa } }));
      expect(refused, clientCa).toThrow(ConfigError);
      expect(refused, clientCa).toThrow(
        /^tls.client_ca: .* holds the intermediate CA "CN=kask-ts test (intermediate|issuing CA)", whose root CA is not in the file: every client certificate it signed would be refused\. Add the root CA/,
      );
    }
    const chain = bundle('chain.pem', below.caFile, intermediate.caFile, pki.caFile);
    expect(prepareService(configFrom({ tls: { ...tlsFiles, client_ca: chain } })).config.tls.client_ca).toBe(chain);
  });
});
