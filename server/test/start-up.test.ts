import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestAuthority } from '../../test-support/certificates.js';
import { configFrom } from '../src/config/load.js';
import { prepareService } from '../src/start-up.js';
import { ConfigError } from '../src/validation/rules.js';

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

describe('start-up', () => {
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
