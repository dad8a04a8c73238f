import { describe, expect, it } from 'vitest';
import { maxHeaderFields, problems } from '../../src/generated/contract.js';
import { listeningAppsClosedAfterEach } from '../support/listening-app.js';
import { onOneConnection, request, statuses } from '../support/raw-connection.js';

const listen = listeningAppsClosedAfterEach();

/** `count` header fields of no meaning, as lines. */
const fillerFields = (count: number) => Array.from({ length: count }, (_, field) => `X-Filler-${field}: 1\r\n`).join('');

/** Stores `value` under `path` and answers the ETag it got. */
async function stored(port: number, path: string, value: string): Promise<string> {
  await onOneConnection(port, request('POST', path, { body: value, last: true }));
  const [read] = await onOneConnection(port, request('GET', path, { last: true }));
  return /\r\netag: *(\S+)/i.exec(read?.head ?? '')?.[1] ?? '';
}

async function valueAt(port: number, path: string): Promise<string | undefined> {
  const [read] = await onOneConnection(port, request('GET', path, { last: true }));
  return read?.status === 200 ? read.body : undefined;
}

describe('header fields past the limit (CVE-2026-58044: Node 20 served requests without them)', () => {
  it('a conditional POST whose If-Match follows the limit answers 431 and does not write', async () => {
    const port = await listen({});
    await stored(port, '/sessions/v1/cas', 'first');
    // Host and Content-Length are two of the fields: one filler more than the limit allows.
    const bytes = `POST /sessions/v1/cas HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n${fillerFields(maxHeaderFields - 2)}If-Match: "not-the-etag"\r\n\r\nblind`;
    const [answer, ...more] = await onOneConnection(port, bytes);
    expect(more).toEqual([]);
    expect(answer?.status).toBe(431);
    expect(JSON.parse(answer?.body ?? '')).toMatchObject({
      type: problems.request_header_fields_too_large.type,
      detail: `The request has more than ${maxHeaderFields} header fields`,
      instance: '/sessions/v1/cas',
    });
    expect(await valueAt(port, '/sessions/v1/cas')).toBe('first');
  });

  it('a conditional DELETE whose If-Match follows 1000 other fields answers 431 and deletes nothing', async () => {
    const port = await listen({});
    await stored(port, '/sessions/v1/kept', 'kept');
    const bytes = `DELETE /sessions/v1/kept HTTP/1.1\r\nHost: test\r\n${fillerFields(1000)}If-Match: "not-the-etag"\r\n\r\n`;
    const [answer] = await onOneConnection(port, bytes);
    expect(answer?.status).toBe(431);
    expect(answer?.head).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(JSON.parse(answer?.body ?? '').type).toBe(problems.request_header_fields_too_large.type);
    expect(await valueAt(port, '/sessions/v1/kept')).toBe('kept');
  });

  it('a request of exactly the limit is served, with its last field', async () => {
    const port = await listen({});
    const etag = await stored(port, '/sessions/v1/full', 'first');
    const bytes = `POST /sessions/v1/full HTTP/1.1\r\nHost: test\r\nContent-Length: 6\r\nConnection: close\r\n${fillerFields(maxHeaderFields - 4)}If-Match: ${etag}\r\n\r\nsecond`;
    expect(statuses(await onOneConnection(port, bytes))).toEqual([201]);
    expect(await valueAt(port, '/sessions/v1/full')).toBe('second');
  });
});

describe('transfer codings other than chunked alone (RFC 9112 section 6.1)', () => {
  it.each([['gzip, chunked'], ['deflate, chunked'], ['identity, chunked'], ['x-custom , chunked']])(
    'Transfer-Encoding: %s answers 501 not_implemented, stores nothing and closes',
    async (codings) => {
      const port = await listen({});
      const bytes = `POST /sessions/v1/coded HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: ${codings}\r\n\r\n3\r\nabc\r\n0\r\n\r\n${request('GET', '/healthz')}`;
      const answered = await onOneConnection(port, bytes);
      expect(statuses(answered)).toEqual([501]);
      expect(JSON.parse(answered[0]?.body ?? '').type).toBe(problems.not_implemented.type);
      expect(await valueAt(port, '/sessions/v1/coded')).toBeUndefined();
    },
  );

  it('codings in two field lines (gzip, then chunked) are one list: 501', async () => {
    const port = await listen({});
    const bytes =
      'POST /sessions/v1/lines HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
    expect(statuses(await onOneConnection(port, bytes))).toEqual([501]);
    expect(await valueAt(port, '/sessions/v1/lines')).toBeUndefined();
  });

  it('chunked alone, in any case, is served', async () => {
    const port = await listen({});
    const bytes =
      'POST /sessions/v1/chunked HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
    expect(statuses(await onOneConnection(port, bytes))).toEqual([201]);
    expect(await valueAt(port, '/sessions/v1/chunked')).toBe('abc');
  });

  it('an HTTP/1.0 request with Transfer-Encoding and keep-alive is served, then the connection closes: nothing pipelined behind it runs', async () => {
    const port = await listen({});
    const bytes = `POST /sessions/v1/old HTTP/1.0\r\nHost: test\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n3\r\nabc\r\n0\r\n\r\n${request('DELETE', '/sessions/v1/old')}`;
    const answered = await onOneConnection(port, bytes);
    expect(statuses(answered)).toEqual([201]);
    expect(answered[0]?.head).toMatch(/\r\nconnection: close/i);
    expect(await valueAt(port, '/sessions/v1/old')).toBe('abc');
  });
});

