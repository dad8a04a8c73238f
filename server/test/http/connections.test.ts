import { readFileSync } from 'node:fs';
import { METHODS, STATUS_CODES } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createTestAuthority } from '../../../test-support/certificates.js';
import { problems, sessionMethods } from '../../src/generated/contract.js';
import { listeningAppsClosedAfterEach } from '../support/listening-app.js';
import { halfClosedAfter, onOneConnection, request, statuses } from '../support/raw-connection.js';

const listen = listeningAppsClosedAfterEach();

describe('pipelined requests on one connection (RFC 9112 section 9.3.2)', () => {
  it('a DELETE pipelined after a POST of the same key acts after it: the logout is not lost', async () => {
    const port = await listen({});
    for (let i = 0; i < 20; i++) {
      const path = `/sessions/v1/logout-${i}`;
      const answered = await onOneConnection(
        port,
        request('POST', path, { body: 'hello' }) + request('DELETE', path, { last: true }),
      );
      expect(statuses(answered)).toEqual([201, 204]);
      expect(statuses(await onOneConnection(port, request('GET', path, { last: true })))).toEqual([404]);
    }
  });

  it('a GET pipelined after a DELETE of the same key does not see the deleted value', async () => {
    const port = await listen({});
    for (let i = 0; i < 20; i++) {
      const path = `/sessions/v1/deleted-${i}`;
      await onOneConnection(port, request('POST', path, { body: 'hello', last: true }));
      const answered = await onOneConnection(port, request('DELETE', path) + request('GET', path, { last: true }));
      expect(statuses(answered)).toEqual([204, 404]);
    }
  });
});

describe('bytes that are not HTTP after valid requests on the same connection', () => {
  it('a body longer than its Content-Length: the POST is answered 201, then the rest 400, and the connection closes', async () => {
    const port = await listen({});
    const answered = await onOneConnection(
      port,
      'POST /sessions/v1/extra HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabcd\r\n\r\n',
    );
    expect(statuses(answered)).toEqual([201, 400]);
    expect(answered[1]?.head).toMatch(/\r\nx-content-type-options: nosniff/i);
    const read = await onOneConnection(port, request('GET', '/sessions/v1/extra', { last: true }));
    expect(read.map((response) => response.body)).toEqual(['abc']);
  });

  it('bytes after a Connection: close request do not replace its answer', async () => {
    const port = await listen({});
    await onOneConnection(port, request('POST', '/sessions/v1/closing', { body: 'kept', last: true }));
    const answered = await onOneConnection(
      port,
      `${request('GET', '/sessions/v1/closing', { last: true })}\x01 not http\r\n\r\n`,
    );
    expect(answered.map((response) => [response.status, response.body])).toEqual([[200, 'kept']]);
  });

  it('bytes that are not HTTP after several pipelined requests are answered 400 after all of theirs', async () => {
    const port = await listen({});
    const pipelined = [1, 2, 3].map((i) => request('POST', `/sessions/v1/several-${i}`, { body: `v${i}` })).join('');
    expect(statuses(await onOneConnection(port, `${pipelined}\x01 not http\r\n\r\n`))).toEqual([201, 201, 201, 400]);
  });

  it.each([
    ['a malformed chunk', 'Transfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['a coding the parser refuses (gzip alone)', 'Transfer-Encoding: gzip\r\n\r\nabc'],
  ])('a request with %s behind a write in flight: the write is answered, then the 400', async (_name, rest) => {
    const port = await listen({});
    const bytes = `${request('POST', '/sessions/v1/before', { body: 'v' })}POST /sessions/v1/broken HTTP/1.1\r\nHost: test\r\n${rest}`;
    expect(statuses(await onOneConnection(port, bytes))).toEqual([201, 400]);
  });
});

describe('a body over max_value_bytes sent whole', () => {
  it.each([
    ['without Expect: 100-continue', ''],
    ['with Expect: 100-continue, not waiting for the answer to it', 'Expect: 100-continue\r\n'],
  ])('%s: the client that writes it all before reading still reads the 413', async (_name, expect100) => {
    const port = await listen({ max_value_bytes: 1000 });
    const body = Buffer.alloc(8 * 1024 * 1024, 'v');
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      // Nothing is read until the whole body is written: a server that closes its side while the client still
      // sends makes the kernel reset the connection, which throws away the 413 waiting to be read.
      socket.pause();
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
      socket.write(`POST /sessions/v1/large HTTP/1.1\r\nHost: test\r\n${expect100}Content-Length: ${body.length}\r\n\r\n`);
      socket.write(body, () => socket.resume());
    });
    expect(answer.split('\r\n')[0]).toBe(
      `HTTP/1.1 ${problems.payload_too_large.status} ${STATUS_CODES[problems.payload_too_large.status]}`,
    );
  });
});

