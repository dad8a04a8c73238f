import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnCli } from '../../test-support/server-process.js';

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
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
