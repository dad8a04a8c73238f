import { describe, expect, it } from 'vitest';
import { parseSessionKey } from '../../../src/routes/sessions/session-key.js';

const base = '/sessions/v1/';
const parse = (url: string, max = 1024) => parseSessionKey(url, base, max);

describe('parseSessionKey', () => {
  it('decodes one percent-encoded segment', () => {
    expect(parse('/sessions/v1/enwiki%3AMWSession%3Aabc')).toEqual({ ok: true, key: 'enwiki:MWSession:abc' });
  });

  it('keeps + as a plus (paths are not form-encoded)', () => {
    expect(parse('/sessions/v1/a+b')).toEqual({ ok: true, key: 'a+b' });
  });

  it('decodes multi-byte UTF-8', () => {
    expect(parse('/sessions/v1/%C3%A9%F0%9F%99%82')).toEqual({ ok: true, key: 'é🙂' });
  });

  it.each(['/sessions/v1/', '/sessions/v1/a/b', '/sessions/v1/a/', '/sessions/v1/a%2Fb', '/sessions/v1/a%2fb'])(
    '%s is not a single key (not_found)',
    (url) => {
      expect(parse(url)).toMatchObject({ ok: false, problem: 'not_found' });
    },
  );

  it.each(['/sessions/v1/a?x=1', '/sessions/v1/a??', '/sessions/v1/a?&', '/sessions/v1/a?=', '/sessions/v1/?x'])(
    '%s has a query string (bad_request)',
    (url) => {
      expect(parse(url)).toMatchObject({ ok: false, problem: 'bad_request', detail: 'Query strings are not accepted' });
    },
  );

  it('a bare ? is an empty query, which Kask accepts: the key is the segment before it', () => {
    expect(parse('/sessions/v1/a?')).toEqual({ ok: true, key: 'a' });
    expect(parse('/sessions/v1/%C3%A9?')).toEqual({ ok: true, key: 'é' });
    expect(parse('/sessions/v1/?')).toMatchObject({ ok: false, problem: 'not_found' });
  });

  it('keeps a leading byte order mark: %EF%BB%BF + abc is not the key abc', () => {
    expect(parse('/sessions/v1/%EF%BB%BFabc')).toEqual({ ok: true, key: '\uFEFFabc' });
    expect(parse('/sessions/v1/%EF%BB%BF')).toEqual({ ok: true, key: '\uFEFF' });
  });

  it('reads a base path with percent-encoded characters as the decoded base path, as Kask does', () => {
    expect(parse('/sessions/v%31/abc')).toEqual({ ok: true, key: 'abc' });
    expect(parse('/%73essions/v1/a%2Fb')).toMatchObject({ ok: false, problem: 'not_found' });
    expect(parse('/sessions/v2/abc')).toMatchObject({ ok: false, problem: 'not_found' });
    expect(parse('/sessions/v%ZZ/abc')).toMatchObject({ ok: false, problem: 'not_found' });
  });

  it.each(['/sessions/v1/%FF', '/sessions/v1/%C3', '/sessions/v1/%ED%A0%80', '/sessions/v1/%G1', '/sessions/v1/abc%'])(
    '%s is not valid percent-encoded UTF-8 (bad_request)',
    (url) => {
      expect(parse(url)).toMatchObject({ ok: false, problem: 'bad_request' });
    },
  );

  it('counts the limit in UTF-8 bytes of the decoded key', () => {
    expect(parse(`/sessions/v1/${'%C3%A9'.repeat(5)}`, 10)).toEqual({ ok: true, key: 'é'.repeat(5) });
    expect(parse(`/sessions/v1/${'%C3%A9'.repeat(5)}a`, 10)).toMatchObject({
      ok: false,
      problem: 'bad_request',
      detail: 'The key is longer than 10 bytes',
    });
  });
});
