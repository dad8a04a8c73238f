import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalNode, nodeDirectory, startNode, stopNode, tlsDirectory } from '../../../test-support/cassandra/local-node.js';
import { type CassandraOptions, openCassandraStorage } from '../../src/storage/cassandra.js';
import { applySchema } from '../../src/storage/cassandra-schema.js';
import { uniqueKey } from '../storage/conformance.js';
import { openReady, sleep, storageErrorOf } from './storage-helpers.js';

// Password authentication and client TLS on a node of their own: 127.0.0.4, certificates made by tls.sh.
const secureNode: LocalNode = {
  name: 'security-test',
  address: '127.0.0.4',
  nativePort: 9042,
  dataCentre: 'datacenter1',
  jmxPort: 7399,
  cluster: 'kask-ts-security-test',
  commitlogSync: 'periodic',
  passwordAuth: true,
  clientTls: true,
};

describe('cassandra: password authentication and TLS (a node of its own on 127.0.0.4)', () => {
  const tls = tlsDirectory(secureNode);
  const options: CassandraOptions = {
    hosts: [secureNode.address],
    port: secureNode.nativePort,
    localDc: secureNode.dataCentre,
    keyspace: 'kask_test',
    table: 'values',
    queryTimeoutMs: 5000,
    connectTimeoutMs: 2000,
    username: 'cassandra',
    password: 'cassandra',
    tls: { caPath: join(tls, 'ca.pem'), certPath: join(tls, 'client.pem'), keyPath: join(tls, 'client.key') },
  };
  let otherCaDirectory: string;
  let otherCa: string;

  beforeAll(async () => {
    await stopNode(secureNode, { kill: true });
    rmSync(nodeDirectory(secureNode), { recursive: true, force: true });
    await startNode(secureNode);
    await applySchema(options, { keyspace: options.keyspace, table: options.table, replication: { [secureNode.dataCentre]: 1 } });
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
    const storage = openCassandraStorage({ ...options, ...overrides });
    try {
      await sleep(3000);
      const error = await storageErrorOf(storage.ping());
      expect(error.kind).toBe('unavailable');
      return String(error.cause);
    } finally {
      await storage.close();
    }
  }

  it('connects with a password, a client certificate and a verified server certificate', async () => {
    const storage = await openReady(options);
    try {
      const key = uniqueKey('secure');
      await storage.set(key, Buffer.from('over TLS'), 60);
      expect((await storage.get(key))?.value.toString()).toBe('over TLS');
    } finally {
      await storage.close();
    }
  });

  it('never connects to a node whose certificate another CA signed', async () => {
    expect(await neverConnects({ tls: { ...options.tls, caPath: otherCa } })).toMatch(
      /self-signed certificate in certificate chain/,
    );
  });

  it('never connects with a wrong password', async () => {
    expect(await neverConnects({ password: 'not the password' })).toMatch(
      /AuthenticationError: Provided username cassandra and\/or password are incorrect/,
    );
  });

  it('never connects without a client certificate when the node requires one', async () => {
    expect(await neverConnects({ tls: { caPath: options.tls?.caPath ?? '' } })).toMatch(/certificate required/);
  });
});
