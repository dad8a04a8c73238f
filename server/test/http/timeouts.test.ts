import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listeningAppsClosedAfterEach } from '../support/listening-app.js';

const listening = listeningAppsClosedAfterEach();

// Node's own check interval (30 s) is far past this: a connection still open by then was not timed out.
const giveUpMs = 6000;

/** Sends `bytes` and nothing more; resolves how long the server took to close the connection, and what it answered. */
function stall(port: number, bytes: string): Promise<{ closedAfterMs: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ closedAfterMs: performance.now() - started, answer });
    });
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the stalled connection open for ${giveUpMs} ms`));
    }, giveUpMs);
    socket.write(bytes);
  });
}

describe('HTTP server timeouts', () => {
  it('a client that stops in the middle of its headers is answered 408 within about a second of headers_timeout_ms', async () => {
    const port = await listening({ headers_timeout_ms: 1000, request_timeout_ms: 4000 });
    const { closedAfterMs, answer } = await stall(port, 'GET /sessions/v1/k HTTP/1.1\r\nHost: test\r\nX-Half: ');
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfterMs).toBeGreaterThanOrEqual(950);
    expect(closedAfterMs).toBeLessThan(2200);
  });

  it('a client that stops in the middle of its body is answered 408 within about a second of request_timeout_ms', async () => {
    const port = await listening({ headers_timeout_ms: 500, request_timeout_ms: 1500 });
    const { closedAfterMs, answer } = await stall(
      port,
      'POST /sessions/v1/k HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nabc',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfterMs).toBeGreaterThanOrEqual(1450);
    expect(closedAfterMs).toBeLessThan(2700);
  });
});
