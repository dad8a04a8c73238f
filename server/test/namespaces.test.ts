import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../src/app.js';
import { configFrom } from '../src/config/load.js';
import { problems } from '../src/generated/contract.js';
import { prepareService } from '../src/start-up.js';
import { openEmbeddedStorage } from '../src/storage/lmdb/lmdb.js';
import { closeStores, openStorage } from '../src/storage/open.js';
import { StorageError } from '../src/storage/storage.js';
import { testBuild as build } from './support/build.js';
import { FakeStorage } from './support/fake-storage.js';

// Two namespaces with different TTLs and limits, as Wikimedia would split sessions and Echo's seen-times.
const twoNamespaces = {
  max_value_bytes: 64,
  namespaces: {
    sessions: { base_uri: '/sessions/v1/', default_ttl: 3600, max_key_bytes: 16 },
    echoseen: { base_uri: '/echoseen/v1/', default_ttl: 31536000, max_ttl: 31536000, max_value_bytes: 8 },
  },
};

let app: App | undefined;
afterEach(async () => {
  await app?.fastify.close();
  app = undefined;
});

function appOverFakes(file: Record<string, unknown> = twoNamespaces) {
  const stores = { sessions: new FakeStorage(), echoseen: new FakeStorage() };
  app = buildApp({
    ...prepareService(configFrom(file)),
    storage: new Map(Object.entries(stores)),
    build,
    logger: pino({ level: 'silent' }),
    clustered: false,
  });
  return { fastify: app.fastify, stores };
}

describe('namespaces over the HTTP layer', () => {
  it("each namespace's route writes to its own store with its own default_ttl, and clamps to its own max_ttl", async () => {
    const { fastify, stores } = appOverFakes();
    expect((await fastify.inject({ method: 'POST', url: '/sessions/v1/k', payload: 'a' })).statusCode).toBe(201);
    expect((await fastify.inject({ method: 'POST', url: '/echoseen/v1/k', payload: 'b' })).statusCode).toBe(201);
    expect(stores.sessions.values.get('k')).toMatchObject({ value: Buffer.from('a'), ttl: 3600 });
    expect(stores.echoseen.values.get('k')).toMatchObject({ value: Buffer.from('b'), ttl: 31536000 });
    const longer = { 'cache-control': 'max-age=99999999' };
    await fastify.inject({ method: 'POST', url: '/sessions/v1/long', payload: 'a', headers: longer });
    await fastify.inject({ method: 'POST', url: '/echoseen/v1/long', payload: 'b', headers: longer });
    expect(stores.sessions.values.get('long')?.ttl).toBe(3600);
    expect(stores.echoseen.values.get('long')?.ttl).toBe(31536000);
  });

  it("each namespace refuses keys and values over its own limits, and says which limit in the 413's detail", async () => {
    const { fastify } = appOverFakes();
    const longKey = 'k'.repeat(17);
    expect((await fastify.inject({ method: 'GET', url: `/sessions/v1/${longKey}` })).statusCode).toBe(400);
    expect((await fastify.inject({ method: 'GET', url: `/echoseen/v1/${longKey}` })).statusCode).toBe(404);
    const nineBytes = '123456789';
    expect((await fastify.inject({ method: 'POST', url: '/sessions/v1/k', payload: nineBytes })).statusCode).toBe(201);
    const refused = await fastify.inject({ method: 'POST', url: '/echoseen/v1/k', payload: nineBytes });
    expect(refused.statusCode).toBe(413);
    expect(refused.json()).toMatchObject({ type: problems.payload_too_large.type, detail: 'The value is larger than 8 bytes' });
    const sessionsTooLarge = await fastify.inject({ method: 'POST', url: '/sessions/v1/k', payload: 'v'.repeat(65) });
    expect(sessionsTooLarge.json()).toMatchObject({ detail: 'The value is larger than 64 bytes' });
  });

  it('a path under no namespace is not found, and the paths of the default base_uri are no route', async () => {
    const { fastify } = appOverFakes();
    expect((await fastify.inject({ method: 'GET', url: '/v1/k' })).statusCode).toBe(404);
    expect((await fastify.inject({ method: 'GET', url: '/anon-sessions/v1/k' })).statusCode).toBe(404);
  });

  it('every session route carries its namespace in its route config, for the hooks of the app', async () => {
    const { fastify } = appOverFakes();
    const seen: (string | undefined)[] = [];
    fastify.addHook('onRequest', async (request) => {
      seen.push(request.routeOptions.config.namespace);
    });
    await fastify.inject({ method: 'GET', url: '/sessions/v1/k' });
    await fastify.inject({ method: 'OPTIONS', url: '/echoseen/v1/k' });
    await fastify.inject({ method: 'GET', url: '/healthz' });
    expect(seen).toEqual(['sessions', 'echoseen', undefined]);
  });

  it('request and storage metrics are labelled by namespace', async () => {
    const { fastify, stores } = appOverFakes();
    stores.echoseen.failure = new StorageError('unavailable', 'down');
    await fastify.inject({ method: 'POST', url: '/sessions/v1/k', payload: 'v' });
    await fastify.inject({ method: 'GET', url: '/echoseen/v1/k' });
    const metrics = (await fastify.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('http_requests_total{namespace="sessions",code="201",method="POST"} 1');
    expect(metrics).toContain('http_requests_total{namespace="echoseen",code="503",method="GET"} 1');
    expect(metrics).toMatch(
      /kask_storage_operation_duration_seconds_count\{namespace="sessions",backend="embedded",operation="set"\} 1/,
    );
    expect(metrics).toContain(
      'kask_storage_errors_total{namespace="echoseen",backend="embedded",operation="get",kind="unavailable"} 1',
    );
    expect(metrics).not.toMatch(/namespace="default"/);
  });

  it('/healthz and /readyz report each namespace; /readyz answers 503 naming the namespaces whose storage is down, and why', async () => {
    const { fastify, stores } = appOverFakes();
    expect((await fastify.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'ready',
      namespaces: { sessions: true, echoseen: true },
    });
    stores.echoseen.failure = new StorageError('unavailable', 'down');
    const health = await fastify.inject({ method: 'GET', url: '/healthz' });
    expect(health.json().storage).toEqual({
      backend: 'embedded',
      available: false,
      namespaces: { sessions: true, echoseen: false },
    });
    const ready = await fastify.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().detail).toBe(
      'The storage of namespace echoseen is unavailable: the storage does not answer; retry later',
    );
    stores.sessions.failure = new StorageError('fault', 'broken', { reason: 'the disk is full' });
    expect((await fastify.inject({ method: 'GET', url: '/readyz' })).json().detail).toBe(
      'The storage of namespace sessions is unavailable: the disk is full; the storage of namespace echoseen is unavailable: the storage does not answer; retry later',
    );
  });

  it('/openapi describes the session route once, under the first namespace, and refers to it from the others', async () => {
    const { fastify } = appOverFakes();
    const document = (await fastify.inject({ method: 'GET', url: '/openapi' })).body;
    expect(document).toContain('\n  /echoseen/v1/{key}:\n    $ref: "#/paths/~1sessions~1v1~1%7Bkey%7D"\n  /sessions/v1/{key}:\n');
    expect(document.match(/\n {4}get:\n {6}operationId: getSession\n/g)).toHaveLength(1);
  });
});

