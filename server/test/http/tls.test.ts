import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createTestAuthority } from '../../../test-support/certificates.js';
import { freePort, spawnCli, startServersStoppedAfterEach } from '../../../test-support/server-process.js';
import { until } from '../../../test-support/until.js';
import { exchange } from '../auth/exchange.js';

const directory = mkdtempSync(join(tmpdir(), 'kask-tls-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A self-signed certificate for 127.0.0.1, made with openssl. */
function selfSignedCertificate(): { cert: string; key: string } {
  const cert = join(directory, 'cert.pem');
  const key = join(directory, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

function httpsRequest(url: string, ca: Buffer, method: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { method, ca }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

describe('tls', () => {
  it('tls.cert and tls.key turn on HTTPS, as in Kask', async () => {
    const { cert, key } = selfSignedCertificate();
    const port = await freePort();
    const config = join(directory, 'config.yaml');
    writeFileSync(
      config,
      `listen_address: 127.0.0.1\nlisten_port: ${port}\nbase_uri: /sessions/v1/\nworkers: 1\ntls:\n  cert: ${cert}\n  key: ${key}\nembedded:\n  path: ${join(directory, 'data')}\n`,
    );
    const server = spawnCli(['--config', config]);
    try {
      const ca = readFileSync(cert);
      const url = `https://127.0.0.1:${port}/sessions/v1/tls-key`;
      let stored: { status: number } | undefined;
      for (let attempt = 0; attempt < 100 && stored === undefined; attempt++) {
        stored = await httpsRequest(url, ca, 'POST', 'over tls').catch(() => undefined);
        if (stored === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(stored?.status).toBe(201);
      expect(await httpsRequest(url, ca, 'GET')).toEqual({ status: 200, body: 'over tls' });
      // The start-up line names the scheme clients must use.
      expect(server.output()).toContain(`"msg":"Server listening at https://127.0.0.1:${port}"`);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});

describe('client certificates at the TLS handshake (tls.client_ca)', () => {
  const pki = createTestAuthority();
  const otherPki = createTestAuthority('another CA');
  const intermediate = pki.intermediate('kask-ts test intermediate');
  const serverCert = pki.server();
  afterAll(() => {
    pki.remove();
    otherPki.remove();
  });

  /** A PEM file of `files`, one after the other. */
  const bundle = (name: string, ...files: string[]) => {
    const path = join(directory, name);
    writeFileSync(path, files.map((file) => readFileSync(file, 'latin1')).join(''));
    return path;
  };
  const tls = (clientCa: string) => ({ cert: serverCert.cert, key: serverCert.key, client_ca: clientCa });
  const start = startServersStoppedAfterEach();

  it('a file with an intermediate CA and its root admits the clients the intermediate signed, which present their own certificate only', async () => {
    const server = await start({ workers: 1, tls: tls(bundle('intermediate-and-root.pem', intermediate.caFile, pki.caFile)) });
    const client = intermediate.client({ commonName: 'signed-by-the-intermediate' });
    expect((await exchange(`${server.origin}/healthz`, { ca: pki.caFile, client })).status).toBe(200);
  });

  it('a file holding an intermediate CA without its root stops the start-up (exit 2), naming tls.client_ca, the CA and what to do', async () => {
    const port = await freePort();
    const config = join(directory, 'intermediate-only.yaml');
    writeFileSync(
      config,
      stringify({
        listen_address: '127.0.0.1',
        listen_port: port,
        tls: tls(intermediate.caFile),
        embedded: { path: join(directory, 'data') },
      }),
    );
    const cli = spawnCli(['--config', config]);
    const exited = await Promise.race([cli.exited, new Promise((resolve) => setTimeout(resolve, 10_000, 'still running'))]);
    if (exited === 'still running') await cli.stop();
    expect(exited).toBe(2);
    expect(cli.output()).toContain(
      `tls.client_ca: ${intermediate.caFile} holds the intermediate CA "CN=kask-ts test intermediate", whose root CA is not in the file: every client certificate it signed would be refused. Add the root CA`,
    );
  });

  it('SIGHUP with a file holding an intermediate CA without its root keeps the previous CA in use, and says why', async () => {
    const clientCa = bundle('live-ca.pem', pki.caFile);
    const server = await start({ workers: 1, tls: tls(clientCa) });
    const client = pki.client({ commonName: 'signed-by-the-root' });
    copyFileSync(intermediate.caFile, clientCa);
    server.signal('SIGHUP');
    await until(() => server.output().includes('TLS certificates not reloaded'));
    expect(server.output()).toContain('whose root CA is not in the file');
    expect((await exchange(`${server.origin}/healthz`, { ca: pki.caFile, client })).status).toBe(200);
  });

  it('refused handshakes are logged with the reason and the address, at most once a minute per address and process, and counted by reason over every worker', async () => {
    const server = await start({ workers: 2, tls: tls(pki.caFile) });
    const url = `${server.origin}/healthz`;
    const impostor = otherPki.client({ commonName: 'impostor' });
    const notForClients = pki.server();
    const attempts = 5;
    for (let i = 0; i < attempts; i++) {
      await expect(exchange(url, { ca: pki.caFile, client: notForClients, localAddress: '127.0.0.3' })).rejects.toThrow();
      await expect(exchange(url, { ca: pki.caFile, client: impostor, localAddress: '127.0.0.4' })).rejects.toThrow();
      // A probe presents no certificate: it is not refused, and its handshake is no failure.
      expect((await exchange(url, { ca: pki.caFile, localAddress: '127.0.0.5' })).status).toBe(200);
    }
    // Summed over both workers, which each served some of the attempts.
    const prometheus = pki.client({ commonName: 'prometheus' });
    const metrics = async () => (await exchange(`${server.origin}/metrics`, { ca: pki.caFile, client: prometheus })).body;
    const counted = (reason: string) => `kask_tls_handshake_failures_total{reason="${reason}"} ${attempts}`;
    await until(async () => (await metrics()).includes(counted('INVALID_PURPOSE')));
    await until(async () => (await metrics()).includes(counted('UNABLE_TO_VERIFY_LEAF_SIGNATURE')));
    expect(await metrics()).not.toMatch(/kask_tls_handshake_failures_total\{reason="(?!INVALID_PURPOSE|UNABLE_TO_VERIFY_LEAF)/);
    const lines = (address: string) =>
      server
        .output()
        .split('\n')
        .filter((line) => line.includes('"msg":"TLS handshake failed"') && line.includes(`"remote_address":"${address}"`))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    await until(() => lines('127.0.0.3').length > 0 && lines('127.0.0.4').length > 0);
    for (const [address, reason] of [
      ['127.0.0.3', 'INVALID_PURPOSE'],
      ['127.0.0.4', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ] as const) {
      expect(lines(address).length, address).toBeLessThanOrEqual(2);
      for (const line of lines(address)) expect(line).toMatchObject({ level: 'WARNING', reason });
    }
    expect(server.output()).not.toContain('PRIVATE KEY');
  });
});
