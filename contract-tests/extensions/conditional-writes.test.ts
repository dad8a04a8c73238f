import { describe, expect, it } from 'vitest';
import { kaskError, keyPath, newKey, problemOf, send } from '../harness/http.js';

describe('PUT: create only', () => {
  it('PUT of an absent key answers 201 and stores the value', async () => {
    const key = newKey('put');
    expect((await send('PUT', keyPath(key), { body: 'created' })).status).toBe(201);
    expect((await send('GET', keyPath(key))).body.toString()).toBe('created');
  });

  it('PUT of a key with a live value answers 409 conflict and changes nothing', async () => {
    const key = newKey('put-taken');
    await send('POST', keyPath(key), { body: 'first' });
    const response = await send('PUT', keyPath(key), { body: 'second' });
    expect(response.status).toBe(409);
    expect(problemOf(response).type).toBe(kaskError('conflict'));
    expect((await send('GET', keyPath(key))).body.toString()).toBe('first');
  });

  it('of 20 concurrent PUTs to one key exactly one answers 201, and its value is the one stored', async () => {
    const key = newKey('put-race');
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => send('PUT', keyPath(key), { body: `writer ${i}` })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    expect((await send('GET', keyPath(key))).body.toString()).toBe(`writer ${statuses.indexOf(201)}`);
  });

  it('an empty PUT answers 400', async () => {
    expect((await send('PUT', keyPath(newKey('put-empty')), { body: '' })).status).toBe(400);
  });
});

describe('ETag and If-Match: compare-and-set', () => {
  it('GET answers a strong ETag that changes with the value', async () => {
    const key = newKey('etag');
    await send('POST', keyPath(key), { body: 'one' });
    const first = String((await send('GET', keyPath(key))).headers.etag);
    await send('POST', keyPath(key), { body: 'two' });
    const second = String((await send('GET', keyPath(key))).headers.etag);
    expect(first).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(second).not.toBe(first);
  });

  it('POST with the current ETag in If-Match replaces the value; with a stale one answers 412 and changes nothing', async () => {
    const key = newKey('cas');
    await send('POST', keyPath(key), { body: 'one' });
    const etag = String((await send('GET', keyPath(key))).headers.etag);
    expect((await send('POST', keyPath(key), { body: 'two', headers: { 'if-match': etag } })).status).toBe(201);
    const stale = await send('POST', keyPath(key), { body: 'three', headers: { 'if-match': etag } });
    expect(stale.status).toBe(412);
    expect(problemOf(stale).type).toBe(kaskError('precondition_failed'));
    expect((await send('GET', keyPath(key))).body.toString()).toBe('two');
  });

  it('POST with If-Match on an absent key answers 412 and stores nothing', async () => {
    const key = newKey('cas-absent');
    expect((await send('POST', keyPath(key), { body: 'x', headers: { 'if-match': '*' } })).status).toBe(412);
    expect((await send('GET', keyPath(key))).status).toBe(404);
  });

  it('50 concurrent increments through GET and If-Match retry loops count to 50', async () => {
    const key = newKey('counter');
    await send('POST', keyPath(key), { body: '0' });
    const increment = async () => {
      for (let attempt = 0; attempt < 500; attempt++) {
        const read = await send('GET', keyPath(key));
        const next = String(Number(read.body.toString()) + 1);
        const write = await send('POST', keyPath(key), { body: next, headers: { 'if-match': String(read.headers.etag) } });
        if (write.status === 201) return attempt;
        expect(write.status).toBe(412);
      }
      throw new Error('an increment never won its compare-and-set');
    };
    await Promise.all(Array.from({ length: 50 }, increment));
    expect((await send('GET', keyPath(key))).body.toString()).toBe('50');
  }, 120000);
});

