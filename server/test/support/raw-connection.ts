import { connect } from 'node:net';
import { connect as connectTls } from 'node:tls';

// Requests written as raw bytes on one connection, and the responses read back in order: for what node:http's
// client would not send (pipelining, malformed requests).

export interface RawResponse {
  readonly status: number;
  readonly head: string;
  readonly body: string;
}

/**
 * Writes `bytes` on one connection (TLS, trusting `tlsCa`, when given) and reads until the server closes it: every
 * response, in order.
 */
export function onOneConnection(port: number, bytes: string, tlsCa?: Buffer): Promise<RawResponse[]> {
  return new Promise((resolve, reject) => {
    const socket = tlsCa === undefined ? connect(port, '127.0.0.1') : connectTls({ port, host: '127.0.0.1', ca: tlsCa });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(responsesIn(Buffer.concat(chunks).toString('latin1'))));
    socket.write(bytes);
  });
}

/**
 * Writes `bytes` on one connection (TLS, trusting `tlsCa`, when given) and closes it for writing at once (a
 * half-close, as `printf ... | nc -N` does), then reads until the server closes it: every response, in order.
 */
export function halfClosedAfter(port: number, bytes: string, tlsCa?: Buffer): Promise<RawResponse[]> {
  return new Promise((resolve, reject) => {
    const socket =
      tlsCa === undefined
        ? connect({ port, host: '127.0.0.1', allowHalfOpen: true })
        : connectTls({ port, host: '127.0.0.1', ca: tlsCa });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(responsesIn(Buffer.concat(chunks).toString('latin1'))));
    socket.end(bytes, 'latin1');
  });
}

/** Splits what a connection received into its responses (each with Content-Length, or none and no body). */
export function responsesIn(received: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < received.length) {
    const headEnd = received.indexOf('\r\n\r\n', at);
    const head = received.slice(at, headEnd);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    responses.push({ status: Number(head.split(' ')[1]), head, body: received.slice(headEnd + 4, headEnd + 4 + length) });
    at = headEnd + 4 + length;
  }
  return responses;
}

export const statuses = (responses: RawResponse[]) => responses.map((response) => response.status);

/** A request's bytes; `last` asks the server to close the connection after answering it. */
export function request(method: string, path: string, { body = '', last = false } = {}): string {
  const length = body === '' ? '' : `Content-Length: ${body.length}\r\n`;
  return `${method} ${path} HTTP/1.1\r\nHost: test\r\n${length}${last ? 'Connection: close\r\n' : ''}\r\n${body}`;
}
