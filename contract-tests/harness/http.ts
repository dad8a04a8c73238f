import { randomUUID } from 'node:crypto';
import { Agent, type ClientRequest, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { expect } from 'vitest';
import { contractViolations } from './openapi-validator.js';
import { target as defaultTarget, type Target } from './target.js';

/** A response as received, body as bytes. */
export interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  /** For a request sent with `Expect: 100-continue`: whether the server asked for the body. */
  readonly continued?: boolean;
}

export interface RequestOptions {
  readonly headers?: Record<string, string>;
  /** Sent as one piece with a Content-Length, or chunk by chunk without one when an array. */
  readonly body?: Buffer | string | readonly (Buffer | string)[];
  readonly target?: Target;
  /**
   * Validate the response against the OpenAPI document (default). Off only for answers the document does not
   * describe on purpose: Prism's own refusals of requests that break it.
   */
  readonly checkContract?: boolean;
}

// NOTE: an idle pooled socket is closed here after 2 s, well before servers close idle keep-alive connections
// (5 s: kask-ts's default, and Prism's). Otherwise a request sent on a socket the server is closing at that
// moment fails with "socket hang up": it happened to the first requests of a file that started more than 5 s
// after the previous one, on a loaded machine.
const agent = new Agent({ keepAlive: true, maxSockets: 64, timeout: 2000 });

/** A key no other test uses. */
export function newKey(label: string): string {
  return `contract:${label}:${randomUUID()}`;
}

/** The request path of `key` under the target's base path, percent-encoded as MediaWiki does (rawurlencode). */
export function keyPath(key: string, target: Target = defaultTarget): string {
  return `${target.basePath}${encodeURIComponent(key).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/** A violation Prism reported in its `sl-violations` header (mock and proxy with `--errors`). */
export interface PrismViolation {
  readonly location?: readonly string[];
  readonly severity: string;
  readonly code: string;
  readonly message: string;
}

/** The violations Prism reported for this exchange; empty when no Prism was in between or it found none. */
export function prismViolations(response: Response): PrismViolation[] {
  const header = response.headers['sl-violations'];
  return typeof header === 'string' ? (JSON.parse(header) as PrismViolation[]) : [];
}

function check(method: string, path: string, response: Response, target: Target): Response {
  // Prism in front of the target (the proxy run) judged the response on its own: its verdict comes first.
  const prismFound = prismViolations(response)
    .filter((violation) => violation.location?.[0] === 'response')
    .map((violation) => `${violation.location?.join('.')}: ${violation.message}`);
  expect(prismFound, `${method} ${path}: Prism found that the response breaks the OpenAPI document`).toEqual([]);
  const violations = contractViolations({ method, path, ...response }, target.basePath);
  expect(violations, `${method} ${path} -> ${response.status} breaks the OpenAPI document`).toEqual([]);
  return response;
}

/** Sends one request with node:http and validates the response against the OpenAPI document. */
export function send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  const target = options.target ?? defaultTarget;
  const body = options.body;
  const headers = { ...options.headers };
  // node:http sends no Content-Length for a GET, DELETE or OPTIONS body unless told.
  if (body !== undefined && !Array.isArray(body)) headers['content-length'] = String(Buffer.byteLength(body as Buffer | string));
  // The body waits for the server's 100 Continue, as curl and MediaWiki's client wait: node:http would send it at
  // once, and a body written after a final answer such as 413 (which closes the connection) fails with EPIPE.
  const expectsContinue = headers.expect?.toLowerCase() === '100-continue';
  let continued = false;
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { agent, host: target.baseUrl.hostname, port: target.baseUrl.port, method, path, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const received: Response = {
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
            ...(expectsContinue ? { continued } : {}),
          };
          try {
            resolve(options.checkContract === false ? received : check(method, path, received, target));
          } catch (error) {
            reject(error);
          }
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    if (expectsContinue) {
      request.on('continue', () => {
        continued = true;
        sendBody(request, body);
      });
      // No body follows a final answer given instead of 100 Continue, so the connection cannot carry another request.
      request.on('response', (response) => {
        if (!continued) response.on('end', () => request.destroy());
      });
      request.flushHeaders();
    } else {
      sendBody(request, body);
    }
  });
}

function sendBody(request: ClientRequest, body: RequestOptions['body']): void {
  if (Array.isArray(body)) {
    for (const chunk of body) request.write(chunk);
    request.end();
  } else {
    request.end(body as Buffer | string | undefined);
  }
}

/** The path and query of a request target in origin or absolute form, as the document's paths are written. */
function originFormOf(requestTarget: string): string {
  if (requestTarget.startsWith('/')) return requestTarget;
  const url = new URL(requestTarget);
  return `${url.pathname}${url.search}`;
}

/**
 * Sends a request target exactly as given (for targets node:http refuses to send, or rewrites) over a new TCP
 * connection, with `headers` (lines ending in CRLF) and `body`, and validates the response. The connection
 * is not half-closed: Node drops the response to a request whose client has ended its side.
 */
export function sendRaw(
  method: string,
  rawPath: Buffer | string,
  headers = '',
  {
    body = '',
    target = defaultTarget,
    checkContract = true,
  }: { body?: string } & Pick<RequestOptions, 'target' | 'checkContract'> = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.baseUrl.port), target.baseUrl.hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      const head = raw.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number(head[0]?.split(' ')[1]);
      const responseHeaders: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        responseHeaders[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body: Buffer = raw.subarray(split + 4);
      if (responseHeaders['transfer-encoding'] === 'chunked') body = dechunk(body);
      try {
        const received = { status, headers: responseHeaders, body };
        const path = originFormOf(Buffer.from(rawPath).toString('latin1'));
        resolve(checkContract ? check(method, path, received, target) : received);
      } catch (error) {
        reject(error);
      }
    });
    const length = body === '' ? '' : `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    socket.write(
      Buffer.concat([
        Buffer.from(`${method} `),
        Buffer.from(rawPath),
        Buffer.from(` HTTP/1.1\r\nHost: test\r\nConnection: close\r\n${length}${headers}\r\n${body}`),
      ]),
    );
  });
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** The problem body of a response, parsed. */
export function problemOf(response: Response): Record<string, unknown> {
  return JSON.parse(response.body.toString('utf8'));
}

/** Problem `type` URIs as Kask writes them. */
export const kaskError = (name: string) => `https://www.mediawiki.org/wiki/Kask/errors/${name}`;

/** GET, POST and DELETE of `path` each answer Kask's 404 problem: the path is not a session key. */
export async function expectNotFoundToEveryMethod(path: string): Promise<void> {
  for (const method of ['GET', 'POST', 'DELETE']) {
    const response = await send(method, path, method === 'POST' ? { body: 'x' } : {});
    expect(response.status, method).toBe(404);
    expect(problemOf(response).type).toBe(kaskError('not_found'));
  }
}
