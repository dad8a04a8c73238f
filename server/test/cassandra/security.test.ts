import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalNode, nodeDirectory, startNode, stopNode, tlsDirectory } from '../../../test-support/cassandra/local-node.js';
import { freePort, removeServerDirectory, startServer, startServerIn } from '../../../test-support/server-process.js';
import { until } from '../../../test-support/until.js';
import { type CassandraOptions, openCassandraStorage } from '../../src/storage/cassandra/cassandra.js';
import { applySchema } from '../../src/storage/cassandra/schema.js';
import { uniqueKey } from '../storage/conformance.js';
import { chartConfig, kaskWorkingDirectory, replayXAmples } from '../support/kask-dropin.js';
import { openReady, sleep, storageErrorOf } from './storage-helpers.js';

// Password authentication and client TLS on a node of their own, certificates made by tls.sh. As at Wikimedia,
// the node's certificate names a host (localhost), not the address the driver connects to: the node runs on
// 127.0.0.1, where localhost leads, beside node1 on other ports.
const secureNode: LocalNode = {
  name: 'security-test',
  address: '127.0.0.1',
  nativePort: 9142,
  storagePort: 7010,
  dataCentre: 'datacenter1',
  jmxPort: 7399,
  cluster: 'kask-ts-security-test',
  commitlogSync: 'periodic',
  properties: {},
  passwordAuth: true,
  clientTls: { subjectAltName: 'DNS:localhost' },
};

