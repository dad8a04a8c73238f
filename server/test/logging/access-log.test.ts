import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.js';
import { configFrom } from '../../src/config/load.js';
import { loggerOptions } from '../../src/logging/logging.js';
import { prepareService } from '../../src/start-up.js';
import { testBuild as build } from '../support/build.js';
import { FakeStorage, inDefaultNamespace } from '../support/fake-storage.js';

const key = 'enwiki:MWSession:s3cr3t-session-id';
const value = 'JSON..{"data":{"wsToken":"s3cr3t-token"}}';

let app: App | undefined;
let logs = '';
afterEach(async () => {
  await app?.fastify.close();
  app = undefined;
  logs = '';
});

/** The app over a fake store with `file`'s keys, its log lines collected in `logs`. */
function appWith(file: Record<string, unknown>): App {
  const config = configFrom({ base_uri: '/sessions/v1/', ...file });
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs += chunk.toString();
      done();
    },
  });
  app = buildApp({
    ...prepareService(config),
    storage: inDefaultNamespace(new FakeStorage()),
    build,
    logger: pino(loggerOptions(config), stream),
    clustered: false,
  });
  return app;
}

function accessLines(): Record<string, unknown>[] {
  return logs
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === 'request');
}

describe('the access log (access_log)', () => {
  it('is off by default: no line is written, and no route has a hook for it', async () => {
    const { fastify } = appWith({});
    await fastify.inject({ method: 'POST', url: `/sessions/v1/${encodeURIComponent(key)}`, payload: value });
    await fastify.inject({ method: 'GET', url: '/healthz' });
    expect(accessLines()).toEqual([]);
    expect(fastify.printRoutes({ includeHooks: true })).not.toContain('logAccess');
  });

  it('writes one line per request answered: method, route, namespace, status, duration, sizes and request id, at INFO even under log_level: error', async () => {
    const { fastify } = appWith({ access_log: true, log_level: 'error' });
    const url = `/sessions/v1/${encodeURIComponent(key)}`;
    await fastify.inject({ method: 'POST', url, payload: value, headers: { 'x-request-id': 'req-1' } });
    await fastify.inject({ method: 'GET', url, headers: { 'x-request-id': 'req-2' } });
    await fastify.inject({ method: 'HEAD', url, headers: { 'x-request-id': 'req-3' } });
    await fastify.inject({ method: 'GET', url: '/readyz', headers: { 'x-request-id': 'req-4' } });
    const lines = accessLines();
    expect(lines).toHaveLength(4);
    const session = { route: '/sessions/v1/*', namespace: 'default', level: 'INFO', appname: 'kask' };
    expect(lines[0]).toMatchObject({ ...session, request_id: 'req-1', method: 'POST', status: 201, request_bytes: value.length });
    expect(lines[1]).toMatchObject({ ...session, request_id: 'req-2', method: 'GET', status: 200, response_bytes: value.length });
    expect(lines[2]).toMatchObject({ ...session, request_id: 'req-3', method: 'HEAD', status: 200, response_bytes: 0 });
    expect(lines[3]).toMatchObject({ request_id: 'req-4', method: 'GET', route: '/readyz', status: 200 });
    expect(lines[3]?.namespace).toBeUndefined();
    for (const line of lines) expect(line.duration_ms).toEqual(expect.any(Number));
    expect(fastify.printRoutes({ includeHooks: true })).toContain('"logAccess()"');
  });

  it('names the client the access check found: the listed identity, or anonymous', async () => {
    const { fastify } = appWith({
      access_log: true,
      trusted_proxy: ['127.0.0.1'],
      clients: { writer: { default: ['read', 'write'] } },
    });
    const url = `/sessions/v1/${encodeURIComponent(key)}`;
    const from = (xfcc?: string) => ({
      remoteAddress: '127.0.0.1',
      headers: xfcc === undefined ? {} : { 'x-forwarded-client-cert': xfcc },
    });
    await fastify.inject({ method: 'POST', url, payload: value, ...from('Subject="CN=writer"') });
    await fastify.inject({ method: 'GET', url, ...from() });
    expect(accessLines().map((line) => [line.status, line.client])).toEqual([
      [201, 'writer'],
      [401, 'anonymous'],
    ]);
  });

  it('holds no key and no value, whatever the request', async () => {
    const { fastify } = appWith({ access_log: true, max_value_bytes: 64 });
    const encoded = encodeURIComponent(key);
    const requests = [
      { method: 'POST', url: `/sessions/v1/${encoded}`, payload: value },
      { method: 'PUT', url: `/sessions/v1/${encoded}`, payload: value },
      { method: 'GET', url: `/sessions/v1/${encoded}` },
      { method: 'PATCH', url: `/sessions/v1/${encoded}`, headers: { 'cache-control': 'max-age=60' } },
      { method: 'POST', url: `/sessions/v1/${encoded}`, payload: value, headers: { 'if-match': '"nope"' } },
      { method: 'GET', url: `/sessions/v1/${encoded}?${encoded}=1` },
      { method: 'OPTIONS', url: `/sessions/v1/${encoded}` },
      { method: 'POST', url: `/sessions/v1/${encoded}`, payload: `${value}${'x'.repeat(64)}` },
      { method: 'GET', url: `/sessions/v1/${encoded}/${encoded}` },
      { method: 'GET', url: `/elsewhere/${encoded}` },
      { method: 'GET', url: `/sessions/v1/${encoded}%ZZ` },
      { method: 'DELETE', url: `/sessions/v1/${encoded}` },
    ] as const;
    for (const request of requests) await fastify.inject(request);
    expect(accessLines()).toHaveLength(requests.length);
    for (const secret of ['s3cr3t', encoded, 'MWSession']) expect(logs).not.toContain(secret);
  });
});
