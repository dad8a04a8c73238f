import { describe, expect, it } from 'vitest';
import { kaskError, keyPath, newKey, problemOf, type Response, send } from '../harness/http.js';

/**
 * A conditional write's outcome: applied, refused with `refusal`, or `unknown` for a 503, after which the
 * document says the write may or may not have been applied (a Paxos round on Cassandra that timed out under
 * contention), so a careful client reads to find out, as these tests do.
 */
function outcomeOf(response: Response, refusal: number): boolean | 'unknown' {
  if (response.status === 503) return 'unknown';
  if (response.status !== refusal) expect([201, 204]).toContain(response.status);
  return response.status !== refusal;
}

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
    const outcomes = responses.map((response) => outcomeOf(response, 409));
    const value = (await send('GET', keyPath(key))).body.toString();
    expect(value).toMatch(/^writer \d+$/);
    const stored = Number(value.replace('writer ', ''));
    expect([true, 'unknown']).toContain(outcomes[stored]);
    expect(outcomes.filter((outcome, writer) => outcome === true && writer !== stored)).toEqual([]);
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

  it('50 concurrent appends through GET and If-Match retry loops each land once', async () => {
    const key = newKey('counter');
    await send('POST', keyPath(key), { body: '-' });
    const append = async (writer: number) => {
      const token = `<${writer}>`;
      for (let attempt = 0; attempt < 500; attempt++) {
        const read = await send('GET', keyPath(key));
        if (read.body.toString().includes(token)) return;
        const write = await send('POST', keyPath(key), {
          body: read.body.toString() + token,
          headers: { 'if-match': String(read.headers.etag) },
        });
        if (outcomeOf(write, 412) === true) return;
      }
      throw new Error('an append never won its compare-and-set');
    };
    await Promise.all(Array.from({ length: 50 }, (_, writer) => append(writer)));
    const tokens = (await send('GET', keyPath(key))).body.toString().match(/<\d+>/g) ?? [];
    expect(tokens.sort()).toEqual(Array.from({ length: 50 }, (_, writer) => `<${writer}>`).sort());
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

  it('POST and PUT answer the ETag a GET gives: a lock taken with PUT is released with DELETE If-Match, unread', async () => {
    const key = newKey('etag-of-write');
    const put = await send('PUT', keyPath(key), { body: 'lock token' });
    expect(put.headers.etag).toBe((await send('GET', keyPath(key))).headers.etag);
    const post = await send('POST', keyPath(key), { body: 'value', headers: { 'if-match': String(put.headers.etag) } });
    expect(post.status).toBe(201);
    expect(post.headers.etag).toBe((await send('GET', keyPath(key))).headers.etag);
    expect(post.headers.etag).not.toBe(put.headers.etag);
    expect((await send('DELETE', keyPath(key), { headers: { 'if-match': String(post.headers.etag) } })).status).toBe(204);
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
  it('a lock taken with PUT and released with DELETE If-Match (its own ETag) admits one holder at a time: 8 holders x 5 rounds count to 40', async () => {
    const lock = newKey('lock');
    const counter = newKey('locked-counter');
    await send('POST', keyPath(counter), { body: '0' });
    let holders = 0;
    let overlaps = 0;
    // After an `unknown` outcome (a 503) a holder reads the lock to learn whether it holds it. The read may not
    // see a Paxos round accepted but not yet committed; the holder's next attempt commits it first and is then
    // refused, so after an `unknown` a refusal is also settled by reading. The release names the holder's own
    // value (its ETag), so that a retry can never remove a lock another holder has taken meanwhile.
    const holding = async (token: string) => (await send('GET', keyPath(lock))).body.toString() === token;
    const take = async (token: string) => {
      for (let attempt = 0, unknown = false; attempt < 5000; attempt++) {
        const taken = outcomeOf(await send('PUT', keyPath(lock), { body: token }), 409);
        if (taken === true) return;
        unknown ||= taken === 'unknown';
        if (unknown && (await holding(token))) return;
      }
      throw new Error('the lock was never free');
    };
    const release = async (token: string, etag: string) => {
      for (let unknown = false; ; ) {
        const released = outcomeOf(await send('DELETE', keyPath(lock), { headers: { 'if-match': etag } }), 412);
        if (released === true) return;
        // Refused with nothing unknown before: the lock was not the holder's to release.
        expect(unknown || released === 'unknown', `${token} could not release its lock`).toBe(true);
        unknown = true;
        if (!(await holding(token))) return;
      }
    };
    const holder = async (id: number) => {
      for (let round = 0; round < 5; round++) {
        const token = `holder ${id} round ${round}`;
        await take(token);
        const lockValue = await send('GET', keyPath(lock));
        expect(lockValue.body.toString()).toBe(token);
        if (++holders > 1) overlaps++;
        const current = Number((await send('GET', keyPath(counter))).body.toString());
        expect((await send('POST', keyPath(counter), { body: String(current + 1) })).status).toBe(201);
        holders--;
        await release(token, String(lockValue.headers.etag));
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, id) => holder(id)));
    expect(overlaps).toBe(0);
    expect((await send('GET', keyPath(counter))).body.toString()).toBe('40');
  }, 120000);
});

describe('If-Match and If-None-Match on every method (RFC 9110 section 13)', () => {
  const stale = '"zzz"';
  /** A key holding `value`, and the ETag a GET gives it. */
  async function stored(label: string, value: string): Promise<{ key: string; etag: string }> {
    const key = newKey(label);
    await send('POST', keyPath(key), { body: value });
    return { key, etag: String((await send('GET', keyPath(key))).headers.etag) };
  }
  const currentOf = async (key: string) => {
    const response = await send('GET', keyPath(key));
    return response.status === 200 ? response.body.toString() : response.status;
  };

  it.each([stale, '*'])('PUT with If-Match %s to an absent key answers 412 and stores nothing', async (ifMatch) => {
    const key = newKey('put-if-match');
    const response = await send('PUT', keyPath(key), { body: 'x', headers: { 'if-match': ifMatch } });
    expect(response.status).toBe(412);
    expect(problemOf(response).type).toBe(kaskError('precondition_failed'));
    expect(await currentOf(key)).toBe(404);
  });

  it('PUT with If-Match to a key with a value answers 409, whatever the ETag (the conflict comes first), and changes nothing', async () => {
    const { key, etag } = await stored('put-if-match-present', 'kept');
    for (const ifMatch of [etag, stale, '*']) {
      expect((await send('PUT', keyPath(key), { body: 'new', headers: { 'if-match': ifMatch } })).status).toBe(409);
    }
    expect(await currentOf(key)).toBe('kept');
  });

  it('PUT with If-None-Match stores under an absent key and answers 409 to a present one, as without it', async () => {
    const key = newKey('put-if-none-match');
    expect((await send('PUT', keyPath(key), { body: 'first', headers: { 'if-none-match': '*' } })).status).toBe(201);
    expect((await send('PUT', keyPath(key), { body: 'second', headers: { 'if-none-match': '*' } })).status).toBe(409);
    expect(await currentOf(key)).toBe('first');
  });

  it('PATCH with If-Match changes the TTL of the value it names (204), answers 412 for another and 404 for an absent key', async () => {
    const ttl = { 'cache-control': 'max-age=100' };
    const absent = newKey('patch-if-match-absent');
    expect((await send('PATCH', keyPath(absent), { headers: { ...ttl, 'if-match': stale } })).status).toBe(404);
    expect((await send('PATCH', keyPath(absent), { headers: { ...ttl, 'if-match': '*' } })).status).toBe(404);
    const { key, etag } = await stored('patch-if-match', 'kept');
    const refused = await send('PATCH', keyPath(key), { headers: { ...ttl, 'if-match': stale } });
    expect(refused.status).toBe(412);
    expect(problemOf(refused).type).toBe(kaskError('precondition_failed'));
    expect((await send('PATCH', keyPath(key), { headers: { ...ttl, 'if-match': `${stale}, ${etag}` } })).status).toBe(204);
    expect((await send('PATCH', keyPath(key), { headers: { ...ttl, 'if-match': '*' } })).status).toBe(204);
    expect((await send('PATCH', keyPath(key), { headers: { ...ttl, 'if-match': `W/${etag}` } })).status).toBe(412);
    expect(await currentOf(key)).toBe('kept');
  });

  it('PATCH with If-None-Match naming the value, or *, answers 412; naming another, 204', async () => {
    const ttl = { 'cache-control': 'max-age=100' };
    const { key, etag } = await stored('patch-if-none-match', 'kept');
    expect((await send('PATCH', keyPath(key), { headers: { ...ttl, 'if-none-match': etag } })).status).toBe(412);
    expect((await send('PATCH', keyPath(key), { headers: { ...ttl, 'if-none-match': '*' } })).status).toBe(412);
    expect((await send('PATCH', keyPath(key), { headers: { ...ttl, 'if-none-match': stale } })).status).toBe(204);
  });

  it('GET with If-Match answers 412 unless it names the value', async () => {
    const { key, etag } = await stored('get-if-match', 'kept');
    expect((await send('GET', keyPath(key), { headers: { 'if-match': stale } })).status).toBe(412);
    expect((await send('GET', keyPath(key), { headers: { 'if-match': etag } })).body.toString()).toBe('kept');
    expect((await send('GET', keyPath(newKey('get-if-match-absent')), { headers: { 'if-match': '*' } })).status).toBe(404);
  });

  it('GET with If-None-Match naming the value (also weakly, or *) answers 304 with the ETag and no body; otherwise 200', async () => {
    const { key, etag } = await stored('get-if-none-match', 'kept');
    for (const ifNoneMatch of [etag, `W/${etag}`, `${stale}, ${etag}`, '*']) {
      const response = await send('GET', keyPath(key), { headers: { 'if-none-match': ifNoneMatch } });
      expect(response.status, ifNoneMatch).toBe(304);
      expect(response.headers.etag).toBe(etag);
      expect(response.body.length).toBe(0);
    }
    expect((await send('GET', keyPath(key), { headers: { 'if-none-match': stale } })).body.toString()).toBe('kept');
    expect((await send('GET', keyPath(newKey('get-inm-absent')), { headers: { 'if-none-match': '*' } })).status).toBe(404);
  });

  it('POST with If-None-Match: * stores only under an absent key; with ETags, only over a value it does not name', async () => {
    const key = newKey('post-if-none-match');
    expect((await send('POST', keyPath(key), { body: 'first', headers: { 'if-none-match': '*' } })).status).toBe(201);
    expect((await send('POST', keyPath(key), { body: 'second', headers: { 'if-none-match': '*' } })).status).toBe(412);
    const etag = String((await send('GET', keyPath(key))).headers.etag);
    expect((await send('POST', keyPath(key), { body: 'third', headers: { 'if-none-match': etag } })).status).toBe(412);
    expect(await currentOf(key)).toBe('first');
    expect((await send('POST', keyPath(key), { body: 'fourth', headers: { 'if-none-match': stale } })).status).toBe(201);
    expect(await currentOf(key)).toBe('fourth');
  });

  it('DELETE with If-None-Match keeps a value it names (412) and deletes one it does not', async () => {
    const { key, etag } = await stored('delete-if-none-match', 'kept');
    expect((await send('DELETE', keyPath(key), { headers: { 'if-none-match': '*' } })).status).toBe(412);
    expect((await send('DELETE', keyPath(key), { headers: { 'if-none-match': etag } })).status).toBe(412);
    expect(await currentOf(key)).toBe('kept');
    expect((await send('DELETE', keyPath(key), { headers: { 'if-none-match': stale } })).status).toBe(204);
    expect(await currentOf(key)).toBe(404);
    expect((await send('DELETE', keyPath(key), { headers: { 'if-none-match': '*' } })).status).toBe(204);
  });

  it('If-Unmodified-Since and If-Modified-Since are ignored: values have no modification date (RFC 9110 sections 13.1.3-4)', async () => {
    const key = newKey('dates');
    const epoch = 'Thu, 01 Jan 1970 00:00:00 GMT';
    const future = 'Fri, 01 Jan 2100 00:00:00 GMT';
    expect((await send('POST', keyPath(key), { body: 'x', headers: { 'if-unmodified-since': epoch } })).status).toBe(201);
    expect((await send('GET', keyPath(key), { headers: { 'if-modified-since': future } })).status).toBe(200);
    expect((await send('DELETE', keyPath(key), { headers: { 'if-unmodified-since': epoch } })).status).toBe(204);
  });
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

  it.each(['no-cache', 'private="a,max-age=9"', 'no-cache="x,max-age=1"', 'private="max-age=9"'])(
    'Cache-Control directives other than max-age are ignored, and so is a max-age inside a quoted string: %s',
    async (cacheControl) => {
      const key = newKey('no-cache');
      expect((await send('POST', keyPath(key), { body: 'x', headers: { 'cache-control': cacheControl } })).status).toBe(201);
      expect(await send('PATCH', keyPath(key), { headers: { 'cache-control': `${cacheControl}, max-age=60` } })).toMatchObject({
        status: 204,
      });
    },
  );

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

  it('PATCH with a body over the limit answers 413 and changes nothing', async () => {
    const key = newKey('patch-too-large');
    await send('POST', keyPath(key), { body: 'kept', headers: { 'cache-control': 'max-age=60' } });
    const body = Buffer.alloc(Number(process.env.KASK_MAX_VALUE_BYTES ?? 1024 * 1024) + 1, 'k');
    const response = await send('PATCH', keyPath(key), { body, headers: { 'cache-control': 'max-age=60' } });
    expect(response.status).toBe(413);
    expect(problemOf(response).type).toBe(kaskError('payload_too_large'));
    expect((await send('GET', keyPath(key))).body.toString()).toBe('kept');
  });

  it('PATCH of an absent key answers 404; without max-age or with a body, 400', async () => {
    const key = newKey('patch');
    expect((await send('PATCH', keyPath(key), { headers: { 'cache-control': 'max-age=60' } })).status).toBe(404);
    await send('POST', keyPath(key), { body: 'kept' });
    expect((await send('PATCH', keyPath(key))).status).toBe(400);
    expect((await send('PATCH', keyPath(key), { headers: { 'cache-control': 'max-age=60' }, body: 'new' })).status).toBe(400);
    expect((await send('GET', keyPath(key))).body.toString()).toBe('kept');
  });
});