describe('cassandra: password authentication and TLS (a node of its own on 127.0.0.1:9142, its certificate naming localhost)', () => {
  const tls = tlsDirectory(secureNode);
  const options: CassandraOptions = {
    hosts: ['localhost'],
    port: secureNode.nativePort,
    localDc: secureNode.dataCentre,
    keyspace: 'kask_test',
    table: 'values',
    queryTimeoutMs: 5000,
    connectTimeoutMs: 2000,
    estimatesIntervalMs: 60_000,
    username: 'cassandra',
    password: 'cassandra',
    tls: {
      caPath: join(tls, 'ca.pem'),
      certPath: join(tls, 'client.pem'),
      keyPath: join(tls, 'client.key'),
      verifyHostName: true,
    },
  };
  const tlsOptions = options.tls as NonNullable<CassandraOptions['tls']>;
  let otherCaDirectory: string;
  let otherCa: string;

  beforeAll(async () => {
    await stopNode(secureNode, { kill: true });
    rmSync(nodeDirectory(secureNode), { recursive: true, force: true });
    await startNode(secureNode);
    for (const keyspace of [options.keyspace, 'sessions']) {
      await applySchema(options, { keyspace, table: options.table, replication: { [secureNode.dataCentre]: 1 } });
    }
    otherCaDirectory = mkdtempSync(join(tmpdir(), 'kask-other-ca-'));
    otherCa = join(otherCaDirectory, 'ca.pem');
    const subject = ['-subj', '/CN=another CA', '-keyout', join(otherCaDirectory, 'ca.key'), '-out', otherCa];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', ...subject], { stdio: 'ignore' });
  }, 180_000);
  afterAll(async () => {
    await stopNode(secureNode);
    rmSync(nodeDirectory(secureNode), { recursive: true, force: true });
    if (otherCaDirectory !== undefined) rmSync(otherCaDirectory, { recursive: true, force: true });
  }, 120_000);

  /** Opens the backend with `overrides`, checks that it is still unavailable a few seconds later, and returns the connection error. */
  async function neverConnects(overrides: Partial<CassandraOptions>): Promise<string> {
    const storage = openCassandraStorage({ ...options, ...overrides }, pino({ level: 'silent' }));
    try {
      await sleep(3000);
      const error = await storageErrorOf(storage.ping());
      expect(error.kind).toBe('unavailable');
      return String(error.cause);
    } finally {
      await storage.close();
    }
  }

  it('connects by the configured host name: a password, a client certificate, the chain and the name verified', async () => {
    const storage = await openReady(options);
    try {
      const key = uniqueKey('secure');
      await storage.set(key, Buffer.from('over TLS'), 60);
      expect((await storage.get(key))?.value.toString()).toBe('over TLS');
    } finally {
      await storage.close();
    }
  });

  it.each([true, false])(
    'never connects to a node whose certificate another CA signed (enable_host_verification: %s)',
    async (verifyHostName) => {
      expect(await neverConnects({ tls: { ...tlsOptions, caPath: otherCa, verifyHostName } })).toMatch(
        /self-signed certificate in certificate chain/,
      );
    },
  );

  it('never connects by an address its certificate does not name (hosts: [127.0.0.1], the certificate names localhost)', async () => {
    expect(await neverConnects({ hosts: [secureNode.address] })).toMatch(
      /cassandra node 127\.0\.0\.1: its certificate names DNS:localhost, not that address/,
    );
  });

  it('with enable_host_verification: false, connects by that address: the chain is verified, the name is not', async () => {
    const storage = await openReady({ ...options, hosts: [secureNode.address], tls: { ...tlsOptions, verifyHostName: false } });
    try {
      const key = uniqueKey('unverified-name');
      await storage.set(key, Buffer.from('chain only'), 60);
      expect((await storage.get(key))?.value.toString()).toBe('chain only');
    } finally {
      await storage.close();
    }
  });

  it('never connects with a wrong password', async () => {
    expect(await neverConnects({ password: 'not the password' })).toMatch(
      /AuthenticationError: Provided username cassandra and\/or password are incorrect/,
    );
  });

  it('a server with a wrong password logs at start-up that the credentials were refused, and /readyz says so, never the password', async () => {
    const password = 'not-the-password-3f9a';
    const server = await startServer({
      storage: 'cassandra',
      cassandra: {
        hosts: [secureNode.address],
        port: secureNode.nativePort,
        local_dc: secureNode.dataCentre,
        keyspace: options.keyspace,
        authentication: { username: 'cassandra', password },
        tls: { ca: tlsOptions.caPath, cert: tlsOptions.certPath, key: tlsOptions.keyPath, enable_host_verification: false },
      },
    });
    try {
      const reason = 'Cassandra refused the user name or password of cassandra.authentication';
      await until(() => server.output().includes('"msg":"cassandra: cannot connect; retrying"'), 20_000);
      const line = server
        .output()
        .split('\n')
        .find((text) => text.includes('"msg":"cassandra: cannot connect; retrying"'));
      expect(JSON.parse(line as string)).toMatchObject({ level: 'ERROR', reason });
      const ready = await fetch(`${server.origin}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { detail: string }).detail).toBe(
        `The storage of namespace default is unavailable: ${reason}; retry later`,
      );
      expect(server.output()).not.toContain(password);
    } finally {
      await server.stop();
      removeServerDirectory(server);
    }
  });

  it('never connects without a client certificate when the node requires one', async () => {
    expect(await neverConnects({ tls: { caPath: tlsOptions.caPath, verifyHostName: true } })).toMatch(/certificate required/);
  });

  it("Wikimedia's sessionstore file serves sessions over TLS with verification off, and Kask's openapi.yaml rendered", async () => {
    // As the chart renders it, but for this node, its superuser and the client certificate it requires.
    const cassandra = {
      hosts: [secureNode.address],
      port: secureNode.nativePort,
      local_dc: secureNode.dataCentre,
      authentication: { username: 'cassandra', password: 'cassandra' },
      tls: { ca: tlsOptions.caPath, cert: tlsOptions.certPath, key: tlsOptions.keyPath, enable_host_verification: false },
    };
    const directory = kaskWorkingDirectory();
    const port = await freePort();
    const server = await startServerIn(directory, chartConfig(port, cassandra), port, '/sessions/v1/');
    try {
      let ready = 0;
      for (let attempt = 0; attempt < 300 && ready !== 200; attempt++) {
        ready = (await fetch(`${server.origin}/readyz`)).status;
        if (ready !== 200) await sleep(100);
      }
      expect(ready).toBe(200);
      const key = `${server.baseUrl}${encodeURIComponent(uniqueKey('enwiki:MWSession:'))}`;
      expect((await fetch(key, { method: 'POST', body: 'PHP..s:1:"x";' })).status).toBe(201);
      expect(await (await fetch(key)).text()).toBe('PHP..s:1:"x";');
      expect(await replayXAmples(server.origin)).toBe(2);
    } finally {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