describe('Host (RFC 9112 section 3.2)', () => {
  it('an HTTP/1.1 request without Host answers the bad_request problem saying Host is required', async () => {
    const port = await listen({});
    const [answer] = await onOneConnection(port, 'GET /sessions/v1/abs HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(answer?.status).toBe(400);
    expect(answer?.head).toMatch(/\r\nx-content-type-options: nosniff/i);
    const problem = JSON.parse(answer?.body ?? '');
    expect(problem.type).toBe(problems.bad_request.type);
    expect(problem.detail).toMatch(/Host/);
    expect(problem.instance).toBe('/sessions/v1/abs');
  });

  it('an HTTP/1.0 request without Host is served (Host is HTTP/1.1)', async () => {
    const port = await listen({});
    const [answer] = await onOneConnection(port, 'GET /sessions/v1/old HTTP/1.0\r\n\r\n');
    expect(answer?.status).toBe(404);
  });

  it('two Host fields answer 400, whatever the method, and the POST stores nothing', async () => {
    const port = await listen({});
    const bytes = 'POST /sessions/v1/twice HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: 1\r\n\r\nv';
    const [answer, ...more] = await onOneConnection(port, bytes);
    expect(more).toEqual([]);
    expect([answer?.status, JSON.parse(answer?.body ?? '').detail]).toEqual([
      400,
      'A request must have one Host header, not several',
    ]);
    expect(await valueAt(port, '/sessions/v1/twice')).toBeUndefined();
  });

  it.each(['a b', 'a/b', 'a@b', 'a:b:c', 'host:port', '[::1', '::1]', 'a%zz', 'a\tb', 'é'])(
    'Host: %s answers 400 (not a host and port)',
    async (host) => {
      const port = await listen({});
      const bytes = `GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
      const [answer] = await onOneConnection(port, Buffer.from(bytes, 'utf8').toString('latin1'));
      expect([answer?.status, JSON.parse(answer?.body ?? '').detail]).toEqual([400, 'The Host header is not a valid host']);
    },
  );

  it.each([
    'localhost',
    'localhost:8081',
    '127.0.0.1:8081',
    '[::1]:8081',
    '[v1.fe80::a+en1]',
    'sessionstore.svc.eqiad.wmnet',
    'a%2Db',
    'host:',
    '',
  ])('Host: %s is served', async (host) => {
    const port = await listen({});
    expect(statuses(await onOneConnection(port, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`))).toEqual([
      200,
    ]);
  });
});

describe('a request whose path does not decode (the router refuses it before any hook)', () => {
  it('is refused as malformed first: more than 100 fields answer 431', async () => {
    const port = await listen({});
    const bytes = `GET /sessions/v1/%zz HTTP/1.1\r\nHost: test\r\n${fillerFields(maxHeaderFields)}\r\n${request('GET', '/healthz')}`;
    const answered = await onOneConnection(port, bytes);
    expect(statuses(answered)).toEqual([431]);
  });

  it.each([
    ['two Host fields', 'Host: a\r\nHost: b\r\n'],
    ['an invalid Host', 'Host: a b\r\n'],
  ])('with %s answers 400 about Host and closes', async (_name, host) => {
    const port = await listen({});
    const answered = await onOneConnection(port, `GET /sessions/v1/%zz HTTP/1.1\r\n${host}\r\n${request('GET', '/healthz')}`);
    expect(statuses(answered)).toEqual([400]);
    expect(JSON.parse(answered[0]?.body ?? '').detail).toMatch(/Host/);
  });

  it('with Transfer-Encoding: gzip, chunked answers 501 and closes', async () => {
    const port = await listen({});
    const bytes = `POST /sessions/v1/%zz HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nv\r\n0\r\n\r\n${request('GET', '/healthz')}`;
    expect(statuses(await onOneConnection(port, bytes))).toEqual([501]);
  });

  it('in HTTP/1.0 with Transfer-Encoding and keep-alive is answered, then the connection closes: a DELETE behind it deletes nothing', async () => {
    const port = await listen({});
    await stored(port, '/sessions/v1/kept', 'kept');
    const bytes = `POST /sessions/v1/%zz HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n1\r\nv\r\n0\r\n\r\n${request('DELETE', '/sessions/v1/kept')}`;
    const answered = await onOneConnection(port, bytes);
    expect(statuses(answered)).toEqual([400]);
    expect(answered[0]?.head).toMatch(/\r\nconnection: close/i);
    // A write on another connection is committed after any delete the server had started before it.
    await stored(port, '/sessions/v1/after', 'v');
    expect(await valueAt(port, '/sessions/v1/kept')).toBe('kept');
  });
});