describe('every method on the session route', () => {
  // CONNECT reaches the server through its 'connect' event; every other one through the parser's request.
  const others = METHODS.filter((method) => !(sessionMethods as readonly string[]).includes(method));

  it.each(others)('%s on a session key answers 405 method_not_allowed with Allow, and changes nothing', async (method) => {
    const port = await listen({});
    await onOneConnection(port, request('POST', '/sessions/v1/m', { body: 'kept', last: true }));
    const [answer, ...more] = await onOneConnection(port, request(method, '/sessions/v1/m', { last: true }));
    expect(more).toEqual([]);
    expect(answer?.status).toBe(405);
    expect(answer?.head).toMatch(new RegExp(`\\r\\nallow: ${sessionMethods.join(', ')}\\r\\n`, 'i'));
    expect(JSON.parse(answer?.body ?? '').type).toMatch(/method_not_allowed$/);
    const read = await onOneConnection(port, request('GET', '/sessions/v1/m', { last: true }));
    expect(read.map((response) => response.body)).toEqual(['kept']);
  });

  it.each(['PROPFIND', 'PURGE', 'QUERY', 'CONNECT'])(
    '%s on /healthz answers 200, as every method does on Kask',
    async (method) => {
      const port = await listen({});
      expect(statuses(await onOneConnection(port, request(method, '/healthz', { last: true })))).toEqual([200]);
    },
  );
});

describe('no request runs after a response that the server chose to close its connection with (RFC 9112 section 9.6)', () => {
  const deleteKept = request('DELETE', '/sessions/v1/kept');
  it.each([
    ['a 400 for an invalid Host', 'GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n'],
    ['a 400 for a missing Host', 'GET /healthz HTTP/1.1\r\n\r\n'],
    ['a 431', `GET /healthz HTTP/1.1\r\nHost: test\r\n${'X-Filler: 1\r\n'.repeat(120)}\r\n`],
    ['a 501', 'POST /sessions/v1/other HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nv\r\n0\r\n\r\n'],
    ['a 413', `POST /sessions/v1/other HTTP/1.1\r\nHost: test\r\nContent-Length: 1001\r\n\r\n${'v'.repeat(1001)}`],
    [
      'a 413 before 100 Continue, the body sent all the same',
      `POST /sessions/v1/other HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 1001\r\n\r\n${'v'.repeat(1001)}`,
    ],
    [
      'a 201 to an HTTP/1.0 request with Transfer-Encoding and keep-alive',
      'POST /sessions/v1/other HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n1\r\nv\r\n0\r\n\r\n',
    ],
  ])('%s: a DELETE pipelined behind it deletes nothing', async (_name, first) => {
    const port = await listen({ max_value_bytes: 1000 });
    await onOneConnection(port, request('POST', '/sessions/v1/kept', { body: 'kept', last: true }));
    const answered = await onOneConnection(port, first + deleteKept);
    expect(answered).toHaveLength(1);
    expect(answered[0]?.head).toMatch(/\r\nconnection: close/i);
    // A write on another connection is committed after any delete the server had started before it.
    expect(statuses(await onOneConnection(port, request('POST', '/sessions/v1/after', { body: 'v', last: true })))).toEqual([
      201,
    ]);
    const read = await onOneConnection(port, request('GET', '/sessions/v1/kept', { last: true }));
    expect(read.map((response) => [response.status, response.body])).toEqual([[200, 'kept']]);
  });
});

describe('bytes that are not HTTP in the body of a request answered already', () => {
  it.each([
    ['Transfer-Encoding: identity (501, then the parser refuses the coding)', 'Transfer-Encoding: identity\r\n\r\nabc'],
    ['Transfer-Encoding: gzip (501)', 'Transfer-Encoding: gzip\r\n\r\nabc'],
    ['Transfer-Encoding: gzip, chunked with a malformed chunk (501)', 'Transfer-Encoding: gzip, chunked\r\n\r\nzz\r\nabc\r\n'],
    ['two Host fields, with a malformed chunk (400)', 'Host: b\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n'],
    ['121 fields, with a malformed chunk (431)', `${'X-Filler: 1\r\n'.repeat(120)}Transfer-Encoding: chunked\r\n\r\nzz\r\n`],
  ])('%s: that answer closes the connection and nothing follows it', async (_name, rest) => {
    const port = await listen({});
    const answered = await onOneConnection(port, `POST /sessions/v1/coded HTTP/1.1\r\nHost: test\r\n${rest}`);
    expect(answered).toHaveLength(1);
    expect(answered[0]?.head).toMatch(/\r\nconnection: close/i);
  });
});

describe('a client that closes its side of the connection once it has sent its requests (a half-close)', () => {
  // RFC 9112 section 9.6: a half-closed connection does not delimit a request, nor say that the client no longer
  // wants the response.
  it('still reads the answer to its write', async () => {
    const port = await listen({});
    const answered = await halfClosedAfter(port, request('POST', '/sessions/v1/half', { body: 'v' }));
    expect(statuses(answered)).toEqual([201]);
  });

  it('still reads the answers to every request it pipelined, in order, and the connection then closes', async () => {
    const port = await listen({});
    const path = '/sessions/v1/half-pipelined';
    const answered = await halfClosedAfter(
      port,
      request('POST', path, { body: 'v' }) + request('GET', path) + request('DELETE', path) + request('GET', path),
    );
    expect(answered.map((response) => [response.status, response.body])).toEqual([
      [201, ''],
      [200, 'v'],
      [204, ''],
      [404, expect.any(String)],
    ]);
  });

  it('over TLS, still reads the answers to its requests', async () => {
    const authority = createTestAuthority();
    try {
      const port = await listen({ tls: authority.server() });
      const path = '/sessions/v1/half-tls';
      const bytes = request('POST', path, { body: 'v' }) + request('GET', path);
      const answered = await halfClosedAfter(port, bytes, readFileSync(authority.caFile));
      expect(answered.map((response) => [response.status, response.body])).toEqual([
        [201, ''],
        [200, 'v'],
      ]);
    } finally {
      authority.remove();
    }
  });
});