describe('namespaces on the embedded store', () => {
  const directories: string[] = [];
  afterEach(() => {
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });
  function freshDirectory(): string {
    const directory = mkdtempSync(join(tmpdir(), 'kask-namespaces-'));
    directories.push(directory);
    return directory;
  }

  async function appOn(directory: string, file: Record<string, unknown>): Promise<App> {
    const config = configFrom({ ...file, embedded: { path: directory } });
    const storage = await openStorage(config, { maintain: false, log: pino({ level: 'silent' }) });
    app = buildApp({ ...prepareService(config), storage, build, logger: pino({ level: 'silent' }), clustered: false });
    app.fastify.addHook('onClose', () => closeStores(storage));
    return app;
  }

  it('a key in one namespace is never visible in the other, whatever the method', async () => {
    const { fastify } = await appOn(freshDirectory(), twoNamespaces);
    await fastify.inject({ method: 'POST', url: '/sessions/v1/shared', payload: 'session' });
    expect((await fastify.inject({ method: 'GET', url: '/echoseen/v1/shared' })).statusCode).toBe(404);
    expect(
      (await fastify.inject({ method: 'PATCH', url: '/echoseen/v1/shared', headers: { 'cache-control': 'max-age=5' } }))
        .statusCode,
    ).toBe(404);
    expect((await fastify.inject({ method: 'PUT', url: '/echoseen/v1/shared', payload: 'seen' })).statusCode).toBe(201);
    expect((await fastify.inject({ method: 'DELETE', url: '/echoseen/v1/shared' })).statusCode).toBe(204);
    const read = await fastify.inject({ method: 'GET', url: '/sessions/v1/shared' });
    expect(read.statusCode).toBe(200);
    expect(read.body).toBe('session');
  });

  it("a file without namespaces serves the sessions an earlier build stored in the LMDB file's main database", async () => {
    const directory = freshDirectory();
    const earlier = openEmbeddedStorage({ path: directory, purgeIntervalMs: undefined });
    await earlier.set('my_wiki:MWSession:abc', Buffer.from('kept'), 3600);
    await earlier.close();
    const { fastify } = await appOn(directory, { base_uri: '/sessions/v1/' });
    const read = await fastify.inject({ method: 'GET', url: '/sessions/v1/my_wiki%3AMWSession%3Aabc' });
    expect(read.statusCode).toBe(200);
    expect(read.body).toBe('kept');
  });

  it('values survive a restart in their own namespace', async () => {
    const directory = freshDirectory();
    const first = await appOn(directory, twoNamespaces);
    expect((await first.fastify.inject({ method: 'POST', url: '/echoseen/v1/seen', payload: '1700000' })).statusCode).toBe(201);
    await first.fastify.close();
    const { fastify } = await appOn(directory, twoNamespaces);
    expect((await fastify.inject({ method: 'GET', url: '/echoseen/v1/seen' })).body).toBe('1700000');
    expect((await fastify.inject({ method: 'GET', url: '/sessions/v1/seen' })).statusCode).toBe(404);
  });
});
