import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { onRequestHookHandler } from 'fastify';

// RFC 9112 section 9.3.2: pipelined requests on one connection are answered in order, and a client that
// pipelines POST then DELETE of a key (a logout) expects the DELETE to act last. Node emits every pipelined
// request at once and only orders their responses, so the handlers are queued here: one at a time per socket.
// RFC 9112 section 9.6: once a response closes its connection (Connection: close), no later request of that
// connection runs, even one Node has already parsed (it parses on while the connection's framing says keep-alive,
// as after an HTTP/1.0 request with Transfer-Encoding, or while it reads and drops the rest of a refused body).

interface Connection {
  /** A request of this socket is between its onRequest and its response's 'close'. */
  busy: boolean;
  /** What waits for the request in flight: the next requests, or the answer to bytes that are not HTTP. Created when first needed. */
  waiting: (() => void)[] | undefined;
  /** The response to the socket's latest request. */
  latest: ServerResponse | undefined;
  /** What starts the latest request, while it waits in `waiting`. */
  latestStart: (() => void) | undefined;
  /** A response has closed the connection: nothing more of it runs. */
  closing: boolean;
}

const connections = new WeakMap<Socket, Connection>();

function connectionOf(socket: Socket): Connection {
  let connection = connections.get(socket);
  if (connection === undefined) {
    connection = { busy: false, waiting: undefined, latest: undefined, latestStart: undefined, closing: false };
    connections.set(socket, connection);
  }
  return connection;
}

/**
 * Whether `response` closes its connection. NOTE: `shouldKeepAlive` says only what the request asked for; a
 * response the server gives a `Connection: close` field itself (a 400 for its Host, 413, 431, 501, an HTTP/1.0
 * request with Transfer-Encoding) leaves it true, and Node marks such a response `_last`, after which it closes
 * the socket: the requests queued behind it ran all the same (a pipelined DELETE deleted, unanswered).
 */
function closesConnection(response: ServerResponse): boolean {
  return !response.shouldKeepAlive || (response as ServerResponse & { _last?: boolean })._last === true;
}

/** One function for every response (no closure per request): the socket's next waiter runs, or it goes idle. */
function release(this: ServerResponse): void {
  const connection = connections.get(this.req.socket);
  if (connection === undefined) return;
  if (closesConnection(this)) {
    connection.closing = true;
    connection.waiting = undefined;
    return;
  }
  const next = connection.waiting?.shift();
  if (next === undefined) connection.busy = false;
  else next();
}

/** Hands the socket to `response`'s request, until that response closes (`on`, not `once`: a response closes once, and `once` wraps each listener). */
function start(response: ServerResponse, done: () => void): void {
  // NOTE: a response whose socket is already gone is never written and never emits 'close': its request
  // runs (Node would have run it too) and the next one may start with it.
  if (response.req.socket.destroyed) {
    done();
    release.call(response);
    return;
  }
  response.on('close', release);
  done();
}

/** fastify's global onRequest hook: a request runs once every earlier request of its connection has been answered. */
export const oneRequestAtATime: onRequestHookHandler = (request, reply, done) => {
  const connection = connectionOf(request.raw.socket);
  // Never answered: the socket is closing, and this request came after the one whose response closes it.
  if (connection.closing) return;
  connection.latest = reply.raw;
  connection.latestStart = undefined;
  if (!connection.busy) {
    connection.busy = true;
    reply.raw.on('close', release);
    return done();
  }
  connection.latestStart = () => start(reply.raw, done);
  connection.waiting ??= [];
  connection.waiting.push(connection.latestStart);
};

/**
 * Runs `answer` (which writes to the socket and destroys it) once every request of `socket` in flight has
 * been answered, so that it never comes between or instead of their responses, and never after one that
 * closes the connection. When the socket's latest request is itself unfinished (the error or timeout is in
 * its body) and not being answered yet, it can never be answered: `answer` runs at once if that request is
 * the only one in flight, or in its place once the requests before it are answered if it waits for them.
 */
export function afterRequestsInFlight(socket: Socket, answer: () => void): void {
  const connection = connections.get(socket);
  if (connection?.closing) {
    // NOTE: a response has closed the connection, and Node ends the socket after it.
  } else if (connection === undefined || !connection.busy) {
    answer();
  } else if (connection.latest !== undefined && !connection.latest.req.complete && !connection.latest.headersSent) {
    const waiting = connection.waiting ?? [];
    // NOTE: the socket was destroyed here, and with it the answers to the requests before (a POST stored,
    // its 201 never sent). Nothing is parsed after an unfinished request, so it is the last to wait.
    if (waiting.length === 0) answer();
    else if (waiting[waiting.length - 1] === connection.latestStart) waiting[waiting.length - 1] = answer;
    else socket.destroy();
  } else {
    connection.waiting ??= [];
    connection.waiting.push(answer);
  }
}

/**
 * Runs `resume` once every request of `socket` in flight has been answered, with the connection idle, so that the
 * requests `resume` leads the socket to parse run in turn; never when a response closes the connection first.
 */
export function whenIdle(socket: Socket, resume: () => void): void {
  const connection = connections.get(socket);
  if (connection === undefined || !connection.busy) {
    resume();
    return;
  }
  connection.waiting ??= [];
  connection.waiting.push(() => {
    connection.busy = false;
    resume();
  });
}
