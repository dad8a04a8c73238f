import { describe, expect, it } from 'vitest';
import { keyPath, newKey, send } from '../harness/http.js';
import { shortTtlServer } from '../harness/target.js';

// kask-ts's per-write TTL over time: needs a second server with a short default_ttl (which is also its
// max_ttl), as contract-tests/expiry/ does, and a Kask server has no Cache-Control TTL to test.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const short = shortTtlServer();

describe('Cache-Control: per-write TTL, and PATCH to change it, over time', () => {
  it('max-age sets the TTL of a POST or PUT; PATCH extends and shortens it without changing the value, with If-Match only for the value it names; max_ttl clamps', async () => {
    const expiring = newKey('max-age-post');
    const expiringPut = newKey('max-age-put');
    const extended = newKey('patch-extend');
    const shortened = newKey('patch-shorten');
    const clamped = newKey('clamped');
    const oneSecond = { 'cache-control': 'max-age=1' };
    // NOTE: Cassandra keeps expiry in whole seconds, so a TTL of 1 s may end at once: a key that is read or
    // patched before the wait below gets 2 s, so that it is surely still there.
    const twoSeconds = { 'cache-control': 'max-age=2' };
    expect((await send('POST', keyPath(expiring), { body: 'a', headers: oneSecond })).status).toBe(201);
    expect((await send('PUT', keyPath(expiringPut), { body: 'b', headers: oneSecond })).status).toBe(201);
    await send('POST', keyPath(extended), { body: 'extended', headers: twoSeconds });
    await send('POST', keyPath(shortened), { body: 'shortened' });
    expect((await send('PATCH', keyPath(extended), { headers: { 'cache-control': 'max-age=600' } })).status).toBe(204);
    expect((await send('PATCH', keyPath(shortened), { headers: twoSeconds })).status).toBe(204);
    expect((await send('GET', keyPath(shortened))).body.toString()).toBe('shortened');
    // PATCH with If-Match changes the TTL only of the value it names.
    const matched = newKey('patch-if-match');
    const stale = newKey('patch-if-match-stale');
    await send('POST', keyPath(matched), { body: 'matched', headers: twoSeconds });
    await send('POST', keyPath(stale), { body: 'stale', headers: twoSeconds });
    const longer = { 'cache-control': 'max-age=600' };
    const etag = String((await send('GET', keyPath(matched))).headers.etag);
    expect((await send('PATCH', keyPath(matched), { headers: { ...longer, 'if-match': etag } })).status).toBe(204);
    expect((await send('PATCH', keyPath(stale), { headers: { ...longer, 'if-match': etag } })).status).toBe(412);
    // The short-TTL server's max_ttl is its default_ttl: a longer max-age is clamped to it.
    const { target, seconds } = short;
    await send('POST', keyPath(clamped, target), { target, body: 'clamped', headers: { 'cache-control': 'max-age=86400' } });
    await sleep(Math.max(seconds, 2) * 1000 + 1500);
    expect((await send('GET', keyPath(expiring))).status).toBe(404);
    expect((await send('GET', keyPath(expiringPut))).status).toBe(404);
    expect((await send('GET', keyPath(shortened))).status).toBe(404);
    expect((await send('GET', keyPath(extended))).body.toString()).toBe('extended');
    expect((await send('GET', keyPath(stale))).status).toBe(404);
    expect((await send('GET', keyPath(matched))).body.toString()).toBe('matched');
    expect((await send('GET', keyPath(clamped, target), { target })).status).toBe(404);
  });
});
