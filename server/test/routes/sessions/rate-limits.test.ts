import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { configFrom } from '../../../src/config/load.js';
import { problems } from '../../../src/generated/contract.js';
import { FakeStorage } from '../../support/fake-storage.js';
import { loggedAppsClosedAfterEach } from '../../support/logged-app.js';

const secretKey = 'enwiki:MWSession:s3cr3t-session-id';

const apps = loggedAppsClosedAfterEach();

/** The app over a fake store per namespace (sessions, anon), the two namespaces' `limits` given, clients listed behind a trusted proxy. */
function appWith(limits: { sessions?: object; anon?: object }, file: Record<string, unknown> = {}) {
  const stores = { sessions: new FakeStorage(), anon: new FakeStorage() };
  const config = configFrom({
    trusted_proxy: ['127.0.0.1'],
    clients: {
      mediawiki: { sessions: ['read', 'write', 'delete'], anon: ['read', 'write', 'delete'] },
      scraper: { anon: ['write'] },
    },
    namespaces: {
      sessions: { base_uri: '/sessions/v1/', ...(limits.sessions === undefined ? {} : { limits: limits.sessions }) },
      anon: { base_uri: '/anon/v1/', ...(limits.anon === undefined ? {} : { limits: limits.anon }) },
    },
    ...file,
  });
  const app = apps.build(config, new Map(Object.entries(stores)));
  const as = (client: string | undefined, method: string, url: string, payload?: string | Readable, headers = {}) =>
    app.fastify.inject({
      method: method as 'GET',
      url,
      ...(payload === undefined ? {} : { payload }),
      headers: { ...headers, ...(client === undefined ? {} : { 'x-forwarded-client-cert': `Subject="CN=${client}"` }) },
    });
  return { stores, as, app };
}

const keyIn = (namespace: string, key = secretKey) => `/${namespace}/v1/${encodeURIComponent(key)}`;

