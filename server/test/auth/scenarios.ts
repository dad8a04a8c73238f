import { copyFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CertificateFiles, createTestAuthority, type TestAuthority } from '../../../test-support/certificates.js';
import { removeServerDirectory, type ServerProcess, startServer } from '../../../test-support/server-process.js';
import { until } from '../../../test-support/until.js';
import { problems } from '../../src/generated/contract.js';
import { type ExchangeOptions, exchange, fingerprintOf } from './exchange.js';

// Client authentication and authorization against a kask-ts server process, over the backend `backend()` adds
// to the configuration file (nothing: the embedded store; a cassandra block: Cassandra). Each test file of a
// backend runs these.

/** The proxy of the trusted_proxy tests: an address of loopback the tests connect from. */
const proxyAddress = '127.0.0.2';
/** Another address of loopback, which no configuration trusts. */
const elsewhere = '127.0.0.1';

const clients = {
  writer: { default: ['read', 'write', 'delete'] },
  'spiffe://wiki/reader': { default: ['read'] },
  'deleter.example': { default: ['delete'] },
  'Auditor.Example': { default: ['read'] },
};

/** A key only these tests use, distinctive enough to look for in the server's output. */
function secretKey(name: string): string {
  return `${name}-${Math.random().toString(36).slice(2)}-SECRET`;
}

async function stopped(server: ServerProcess | undefined): Promise<void> {
  if (server === undefined) return;
  await server.stop();
  removeServerDirectory(server);
}

/**
 * Starts a server and waits until its storage answers (a Cassandra session can take a moment after listening);
 * a server that never does is stopped, not left running past the test.
 */
async function started(config: Record<string, unknown>, tls: ExchangeOptions): Promise<ServerProcess> {
  const server = await startServer({ workers: 1, ...config });
  try {
    await until(async () => (await exchange(`${server.origin}/readyz`, tls)).status === 200);
  } catch (error) {
    await stopped(server);
    throw error;
  }
  return server;
}

/** Two namespaces, each with a client of its own: MediaWiki's sessions and Echo's seen-times. */
const namespaces = {
  sessions: { base_uri: '/sessions/v1/', table: 'auth_sessions' },
  echoseen: { base_uri: '/echoseen/v1/', table: 'auth_echoseen', default_ttl: 31536000 },
};
const namespacedClients = {
  'spiffe://wiki/mediawiki': { sessions: ['read', 'write', 'delete'], echoseen: ['read'] },
  echo: { echoseen: ['read', 'write', 'delete'] },
};

/**
 * `backend()` is the storage block of a configuration file; `createTables` makes the namespaces' tables
 * where the backend needs them made beforehand.
 */
