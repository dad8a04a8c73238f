import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../../src/app.js';
import { configFrom } from '../../../src/config/load.js';
import { prepareService } from '../../../src/start-up.js';
import { closeStores, openStorage } from '../../../src/storage/open.js';
import { testBuild as build } from '../../support/build.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

describe('HEAD on every route (RFC 9110 section 9.3.2), over real HTTP', () => {
  let directory: string;
  let app: App;
  let port: number;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'kask-head-'));
    const config = configFrom({ base_uri: '/sessions/v1/', embedded: { path: directory } });
    const storage = await openStorage(config, { maintain: false, log: pino({ level: 'silent' }) });
    app = buildApp({ ...prepareService(config), storage, build, logger: pino({ level: 'silent' }), clustered: false });
    app.fastify.addHook('onClose', () => closeStores(storage));
    await app.fastify.listen({ host: '127.0.0.1', port: 0 });
    port = (app.fastify.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app.fastify.close();
    rmSync(directory, { recursive: true, force: true });
  });

  function send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const outgoing = request({ host: '127.0.0.1', port, method, path, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
        );
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  it.each(['/healthz', '/readyz', '/metrics', '/openapi'])('HEAD %s answers as GET, with no body', async (path) => {
    const get = await send('GET', path);
    const head = await send('HEAD', path);
    expect(get.status).toBe(200);
    expect(get.body.length).toBeGreaterThan(0);
    expect(head.status).toBe(get.status);
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.body.length).toBe(0);
  });

  /** The headers GET and HEAD must agree on: all but those of the moment. */
  const comparable = ({ headers }: Answer) => {
    const { date, 'keep-alive': _keepAlive, connection, ...rest } = headers;
    return rest;
  };

  it.each([
    ['a stored value', {}, 200],
    ['a value If-None-Match names', { 'if-none-match': '*' }, 304],
    ['a value If-Match does not name', { 'if-match': '"other"' }, 412],
  ])('HEAD of %s answers as GET: status, ETag, Kask-TTL and Content-Length, with no body', async (_case, headers, status) => {
    const key = `/sessions/v1/head-${status}`;
    expect((await send('POST', key, { 'cache-control': 'max-age=600' }, 'a value of 21 bytes..')).status).toBe(201);
    const get = await send('GET', key, headers);
    const head = await send('HEAD', key, headers);
    expect(get.status).toBe(status);
    expect(head.status).toBe(status);
    expect(comparable(head)).toEqual(comparable(get));
    if (status !== 412) expect(Number(head.headers['kask-ttl'])).toBe(600);
    if (status === 200) expect(head.headers['content-length']).toBe('21');
    expect(head.body.length).toBe(0);
  });

  it('HEAD of an absent key answers 404 with the problem headers GET has, and no body', async () => {
    const get = await send('GET', '/sessions/v1/head-absent');
    const head = await send('HEAD', '/sessions/v1/head-absent');
    expect(head.status).toBe(404);
    expect(comparable(head)).toEqual(comparable(get));
    expect(head.body.length).toBe(0);
  });
});
