import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestAuthority } from '../../../test-support/certificates.js';
import { listeningAppsClosedAfterEach } from '../support/listening-app.js';
import { halfClosedAfter, onOneConnection, request, statuses } from '../support/raw-connection.js';

const listen = listeningAppsClosedAfterEach();

const h2c = 'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n';
const websocket =
  'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

/** A request asking for an upgrade, with `body` when given. */
function upgrading(method: string, path: string, upgrade: string, body = ''): string {
  const length = body === '' ? '' : `Content-Length: ${body.length}\r\n`;
  return `${method} ${path} HTTP/1.1\r\nHost: test\r\n${upgrade}${length}\r\n${body}`;
}

// RFC 9110 section 7.8: the server does not switch protocols; it answers in HTTP/1.1 and the connection goes on.
describe.each([
  ['h2c', h2c],
  ['websocket', websocket],
])('a request with Upgrade: %s', (_name, upgrade) => {
  it('is answered in HTTP/1.1, and the request pipelined behind it too, in order', async () => {
    const port = await listen({});
    const bytes = upgrading('POST', '/sessions/v1/up', upgrade, 'value') + request('GET', '/sessions/v1/up', { last: true });
    const answered = await onOneConnection(port, bytes);
    expect(statuses(answered)).toEqual([201, 200]);
    expect(answered[1]?.body).toBe('value');
  });

  it('after a request still in flight waits for it: all three are answered in order', async () => {
    const port = await listen({});
    await onOneConnection(port, request('POST', '/sessions/v1/order', { body: 'first', last: true }));
    const bytes =
      request('GET', '/sessions/v1/order') +
      upgrading('DELETE', '/sessions/v1/order', upgrade) +
      request('GET', '/sessions/v1/order', { last: true });
    const answered = await onOneConnection(port, bytes);
    expect(statuses(answered)).toEqual([200, 204, 404]);
    expect(answered[0]?.body).toBe('first');
  });

  it('behind a request in flight, from a client that half-closes once it has sent them: all three are answered', async () => {
    const port = await listen({});
    const bytes =
      request('POST', '/sessions/v1/half', { body: 'first' }) +
      upgrading('GET', '/sessions/v1/half', upgrade) +
      request('DELETE', '/sessions/v1/half');
    const answered = await halfClosedAfter(port, bytes);
    expect(statuses(answered)).toEqual([201, 200, 204]);
    expect(answered[1]?.body).toBe('first');
  });
});

describe('an ignored upgrade over TLS', () => {
  const authority = createTestAuthority();
  afterAll(() => authority.remove());

  it('is answered, and the request pipelined behind it too', async () => {
    const port = await listen({ tls: authority.server() });
    const bytes = upgrading('POST', '/sessions/v1/tls', websocket, 'secret') + request('GET', '/sessions/v1/tls', { last: true });
    const answered = await onOneConnection(port, bytes, readFileSync(authority.caFile));
    expect(statuses(answered)).toEqual([201, 200]);
    expect(answered[1]?.body).toBe('secret');
  });
});

describe('a client that resets its connection while its upgrade waits for the requests before it', () => {
  it('does not bring the server down: it goes on answering', async () => {
    const port = await listen({});
    const bytes = request('POST', '/sessions/v1/reset', { body: 'v' }) + upgrading('GET', '/sessions/v1/reset', websocket);
    await Promise.all(
      Array.from(
        { length: 50 },
        () =>
          new Promise<void>((resolve) => {
            const socket = connect(port, '127.0.0.1');
            socket.on('error', () => {});
            socket.on('close', () => resolve());
            // Written whole, then reset at once (RST): the POST is still being stored.
            socket.write(bytes, () => socket.resetAndDestroy());
          }),
      ),
    );
    expect(statuses(await onOneConnection(port, request('GET', '/healthz', { last: true })))).toEqual([200]);
  });
});
