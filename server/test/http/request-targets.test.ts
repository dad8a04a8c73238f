import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { listeningAppsClosedAfterEach } from '../support/listening-app.js';

const listen = listeningAppsClosedAfterEach();

interface Exchange {
  readonly status: number;
  readonly body: string;
}

/** One request on a connection of its own; `path` is sent as the request target exactly (origin or absolute form). */
function exchange(
  port: number,
  method: string,
  path: string,
  { body, headers = {} }: { body?: string; headers?: Record<string, string> } = {},
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const sent = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

describe('request targets', () => {
  it('every route answers an absolute-form target (RFC 9112 section 3.2.2) as its origin form', async () => {
    const port = await listen({});
    const absolute = (path: string) => `http://127.0.0.1:${port}${path}`;
    const ttl = { 'cache-control': 'max-age=60' };
    const steps: [string, string, { body?: string; headers?: Record<string, string> }, number][] = [
      ['PUT', '/sessions/v1/abs', { body: 'created' }, 201],
      ['POST', '/sessions/v1/abs', { body: 'replaced' }, 201],
      ['PATCH', '/sessions/v1/abs', { headers: ttl }, 204],
      ['GET', '/sessions/v1/abs', {}, 200],
      ['OPTIONS', '/sessions/v1/abs', {}, 405],
      ['DELETE', '/sessions/v1/abs', {}, 204],
      ['GET', '/sessions/v1/abs', {}, 404],
      ['GET', '/healthz', {}, 200],
      ['GET', '/readyz', {}, 200],
      ['GET', '/metrics', {}, 200],
      ['GET', '/openapi', {}, 200],
      ['GET', '/elsewhere', {}, 404],
    ];
    for (const [method, path, options, status] of steps) {
      const answer = await exchange(port, method, absolute(path), options);
      expect(answer.status, `${method} ${absolute(path)}`).toBe(status);
      if (method === 'GET' && status === 200 && path.startsWith('/sessions/')) expect(answer.body).toBe('replaced');
    }
    const problem = JSON.parse((await exchange(port, 'GET', absolute('/sessions/v1/ab%3Ac'))).body);
    expect(problem.instance).toBe('/sessions/v1/ab:c');
  });

  it('an absolute-form POST of a declared body over max_value_bytes with Expect: 100-continue answers 413 before the body', async () => {
    const port = await listen({ max_value_bytes: 8 });
    const answer = await exchange(port, 'POST', `http://127.0.0.1:${port}/sessions/v1/big`, {
      headers: { expect: '100-continue', 'content-length': '9' },
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).instance).toBe('/sessions/v1/big');
  });

  it("with namespaces, Expect: 100-continue is refused early against the limit of the request's namespace, and counted in it", async () => {
    const port = await listen({
      max_value_bytes: 64,
      namespaces: { sessions: { base_uri: '/sessions/v1/' }, echoseen: { base_uri: '/echoseen/v1/', max_value_bytes: 8 } },
    });
    const early = (path: string, bytes: number) =>
      exchange(port, 'POST', path, { headers: { expect: '100-continue', 'content-length': String(bytes) } });
    const echoseen = await early('/echoseen/v1/big', 9);
    expect(echoseen.status).toBe(413);
    expect(JSON.parse(echoseen.body).detail).toBe('The value is larger than 8 bytes');
    const sessions = await early('/sessions/v1/big', 65);
    expect(sessions.status).toBe(413);
    expect(JSON.parse(sessions.body).detail).toBe('The value is larger than 64 bytes');
    const metrics = (await exchange(port, 'GET', '/metrics')).body;
    expect(metrics).toContain('http_requests_total{namespace="echoseen",code="413",method="POST"} 1');
    expect(metrics).toContain('http_request_duration_seconds_count{namespace="echoseen",code="413",method="POST"} 1');
  });

  it('on the embedded store, a key of max_key_bytes 1978 is stored whatever its first byte, and one byte more answers 400', async () => {
    const port = await listen({ max_key_bytes: 1978 });
    for (const first of ['%01', '%1B', '%00', 'k']) {
      const path = `/sessions/v1/${first}${'k'.repeat(1977)}`;
      expect((await exchange(port, 'POST', path, { body: first })).status, first).toBe(201);
      expect(await exchange(port, 'GET', path)).toEqual({ status: 200, body: first });
      expect((await exchange(port, 'POST', `${path}k`, { body: first })).status, first).toBe(400);
    }
    // Three bytes a character: the longest key of them, percent-encoded, is three times as long a path.
    const wide = `/sessions/v1/${'%E2%82%AC'.repeat(659)}k`;
    expect((await exchange(port, 'POST', wide, { body: 'euro' })).status).toBe(201);
    expect(await exchange(port, 'GET', wide)).toEqual({ status: 200, body: 'euro' });
  });
});