describe('the rate limit hook', () => {
  it("a write over its namespace's limit answers 429 too_many_requests with Retry-After, and stores nothing", async () => {
    const { stores, as } = appWith({ anon: { writes: { per_second: 1, burst: 2 } } });
    const statuses = [];
    for (const value of ['one', 'two', 'three'])
      statuses.push((await as('mediawiki', 'POST', keyIn('anon', value), value)).statusCode);
    expect(statuses).toEqual([201, 201, 429]);
    expect([...stores.anon.values.keys()]).toEqual(['one', 'two']);
    const refused = await as('mediawiki', 'POST', keyIn('anon', 'four'), 'four');
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toEqual({
      type: problems.too_many_requests.type,
      title: problems.too_many_requests.title,
      detail: 'The namespace admits no more writes for now',
      instance: '/anon/v1/four',
    });
  });

  it('a refused request is answered before its body is read: one whose body never comes gets its 429 all the same', async () => {
    const { as } = appWith({ anon: { writes: { per_second: 1, burst: 1 } } });
    expect((await as('mediawiki', 'POST', keyIn('anon', 'first'), 'v')).statusCode).toBe(201);
    const neverEnding = new Readable({ read() {} });
    const refused = await as('mediawiki', 'POST', keyIn('anon', 'second'), neverEnding, { 'content-length': '100' });
    expect(refused.statusCode).toBe(429);
  }, 5000);

  it("writes flooding one namespace leave another namespace's reads and writes admitted", async () => {
    const { as } = appWith({ anon: { writes: { per_second: 1, burst: 1 } } });
    for (let i = 0; i < 20; i++) await as('scraper', 'POST', keyIn('anon', `flood-${i}`), 'v');
    expect((await as('mediawiki', 'POST', keyIn('sessions'), 'v')).statusCode).toBe(201);
    expect((await as('mediawiki', 'GET', keyIn('sessions'))).statusCode).toBe(200);
    // And in the flooded namespace, reads have a bucket of their own (none here).
    expect((await as('mediawiki', 'GET', keyIn('anon', 'flood-0'))).statusCode).toBe(200);
  });

  it('DELETE is never limited: logouts go on while writes flood the namespace', async () => {
    const { as } = appWith({ anon: { writes: { per_second: 1, burst: 1 }, key_writes_per_second: 1 } });
    expect((await as('mediawiki', 'POST', keyIn('anon', 'flooded'), 'v')).statusCode).toBe(201);
    expect((await as('mediawiki', 'POST', keyIn('anon', 'flooded'), 'v')).statusCode).toBe(429);
    for (let i = 0; i < 5; i++) expect((await as('mediawiki', 'DELETE', keyIn('anon', 'flooded'))).statusCode).toBe(204);
  });

  it('reads over the read limit get 429 on GET and on HEAD, which has no body', async () => {
    const { as } = appWith({ sessions: { reads: { per_second: 1, burst: 1 } } });
    expect((await as('mediawiki', 'GET', keyIn('sessions'))).statusCode).toBe(404);
    const head = await as('mediawiki', 'HEAD', keyIn('sessions'));
    expect([head.statusCode, head.headers['retry-after'], head.body]).toEqual([429, '1', '']);
    expect((await as('mediawiki', 'GET', keyIn('sessions'))).statusCode).toBe(429);
    expect((await as('mediawiki', 'POST', keyIn('sessions'), 'v')).statusCode).toBe(201);
  });

  it("a client's own bucket refuses that client with client_writes, and no other", async () => {
    const { as } = appWith({ anon: { clients: { scraper: { writes: { per_second: 1, burst: 2 } } } } });
    const scraped = [];
    for (let i = 0; i < 4; i++) scraped.push((await as('scraper', 'POST', keyIn('anon', `s-${i}`), 'v')).statusCode);
    expect(scraped).toEqual([201, 201, 429, 429]);
    expect((await as('scraper', 'POST', keyIn('anon', 's-5'), 'v')).json().detail).toBe(
      'This client is admitted no more writes in the namespace for now',
    );
    for (let i = 0; i < 4; i++) expect((await as('mediawiki', 'POST', keyIn('anon', `m-${i}`), 'v')).statusCode).toBe(201);
  });

  it('the access check comes first: a client it refuses gets its 401 or 403, and takes no token', async () => {
    const { as } = appWith({ anon: { writes: { per_second: 1, burst: 1 } } });
    for (let i = 0; i < 5; i++) {
      expect((await as(undefined, 'POST', keyIn('anon', `a-${i}`), 'v')).statusCode).toBe(401);
      expect((await as('stranger', 'POST', keyIn('anon', `a-${i}`), 'v')).statusCode).toBe(403);
    }
    expect((await as('mediawiki', 'POST', keyIn('anon'), 'v')).statusCode).toBe(201);
  });

  it('the per-key cap refuses a second write of a key within the second, without naming it; DELETE and other keys pass', async () => {
    const { stores, as } = appWith({ sessions: { key_writes_per_second: 1 } });
    expect((await as('mediawiki', 'POST', keyIn('sessions'), 'first')).statusCode).toBe(201);
    for (const method of ['POST', 'PUT', 'PATCH']) {
      const refused = await as('mediawiki', method, keyIn('sessions'), method === 'PATCH' ? undefined : 'again');
      expect(refused.statusCode, method).toBe(429);
      expect(refused.json().detail).toBe('The key is written more often than the namespace admits (1 a second)');
      expect(refused.json().detail).not.toContain('s3cr3t');
    }
    expect(stores.sessions.values.get(secretKey)?.value.toString()).toBe('first');
    expect((await as('mediawiki', 'POST', keyIn('sessions', 'another key'), 'v')).statusCode).toBe(201);
    expect((await as('mediawiki', 'GET', keyIn('sessions'))).statusCode).toBe(200);
    expect((await as('mediawiki', 'DELETE', keyIn('sessions'))).statusCode).toBe(204);
  });

  it('refusals are counted by namespace, client and limit, and logged once a minute each, never with the key', async () => {
    const { as, app } = appWith({
      anon: { writes: { per_second: 1, burst: 1 }, clients: { scraper: { writes: { per_second: 1, burst: 1 } } } },
    });
    await as('mediawiki', 'POST', keyIn('anon', 'm-0'), 'v');
    for (let i = 0; i < 3; i++) await as('mediawiki', 'POST', keyIn('anon', `m-${i}`), 'v');
    for (let i = 0; i < 2; i++) await as('scraper', 'POST', keyIn('anon', `s-${i}`), 'v');
    const metrics = (await app.metrics.registry.metrics()).split('\n');
    expect(metrics).toContain('kask_rate_limited_total{client="mediawiki",namespace="anon",limit="namespace_writes"} 3');
    // The scraper's own bucket had its token; the namespace's had none left.
    expect(metrics).toContain('kask_rate_limited_total{client="scraper",namespace="anon",limit="namespace_writes"} 2');
    const lines = apps.logs
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((line) => line.msg === 'request over a rate limit');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'WARNING',
        client: 'mediawiki',
        namespace: 'anon',
        limit: 'namespace_writes',
        method: 'POST',
        retry_after: 1,
      }),
      expect.objectContaining({ client: 'scraper', namespace: 'anon', limit: 'namespace_writes' }),
    ]);
    expect(apps.logs).not.toContain('m-1');
    expect(apps.logs).not.toContain('s-1');
  });

  it('without clients, every request is from one anonymous client, counted as such', async () => {
    const { as, app } = appWith(
      { anon: { writes: { per_second: 1, burst: 1 } } },
      { clients: undefined, trusted_proxy: undefined },
    );
    expect((await as(undefined, 'POST', keyIn('anon', 'a'), 'v')).statusCode).toBe(201);
    expect((await as(undefined, 'POST', keyIn('anon', 'b'), 'v')).statusCode).toBe(429);
    const metrics = await app.metrics.registry.metrics();
    expect(metrics).toContain('kask_rate_limited_total{client="anonymous",namespace="anon",limit="namespace_writes"} 1');
  });

  it('a file without limits refuses nothing, as Kask: a hundred writes of one key in a row are stored', async () => {
    const { as } = appWith({});
    for (let i = 0; i < 100; i++) expect((await as('mediawiki', 'POST', keyIn('sessions'), `v${i}`)).statusCode).toBe(201);
  });
});
