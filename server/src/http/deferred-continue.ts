import type { IncomingMessage, Server } from 'node:http';
import type { onSendHookHandler, preParsingHookHandler } from 'fastify';
import { lingerAfterResponse } from './lingering-close.js';

// RFC 9110 section 10.1.1: a client that sends `Expect: 100-continue` waits for 100 Continue before its body, and a
// server may answer finally instead. Node sends 100 Continue as soon as the head is read, before any check, so a
// body the access check, the key's parse, the declared size or a rate limit would refuse was uploaded all the same.
// Here 100 Continue waits until the body is about to be read: after every check made before it.

/** Requests whose client waits for 100 Continue that has not been sent. */
const awaitingContinue = new WeakSet<IncomingMessage>();

/** Takes `Expect: 100-continue` requests from Node, which would send 100 Continue at once, to the app unanswered. */
export function deferContinue(server: Server): void {
  server.on('checkContinue', (request: IncomingMessage, response) => {
    awaitingContinue.add(request);
    server.emit('request', request, response);
  });
}

/** preParsing, on every route: the checks before the body have passed, so the client may send it. */
export const sendContinue: preParsingHookHandler = function sendContinue(request, reply, payload, done) {
  if (awaitingContinue.delete(request.raw)) reply.raw.writeContinue();
  done(null, payload);
};

/**
 * onSend, on every route: a request answered before its client was told to continue may or may not get its body
 * after all (curl sends it after a second), so nothing after it on the connection can be framed: it is closed, and
 * what the client still sends is read and dropped first, so that the answer reaches it.
 */
export const closeWithoutContinue: onSendHookHandler = function closeWithoutContinue(request, reply, payload, done) {
  if (awaitingContinue.delete(request.raw)) {
    reply.header('connection', 'close');
    lingerAfterResponse(request.raw.socket);
  }
  done(null, payload);
};