export function accessControlScenarios(
  backend: () => Record<string, unknown>,
  createTables: (configured: typeof namespaces) => Promise<void> = async () => {},
): void {
  let pki: TestAuthority;
  let otherPki: TestAuthority;
  let serverCert: CertificateFiles;
  let writer: CertificateFiles;
  let reader: CertificateFiles;
  let deleter: CertificateFiles;
  let stranger: CertificateFiles;
  let prometheus: CertificateFiles;

  beforeAll(() => {
    pki = createTestAuthority();
    otherPki = createTestAuthority('another CA');
    serverCert = pki.server();
    writer = pki.client({ commonName: 'writer' });
    reader = pki.client({ commonName: 'reader-host', altNames: ['URI:spiffe://wiki/reader'] });
    deleter = pki.client({ altNames: ['DNS:deleter.example'] });
    stranger = pki.client({ commonName: 'stranger' });
    prometheus = pki.client({ commonName: 'prometheus' });
  });
  afterAll(() => {
    pki?.remove();
    otherPki?.remove();
  });

  /** A secret for insight's keyed hash, removed with the CA's directory. */
  function insightSecretFile(): string {
    const path = join(dirname(pki.caFile), 'insight.key');
    writeFileSync(path, 'a secret of 32 bytes or more for insight\n');
    return path;
  }

  describe('client certificates (tls.client_ca and clients)', () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await started(
        {
          ...backend(),
          tls: { cert: serverCert.cert, key: serverCert.key, client_ca: pki.caFile },
          clients,
          metrics_clients: ['prometheus'],
          insight: { secret_file: insightSecretFile() },
        },
        { ca: pki.caFile, client: writer },
      );
    });
    afterAll(() => stopped(server));

    const as = (client: CertificateFiles, method: string, key: string, body?: string) =>
      exchange(`${server.baseUrl}${key}`, { method, body, ca: pki.caFile, client, headers: { 'cache-control': 'max-age=60' } });

    it('a client with the permissions gets 201, 200, 204 and 204 for POST, GET, PATCH and DELETE', async () => {
      const key = secretKey('allowed');
      expect((await as(writer, 'POST', key, 'value')).status).toBe(201);
      const read = await as(writer, 'GET', key);
      expect([read.status, read.body]).toEqual([200, 'value']);
      expect((await as(writer, 'PATCH', key)).status).toBe(204);
      expect((await as(writer, 'DELETE', key)).status).toBe(204);
    });

    it('a client named by a URI subjectAltName may read (GET, HEAD) and not write; one named by a DNS name may delete only', async () => {
      const key = secretKey('partial');
      expect((await as(writer, 'POST', key, 'value')).status).toBe(201);
      expect((await as(reader, 'GET', key)).status).toBe(200);
      expect((await as(reader, 'HEAD', key)).status).toBe(200);
      for (const method of ['POST', 'PUT', 'PATCH']) {
        const refused = await as(reader, method, key, method === 'PATCH' ? undefined : 'other');
        expect(refused.status, method).toBe(403);
        expect(JSON.parse(refused.body)).toMatchObject({ type: problems.forbidden.type, title: problems.forbidden.title });
      }
      expect((await as(reader, 'DELETE', key)).status).toBe(403);
      expect((await as(deleter, 'GET', key)).status).toBe(403);
      expect((await as(deleter, 'HEAD', key)).status).toBe(403);
      expect((await as(deleter, 'DELETE', key)).status).toBe(204);
      expect((await as(writer, 'GET', key)).status).toBe(404);
    });

    it('a client whose certificate names no listed identity answers 403 to every method, before the key is looked at', async () => {
      for (const method of ['GET', 'POST', 'DELETE', 'OPTIONS']) {
        expect((await as(stranger, method, secretKey('stranger'), method === 'POST' ? 'v' : undefined)).status, method).toBe(403);
      }
      // An invalid key would be 400 to a client allowed there: a stranger learns nothing about keys or limits.
      expect((await as(stranger, 'GET', 'x'.repeat(5000))).status).toBe(403);
    });

    it('a certificate with several listed names is, for each request, the first listed for what it asks', async () => {
      const both = pki.client({ commonName: 'prometheus', altNames: ['URI:spiffe://wiki/reader'] });
      const key = secretKey('both');
      expect((await as(writer, 'POST', key, 'value')).status).toBe(201);
      expect((await as(both, 'GET', key)).status).toBe(200);
      expect((await as(both, 'DELETE', key)).status).toBe(403);
      expect((await exchange(`${server.origin}/metrics`, { ca: pki.caFile, client: both })).status).toBe(200);
    });

    it('names are compared as DNS compares them: a certificate naming AUDITOR.example, or SPIFFE://WIKI/reader, is the client listed as Auditor.Example, or spiffe://wiki/reader', async () => {
      const key = secretKey('case');
      expect((await as(writer, 'POST', key, 'value')).status).toBe(201);
      const auditor = pki.client({ commonName: 'AUDITOR.example' });
      const reader = pki.client({ altNames: ['DNS:auditor.EXAMPLE', 'URI:SPIFFE://WIKI/reader'] });
      for (const client of [auditor, reader]) expect((await as(client, 'GET', key)).status).toBe(200);
      // A URI's path is compared as it is.
      expect((await as(pki.client({ altNames: ['URI:spiffe://wiki/READER'] }), 'GET', key)).status).toBe(403);
    });

    it('a method the route does not serve keeps its 405 for a client with some permission in the namespace', async () => {
      const answer = await as(reader, 'OPTIONS', secretKey('options'));
      expect(answer.status).toBe(405);
      expect(answer.headers.allow).toBeDefined();
    });

    it('a client without a certificate (a probe) reaches /healthz and /readyz, and gets 401 with its challenge on the session route and /metrics', async () => {
      const probe = { ca: pki.caFile };
      expect((await exchange(`${server.origin}/healthz`, probe)).status).toBe(200);
      expect((await exchange(`${server.origin}/readyz`, { ...probe, method: 'HEAD' })).status).toBe(200);
      for (const url of [`${server.baseUrl}${secretKey('probe')}`, `${server.origin}/metrics`]) {
        const refused = await exchange(url, probe);
        expect([refused.status, refused.headers['www-authenticate']], url).toEqual([401, 'MutualTLS']);
        expect(JSON.parse(refused.body)).toMatchObject({ type: problems.not_authorized.type });
      }
    });

    it('a client with a certificate another CA signed is refused at the TLS handshake, on every route', async () => {
      const impostor = otherPki.client({ commonName: 'writer' });
      for (const url of [`${server.baseUrl}k`, `${server.origin}/healthz`]) {
        await expect(exchange(url, { ca: pki.caFile, client: impostor }), url).rejects.toThrow();
      }
    });

    it('/metrics and /insight answer only metrics_clients (403 to others); /healthz stays open; denials are counted and logged without the key', async () => {
      const key = secretKey('denied');
      expect((await as(reader, 'POST', key, 'value')).status).toBe(403);
      expect((await exchange(`${server.origin}/healthz`, { ca: pki.caFile, client: writer })).status).toBe(200);
      const refused = await exchange(`${server.origin}/metrics`, { ca: pki.caFile, client: writer });
      expect(refused.status).toBe(403);
      expect((await exchange(`${server.origin}/insight`, { ca: pki.caFile, client: writer })).status).toBe(403);
      expect((await exchange(`${server.origin}/insight`, { ca: pki.caFile, client: prometheus })).status).toBe(200);
      const metrics = await exchange(`${server.origin}/metrics`, { ca: pki.caFile, client: prometheus });
      expect(metrics.status).toBe(200);
      expect(metrics.body).toMatch(
        /kask_access_denials_total\{client="spiffe:\/\/wiki\/reader",namespace="default",code="403"\} [1-9]/,
      );
      expect(metrics.body).toMatch(/kask_access_denials_total\{client="writer",namespace="\/metrics",code="403"\} 1/);
      expect(metrics.body).toMatch(/kask_access_denials_total\{client="writer",namespace="\/insight",code="403"\} 1/);
      await until(() => server.output().includes('"msg":"request denied"'));
      expect(server.output()).not.toContain(key);
    });
  });

  describe('a client CA without a list of clients (tls.client_ca alone)', () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await started(
        { ...backend(), tls: { cert: serverCert.cert, key: serverCert.key, client_ca: pki.caFile } },
        { ca: pki.caFile },
      );
    });
    afterAll(() => stopped(server));

    it('any certificate the CA signed may write and read; without one the session route answers 401, every operational route 200', async () => {
      const key = secretKey('ca-alone');
      const as = (client?: CertificateFiles) => ({ ca: pki.caFile, ...(client === undefined ? {} : { client }) });
      expect((await exchange(`${server.baseUrl}${key}`, { ...as(stranger), method: 'POST', body: 'value' })).status).toBe(201);
      expect((await exchange(`${server.baseUrl}${key}`, as(writer))).body).toBe('value');
      for (const method of ['GET', 'POST', 'DELETE']) {
        const body = method === 'POST' ? 'other' : undefined;
        expect((await exchange(`${server.baseUrl}${key}`, { ...as(), method, body })).status, method).toBe(401);
      }
      for (const route of ['/healthz', '/readyz', '/metrics']) {
        expect((await exchange(`${server.origin}${route}`, as())).status, route).toBe(200);
      }
      expect((await exchange(`${server.baseUrl}${key}`, as(writer))).body).toBe('value');
    });
  });

  describe('a trusted TLS-terminating proxy (trusted_proxy, X-Forwarded-Client-Cert)', () => {
    let server: ServerProcess;
    beforeAll(async () => {
      // Envoy's sidecar terminates TLS and forwards over plain HTTP on the same host.
      server = await started({ ...backend(), trusted_proxy: [proxyAddress], clients }, {});
    });
    afterAll(() => stopped(server));

    const forwarded = (from: string, method: string, key: string, xfcc?: string, body?: string) =>
      exchange(`${server.baseUrl}${key}`, {
        method,
        body,
        localAddress: from,
        headers: xfcc === undefined ? {} : { 'x-forwarded-client-cert': xfcc },
      });

    it('a request from the proxy without the header answers 401 not_authorized, with a challenge (RFC 9110 section 11.6.1)', async () => {
      const answer = await forwarded(proxyAddress, 'GET', secretKey('anonymous'));
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('MutualTLS');
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(answer.body)).toMatchObject({
        type: 'https://www.mediawiki.org/wiki/Kask/errors/not_authorized',
        title: 'Not authorized',
      });
    });

    it('the client the proxy names gets its permissions: 201, 200, 204 for the writer, 403 for a reader writing', async () => {
      const key = secretKey('proxied');
      const asWriter = 'By=spiffe://proxy;Hash=abc;Subject="CN=writer,O=Wikimedia"';
      expect((await forwarded(proxyAddress, 'POST', key, asWriter, 'value')).status).toBe(201);
      expect((await forwarded(proxyAddress, 'GET', key, asWriter)).status).toBe(200);
      const asReader = 'Hash=abc;URI=spiffe://wiki/reader';
      expect((await forwarded(proxyAddress, 'GET', key, asReader)).status).toBe(200);
      expect((await forwarded(proxyAddress, 'POST', key, asReader, 'other')).status).toBe(403);
      expect((await forwarded(proxyAddress, 'DELETE', key, asWriter)).status).toBe(204);
    });

    it('only the last element counts: the one the proxy added, not what its client sent it', async () => {
      const key = secretKey('chain');
      const forgedThenReal = 'Subject="CN=writer";URI=spiffe://forged,URI=spiffe://wiki/reader';
      expect((await forwarded(proxyAddress, 'POST', key, forgedThenReal, 'v')).status).toBe(403);
    });

    it('a forged header from an address that is not a trusted proxy is ignored (401) and logged with the address only', async () => {
      const key = secretKey('forged');
      const answer = await forwarded(elsewhere, 'POST', key, 'Subject="CN=writer"', 'value');
      expect(answer.status).toBe(401);
      const warning = () =>
        server
          .output()
          .split('\n')
          .find((line) => line.includes('X-Forwarded-Client-Cert ignored'));
      await until(() => warning() !== undefined);
      expect(warning()).toContain(`"remote_address":"${elsewhere}"`);
      expect(server.output()).not.toContain(key);
      expect((await forwarded(proxyAddress, 'GET', key, 'Subject="CN=writer"')).status).toBe(404);
    });

    it('a body declared over the limit with Expect: 100-continue answers 401 to an anonymous client, 413 to a listed one', async () => {
      const head = (xfcc: string) =>
        `POST /sessions/v1/${secretKey('large')} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2000000\r\n${xfcc}\r\n`;
      expect(await statusLine(server.port, proxyAddress, head(''))).toBe('HTTP/1.1 401 Unauthorized');
      const listed = 'X-Forwarded-Client-Cert: Subject="CN=writer"\r\n';
      expect(await statusLine(server.port, proxyAddress, head(listed))).toBe('HTTP/1.1 413 Payload Too Large');
    });

    it('names the proxy forwards are compared as DNS compares them, as a certificate’s are', async () => {
      const key = secretKey('proxied-case');
      expect((await forwarded(proxyAddress, 'POST', key, 'Subject="CN=WRITER"', 'value')).status).toBe(201);
      expect((await forwarded(proxyAddress, 'GET', key, 'DNS=auditor.EXAMPLE')).status).toBe(200);
      expect((await forwarded(proxyAddress, 'GET', key, 'URI=Spiffe://Wiki/reader')).status).toBe(200);
    });

    it('denials, and headers from untrusted addresses, are logged at most once a minute per client or address, with the address', async () => {
      const flooder = '127.0.0.5';
      const answers = [];
      for (let i = 0; i < 5; i++)
        answers.push((await forwarded(flooder, 'GET', secretKey('flood'), 'Subject="CN=writer"')).status);
      expect(answers).toEqual([401, 401, 401, 401, 401]);
      const linesFrom = (message: string) =>
        server
          .output()
          .split('\n')
          .filter((line) => line.includes(`"msg":"${message}"`) && line.includes(`"remote_address":"${flooder}"`));
      await until(() => linesFrom('request denied').length > 0);
      expect(linesFrom('request denied')).toHaveLength(1);
      expect(linesFrom('X-Forwarded-Client-Cert ignored: the connection is not from a trusted_proxy')).toHaveLength(1);
    });

    it('a malformed header from the proxy identifies nobody (401)', async () => {
      for (const header of ['Subject="CN=writer', 'Subject=CN=writer', 'URI=spiffe://wiki/reader,', '']) {
        expect((await forwarded(proxyAddress, 'GET', secretKey('malformed'), header)).status, header).toBe(401);
      }
    });
  });

  describe('permissions per namespace: each client allowed only its own', () => {
    let server: ServerProcess;
    beforeAll(async () => {
      await createTables(namespaces);
      server = await started({ ...backend(), namespaces, trusted_proxy: [proxyAddress], clients: namespacedClients }, {});
    });
    afterAll(() => stopped(server));

    const mediawiki = 'URI=spiffe://wiki/mediawiki';
    const echo = 'Subject="CN=echo"';
    const as = (xfcc: string, method: string, path: string, body?: string) =>
      exchange(`${server.origin}${path}`, {
        method,
        body,
        localAddress: proxyAddress,
        headers: { 'x-forwarded-client-cert': xfcc },
      });

    it('a client writes where it may, reads where it may read, and is refused (403) in the namespace that is not its own', async () => {
      const key = secretKey('namespaced');
      expect((await as(mediawiki, 'POST', `/sessions/v1/${key}`, 'session')).status).toBe(201);
      expect((await as(echo, 'GET', `/sessions/v1/${key}`)).status).toBe(403);
      expect((await as(echo, 'DELETE', `/sessions/v1/${key}`)).status).toBe(403);
      expect((await as(echo, 'POST', `/echoseen/v1/${key}`, 'seen')).status).toBe(201);
      expect((await as(mediawiki, 'POST', `/echoseen/v1/${key}`, 'overwritten')).status).toBe(403);
      const seen = await as(mediawiki, 'GET', `/echoseen/v1/${key}`);
      const session = await as(mediawiki, 'GET', `/sessions/v1/${key}`);
      expect([seen.status, seen.body, session.status, session.body]).toEqual([200, 'seen', 200, 'session']);
      const metrics = await exchange(`${server.origin}/metrics`);
      expect(metrics.body).toMatch(/kask_access_denials_total\{client="echo",namespace="sessions",code="403"\} 2/);
      expect(metrics.body).toMatch(
        /kask_access_denials_total\{client="spiffe:\/\/wiki\/mediawiki",namespace="echoseen",code="403"\} 1/,
      );
    });

    it('a certificate naming two clients is, in each namespace, the one listed there; a CN shaped like a listed URI is nobody', async () => {
      const both = 'Subject="CN=echo";URI=spiffe://wiki/mediawiki';
      const key = secretKey('both');
      expect((await as(both, 'POST', `/sessions/v1/${key}`, 'session')).status).toBe(201);
      expect((await as(both, 'POST', `/echoseen/v1/${key}`, 'seen')).status).toBe(201);
      const posing = 'Subject="CN=spiffe://wiki/mediawiki";URI=spiffe://wiki/other';
      expect((await as(posing, 'GET', `/sessions/v1/${key}`)).status).toBe(403);
    });
  });

  describe.each([1, 2])('SIGHUP with %i worker(s)', (workers) => {
    it('a new connection after SIGHUP gets the new certificate, an open keep-alive connection keeps working, and a bad one is not loaded', async () => {
      const first = pki.server();
      const second = pki.server();
      const cert = join(pki.directory, `live-${workers}.pem`);
      const key = join(pki.directory, `live-${workers}.key`);
      copyFileSync(first.cert, cert);
      copyFileSync(first.key, key);
      const server = await started(
        { ...backend(), workers, tls: { cert, key, client_ca: pki.caFile }, clients },
        { ca: pki.caFile, client: writer },
      );
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const url = `${server.origin}/healthz`;
        const options = { ca: pki.caFile, client: writer };
        const before = await exchange(url, { ...options, agent });
        expect(before.serverFingerprint).toBe(fingerprintOf(first.cert));

        copyFileSync(second.cert, cert);
        copyFileSync(second.key, key);
        const reloads = () => server.output().split('"msg":"TLS certificates reloaded"').length - 1;
        server.signal('SIGHUP');
        await until(() => reloads() === workers);

        for (let i = 0; i < 2 * workers; i++) {
          expect((await exchange(url, options)).serverFingerprint).toBe(fingerprintOf(second.cert));
        }
        const kept = await exchange(url, { ...options, agent });
        expect([kept.status, kept.reusedSocket, kept.serverFingerprint]).toEqual([200, true, fingerprintOf(first.cert)]);

        writeFileSync(key, 'not a key');
        server.signal('SIGHUP');
        await until(() => server.output().split('TLS certificates not reloaded').length - 1 === workers);
        expect((await exchange(url, options)).serverFingerprint).toBe(fingerprintOf(second.cert));
        expect(server.hasExited()).toBe(false);
      } finally {
        agent.destroy();
        await stopped(server);
      }
    });
  });
}

/** Sends `head` from `localAddress` and resolves with the final status line answered (after any 100 Continue). */
function statusLine(port: number, localAddress: string, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => socket.write(head));
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const final = /(?:^|\r\n\r\n)(HTTP\/1\.1 [2-5]\d\d [^\r]*)\r\n/.exec(text);
      if (final !== null) {
        socket.destroy();
        resolve(final[1] as string);
      }
    });
    socket.on('error', reject);
  });
}