describe('DELETE with If-Match: conditional delete', () => {
  it('DELETE with the current ETag removes the value; with a stale one answers 412 and changes nothing', async () => {
    const key = newKey('cad');
    await send('POST', keyPath(key), { body: 'one' });
    const stale = String((await send('GET', keyPath(key))).headers.etag);
    await send('POST', keyPath(key), { body: 'two' });
    const refused = await send('DELETE', keyPath(key), { headers: { 'if-match': stale } });
    expect(refused.status).toBe(412);
    expect(problemOf(refused).type).toBe(kaskError('precondition_failed'));
    expect((await send('GET', keyPath(key))).body.toString()).toBe('two');
    const current = String((await send('GET', keyPath(key))).headers.etag);
    expect((await send('DELETE', keyPath(key), { headers: { 'if-match': current } })).status).toBe(204);
    expect((await send('GET', keyPath(key))).status).toBe(404);
  });

  it('DELETE with If-Match: * removes any live value, and answers 412 for an absent key', async () => {
    const key = newKey('cad-any');
    expect((await send('DELETE', keyPath(key), { headers: { 'if-match': '*' } })).status).toBe(412);
    await send('POST', keyPath(key), { body: 'x' });
    expect((await send('DELETE', keyPath(key), { headers: { 'if-match': '*' } })).status).toBe(204);
    expect((await send('GET', keyPath(key))).status).toBe(404);
  });

  // MediaWiki's lock(): PUT until 201, the critical section, then release. A plain DELETE would do on one
  // machine; on Cassandra it is not ordered with the PUTs' lightweight transactions (see the document).
  it('a lock taken with PUT and released with DELETE If-Match admits one holder at a time: 8 holders x 5 rounds count to 40', async () => {
    const lock = newKey('lock');
    const counter = newKey('locked-counter');
    await send('POST', keyPath(counter), { body: '0' });
    let holders = 0;
    let overlaps = 0;
    const holder = async (id: number) => {
      for (let round = 0; round < 5; round++) {
        for (let attempt = 0; ; attempt++) {
          const taken = await send('PUT', keyPath(lock), { body: `holder ${id}` });
          if (taken.status === 201) break;
          expect(taken.status).toBe(409);
          if (attempt === 5000) throw new Error('the lock was never free');
        }
        if (++holders > 1) overlaps++;
        const current = Number((await send('GET', keyPath(counter))).body.toString());
        expect((await send('POST', keyPath(counter), { body: String(current + 1) })).status).toBe(201);
        holders--;
        expect((await send('DELETE', keyPath(lock), { headers: { 'if-match': '*' } })).status).toBe(204);
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, id) => holder(id)));
    expect(overlaps).toBe(0);
    expect((await send('GET', keyPath(counter))).body.toString()).toBe('40');
  }, 120000);
});

describe('Cache-Control: per-write TTL, and PATCH to change it', () => {
  it.each(['max-age=abc', 'max-age=0', 'max-age=-5', 'max-age=1, max-age=2', 'max-age='])(
    'POST with Cache-Control %s answers 400 and stores nothing',
    async (cacheControl) => {
      const key = newKey('bad-max-age');
      const response = await send('POST', keyPath(key), { body: 'x', headers: { 'cache-control': cacheControl } });
      expect(response.status).toBe(400);
      expect((await send('GET', keyPath(key))).status).toBe(404);
    },
  );

  it('Cache-Control directives other than max-age are ignored', async () => {
    const key = newKey('no-cache');
    expect((await send('POST', keyPath(key), { body: 'x', headers: { 'cache-control': 'no-cache' } })).status).toBe(201);
  });

  it.each([11, 40, 400])(
    'a max-age of %i digits is clamped (RFC 9111 section 1.2.2), never refused for its size: POST, PUT and PATCH succeed',
    async (digits) => {
      const headers = { 'cache-control': `max-age=${'9'.repeat(digits)}` };
      const key = newKey('huge-max-age');
      expect((await send('PUT', keyPath(key), { body: 'put', headers })).status).toBe(201);
      expect((await send('POST', keyPath(key), { body: 'post', headers })).status).toBe(201);
      expect((await send('PATCH', keyPath(key), { headers })).status).toBe(204);
      expect((await send('GET', keyPath(key))).body.toString()).toBe('post');
    },
  );

  it('PATCH of an absent key answers 404; without max-age or with a body, 400', async () => {
    const key = newKey('patch');
    expect((await send('PATCH', keyPath(key), { headers: { 'cache-control': 'max-age=60' } })).status).toBe(404);
    await send('POST', keyPath(key), { body: 'kept' });
    expect((await send('PATCH', keyPath(key))).status).toBe(400);
    expect((await send('PATCH', keyPath(key), { headers: { 'cache-control': 'max-age=60' }, body: 'new' })).status).toBe(400);
    expect((await send('GET', keyPath(key))).body.toString()).toBe('kept');
  });
});
