import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../src/app.js';
import { configFrom } from '../src/config/load.js';
import { problems } from '../src/generated/contract.js';
import { prepareService } from '../src/start-up.js';
import { untilWarm } from '../src/warm-up.js';
import { testBuild as build } from './support/build.js';
import { FakeStorage, inDefaultNamespace } from './support/fake-storage.js';

/** A FakeStorage that counts its reads and writes, and whose warm() resolves when the test says. */
class CountingStorage extends FakeStorage {
  reads = 0;
  writes = 0;
  warmCalls = 0;
  finishWarming: () => void = () => {};
  readonly #warmed = new Promise<void>((resolve) => {
    this.finishWarming = resolve;
  });
  override async get(key: string) {
    this.reads++;
    return super.get(key);
  }
  override async set(key: string, value: Buffer, ttl: number) {
    this.writes++;
    return super.set(key, value, ttl);
  }
  async warm() {
    this.warmCalls++;
    await this.#warmed;
  }
}

let app: App | undefined;
afterEach(async () => {
  await app?.fastify.close();
  app = undefined;
});

describe('warming up before ready', () => {
  it('answers /readyz 503 (warming up) until the store is warm and the session route has run, then 200, writing nothing', async () => {
    const storage = new CountingStorage();
    storage.values.set('someone', { value: Buffer.from('v'), ttl: 0, expiresAt: undefined });
    const warming = untilWarm(inDefaultNamespace(storage));
    const config = configFrom({ base_uri: '/sessions/v1/' });
    app = buildApp({
      ...prepareService(config),
      storage: warming.stores,
      build,
      logger: pino({ level: 'silent' }),
      clustered: false,
    });
    const { fastify } = app;
    const warmedUp = warming.warmUp(fastify, ['/sessions/v1/']);

    const early = await fastify.inject({ method: 'GET', url: '/readyz' });
    expect(early.statusCode).toBe(503);
    expect(early.json()).toMatchObject({
      type: problems.service_unavailable.type,
      detail: expect.stringContaining('warming up'),
    });
    // Sessions are served meanwhile: readiness only tells a balancer when to send traffic.
    expect((await fastify.inject({ method: 'GET', url: '/sessions/v1/someone' })).statusCode).toBe(200);
    expect(storage.warmCalls).toBe(1);

    storage.finishWarming();
    await warmedUp;
    expect(storage.reads).toBeGreaterThanOrEqual(300);
    expect(storage.writes).toBe(0);
    expect([...storage.values.keys()]).toEqual(['someone']);
    expect((await fastify.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    // The metrics count clients' requests: the one GET above, none of the warm-up's.
    const metrics = (await fastify.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('http_requests_total{namespace="default",code="200",method="GET"} 1');
    expect(metrics).not.toContain('code="404"');
  });
});

describe('warming up under rate limits', () => {
  it("spends no client's tokens: a client's first read after the warm-up is served", async () => {
    const storage = new CountingStorage();
    storage.finishWarming();
    const warming = untilWarm(inDefaultNamespace(storage));
    const config = configFrom({ base_uri: '/sessions/v1/', limits: { reads: { per_second: 1, burst: 5 } } });
    app = buildApp({
      ...prepareService(config),
      storage: warming.stores,
      build,
      logger: pino({ level: 'silent' }),
      clustered: false,
    });
    await warming.warmUp(app.fastify, ['/sessions/v1/']);
    expect(storage.reads).toBeGreaterThanOrEqual(300);
    expect((await app.fastify.inject({ method: 'GET', url: '/sessions/v1/someone' })).statusCode).toBe(404);
  });
});
