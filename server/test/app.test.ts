import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { App } from '../src/app.js';
import { configFrom } from '../src/config/load.js';
import { problems, sessionPathTemplate } from '../src/generated/contract.js';
import { type Storage, StorageError } from '../src/storage/storage.js';
import { testBuild as build } from './support/build.js';
import { FakeStorage, inDefaultNamespace } from './support/fake-storage.js';
import { loggedAppsClosedAfterEach } from './support/logged-app.js';

const secretKey = 'enwiki:MWSession:s3cr3t-session-id';
const secretValue = 'JSON..{"data":{"wsToken":"s3cr3t-token"}}';

const apps = loggedAppsClosedAfterEach();

function appOver(storage: Storage, file: Record<string, unknown> = {}): App {
  return apps.build(configFrom({ base_uri: '/sessions/v1/', log_level: 'debug', ...file }), inDefaultNamespace(storage));
}

const path = `/sessions/v1/${encodeURIComponent(secretKey)}`;

describe('HTTP layer over a storage', () => {
  it('POST stores the raw body with the configured default_ttl', async () => {
    const storage = new FakeStorage();
    const { fastify } = appOver(storage, { default_ttl: 42 });
    const response = await fastify.inject({
      method: 'POST',
      url: path,
      payload: secretValue,
      headers: { 'content-type': 'text/plain' },
    });
    expect(response.statusCode).toBe(201);
    expect(storage.values.get(secretKey)).toMatchObject({ value: Buffer.from(secretValue), ttl: 42 });
  });

  it('GET answers the whole seconds a value has left in Kask-TTL, and none for a value that never expires', async () => {
    const { fastify } = appOver(new FakeStorage(), { default_ttl: 0, max_ttl: 0 });
    const write = (cacheControl: Record<string, string>) =>
      fastify.inject({ method: 'POST', url: path, payload: secretValue, headers: cacheControl });
    expect((await write({ 'cache-control': 'max-age=120' })).statusCode).toBe(201);
    expect((await fastify.inject({ method: 'GET', url: path })).headers['kask-ttl']).toBe('120');
    expect((await write({})).statusCode).toBe(201);
    const forever = await fastify.inject({ method: 'GET', url: path });
    expect(forever.statusCode).toBe(200);
    expect(forever.headers).not.toHaveProperty('kask-ttl');
  });

  it.each([
    ['unavailable', 503, 'service_unavailable'],
    ['fault', 500, 'server_error'],
  ] as const)('a storage error of kind %s answers %i %s', async (kind, status, name) => {
    const storage = new FakeStorage();
    storage.failure = new StorageError(kind, 'backend said no', { cause: new Error('driver detail') });
    const { fastify } = appOver(storage);
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      const response = await fastify.inject({ method, url: path, payload: method === 'POST' ? secretValue : undefined });
      expect(response.statusCode, method).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ type: problems[name].type, instance: `/sessions/v1/${secretKey}` });
      if (status === 503) expect(response.headers['retry-after']).toBe('1');
      else expect(response.headers['retry-after']).toBeUndefined();
    }
  });

  it('an unexpected error from a backend answers 500, not a crash', async () => {
    const storage = new FakeStorage();
    storage.failure = new TypeError('bug');
    const { fastify } = appOver(storage);
    const response = await fastify.inject({ method: 'GET', url: path });
    expect(response.statusCode).toBe(500);
    expect(response.json().type).toBe(problems.server_error.type);
  });

  it('storage failures are logged with the error class and kind, never the key or value', async () => {
    const storage = new FakeStorage();
    storage.failure = new StorageError('unavailable', 'backend said no', { cause: new RangeError('driver detail') });
    const { fastify } = appOver(storage);
    await fastify.inject({ method: 'POST', url: path, payload: secretValue, headers: { 'x-request-id': 'req-123' } });
    const line = JSON.parse(apps.logs.trim().split('\n').at(-1) as string);
    expect(line).toMatchObject({
      level: 'WARNING',
      msg: 'storage unavailable',
      appname: 'kask',
      request_id: 'req-123',
      kind: 'unavailable',
      error_class: 'RangeError',
    });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    expect(apps.logs).not.toContain('s3cr3t');
  });

  it('no request writes a key or value to the log, whatever its outcome', async () => {
    const storage = new FakeStorage();
    const { fastify } = appOver(storage);
    const requests = [
      { method: 'POST', url: path, payload: secretValue },
      { method: 'GET', url: path },
      { method: 'GET', url: `${path}?token=s3cr3t` },
      { method: 'PUT', url: path, payload: secretValue },
      { method: 'POST', url: path, payload: '' },
      { method: 'GET', url: `/sessions/v1/s3cr3t%ZZ` },
      { method: 'GET', url: `/elsewhere/s3cr3t` },
      { method: 'DELETE', url: path },
    ] as const;
    for (const request of requests) await fastify.inject(request);
    storage.failure = new Error('s3cr3t in a message');
    await fastify.inject({ method: 'GET', url: path });
    expect(apps.logs.length).toBeGreaterThan(0);
    expect(apps.logs.replace('s3cr3t in a message', '')).not.toContain('s3cr3t');
  });

  it('a request without X-Request-ID, or with one too long to be an id, is logged with a generated request_id', async () => {
    const storage = new FakeStorage();
    storage.failure = new StorageError('fault', 'broken');
    const { fastify } = appOver(storage);
    await fastify.inject({ method: 'GET', url: path });
    await fastify.inject({ method: 'GET', url: path, headers: { 'x-request-id': 'x'.repeat(129) } });
    const ids = apps.logs
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).request_id);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
  });

  it('counts session requests by namespace, code and method in http_requests_total', async () => {
    const { fastify } = appOver(new FakeStorage());
    await fastify.inject({ method: 'POST', url: path, payload: 'v' });
    await fastify.inject({ method: 'GET', url: path });
    await fastify.inject({ method: 'GET', url: '/sessions/v1/absent' });
    const metrics = (await fastify.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('http_requests_total{namespace="default",code="201",method="POST"} 1');
    expect(metrics).toContain('http_requests_total{namespace="default",code="200",method="GET"} 1');
    expect(metrics).toContain('http_requests_total{namespace="default",code="404",method="GET"} 1');
    expect(metrics).toMatch(/http_request_duration_seconds_bucket\{le="30",namespace="default",code="200",method="GET"\} 1/);
    expect(metrics).toMatch(
      /kask_storage_operation_duration_seconds_count\{namespace="default",backend="embedded",operation="get"\} 2/,
    );
    expect(metrics).toMatch(
      /^kask_build_info\{version="1\.2\.3",.*git_commit="0123456789abcdef0123456789abcdef01234567".*\} 1$/m,
    );
    expect(metrics).not.toContain('MWSession');
  });

  it('counts storage failures by namespace, backend, operation and kind', async () => {
    const storage = new FakeStorage();
    storage.failure = new StorageError('unavailable', 'down');
    const { fastify } = appOver(storage);
    await fastify.inject({ method: 'DELETE', url: path });
    const metrics = (await fastify.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(
      'kask_storage_errors_total{namespace="default",backend="embedded",operation="delete",kind="unavailable"} 1',
    );
    expect(metrics).toContain('http_requests_total{namespace="default",code="503",method="DELETE"} 1');
  });

  it('/readyz answers 200 while the storage answers and 503 with a problem saying why when it does not', async () => {
    const storage = new FakeStorage();
    const { fastify } = appOver(storage);
    expect((await fastify.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'ready',
      namespaces: { default: true },
    });
    storage.failure = new StorageError('unavailable', 'down: driver words', { reason: 'the cluster is on fire' });
    const down = await fastify.inject({ method: 'GET', url: '/readyz' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({
      type: problems.service_unavailable.type,
      detail: 'The storage of namespace default is unavailable: the cluster is on fire; retry later',
    });
  });

  it.each(['/readyz', '/metrics', '/openapi'])(
    '%s answers any method but GET and HEAD with 405 and Allow: GET, HEAD',
    async (url) => {
      const { fastify } = appOver(new FakeStorage());
      for (const method of ['POST', 'DELETE', 'TRACE', 'QUERY'] as const) {
        const response = await fastify.inject({ method, url });
        expect(response.statusCode, method).toBe(405);
        expect(response.headers.allow).toBe('GET, HEAD');
        expect(response.json()).toMatchObject({ type: problems.method_not_allowed.type, instance: url });
      }
    },
  );

  it('/healthz answers 200 with build fields and the storage state, even when storage is down, for any method', async () => {
    const storage = new FakeStorage();
    storage.failure = new StorageError('unavailable', 'down');
    const { fastify } = appOver(storage);
    for (const method of ['GET', 'POST'] as const) {
      const response = await fastify.inject({ method, url: '/healthz' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        ...build,
        storage: { backend: 'embedded', available: false, namespaces: { default: false } },
      });
    }
  });

  it('/openapi serves our document, unchanged but for the session route under the configured base_uri', async () => {
    const { fastify } = appOver(new FakeStorage(), { base_uri: '/echoseen/v1/' });
    const response = await fastify.inject({ method: 'GET', url: '/openapi' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/x-yaml/);
    const document = parse(readFileSync(new URL('../../openapi/openapi.yaml', import.meta.url), 'utf8'));
    const { [sessionPathTemplate]: sessionRoute, ...otherPaths } = document.paths;
    expect(sessionRoute).toBeDefined();
    expect(parse(response.body)).toEqual({ ...document, paths: { ...otherPaths, '/echoseen/v1/{key}': sessionRoute } });
  });

  it('a route under another base_uri serves sessions there and 404s the default one', async () => {
    const storage = new FakeStorage();
    const { fastify } = appOver(storage, { base_uri: '/echoseen/v1/' });
    expect((await fastify.inject({ method: 'POST', url: '/echoseen/v1/k', payload: 'v' })).statusCode).toBe(201);
    expect((await fastify.inject({ method: 'GET', url: '/sessions/v1/k' })).statusCode).toBe(404);
  });

  it.each([
    'application/octet-stream, application/octet-stream',
    'application/json,application/json',
    'application/json; charset=utf-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'text/plain; charset',
    ';;;',
    '"',
    'a/b/c',
    '',
  ])('Content-Type %j is never parsed: POST and PUT store the raw bytes, GET, PATCH and DELETE ignore it', async (type) => {
    const storage = new FakeStorage();
    const { fastify } = appOver(storage);
    const headers = { 'content-type': type };
    const body = '{"not": "parsed"}&a=b';
    const post = await fastify.inject({ method: 'POST', url: path, headers, payload: body });
    expect(post.statusCode, 'POST').toBe(201);
    expect(storage.values.get(secretKey)?.value.toString()).toBe(body);
    const get = await fastify.inject({ method: 'GET', url: path, headers });
    expect([get.statusCode, get.body]).toEqual([200, body]);
    const patch = await fastify.inject({ method: 'PATCH', url: path, headers: { ...headers, 'cache-control': 'max-age=60' } });
    expect(patch.statusCode, 'PATCH').toBe(204);
    const del = await fastify.inject({ method: 'DELETE', url: path, headers: { ...headers, 'content-length': '0' } });
    expect(del.statusCode, 'DELETE').toBe(204);
    expect(storage.values.has(secretKey)).toBe(false);
    const put = await fastify.inject({ method: 'PUT', url: path, headers, payload: body });
    expect(put.statusCode, 'PUT').toBe(201);
    expect(storage.values.get(secretKey)?.value.toString()).toBe(body);
    const deleteWithBody = await fastify.inject({ method: 'DELETE', url: path, headers, payload: 'ignored' });
    expect(deleteWithBody.statusCode, 'DELETE with a body').toBe(204);
    expect(storage.values.has(secretKey)).toBe(false);
  });

  it('a POST without Content-Type stores the raw bytes, whole or chunked', async () => {
    const storage = new FakeStorage();
    const { fastify } = appOver(storage);
    expect((await fastify.inject({ method: 'POST', url: path, payload: 'whole' })).statusCode).toBe(201);
    expect(storage.values.get(secretKey)?.value.toString()).toBe('whole');
    const chunked = await fastify.inject({
      method: 'POST',
      url: path,
      headers: { 'transfer-encoding': 'chunked' },
      payload: 'chunked',
    });
    expect(chunked.statusCode).toBe(201);
    expect(storage.values.get(secretKey)?.value.toString()).toBe('chunked');
  });

  it('max_key_bytes and max_value_bytes from the configuration are enforced', async () => {
    const { fastify } = appOver(new FakeStorage(), { max_key_bytes: 4, max_value_bytes: 8 });
    expect((await fastify.inject({ method: 'POST', url: '/sessions/v1/abcd', payload: '12345678' })).statusCode).toBe(201);
    expect((await fastify.inject({ method: 'POST', url: '/sessions/v1/abcde', payload: '1' })).statusCode).toBe(400);
    const tooLarge = await fastify.inject({ method: 'POST', url: '/sessions/v1/abcd', payload: '123456789' });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().detail).toBe('The value is larger than 8 bytes');
  });
});
