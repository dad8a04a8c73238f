import { type IncomingMessage, METHODS, type Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

// Every method Node's parser accepts reaches fastify's router, so that each route answers it as it answers
// any method it does not serve (405 with Allow on the session route; /healthz answers all, as Kask's does),
// rather than the router's 404 for a method it does not know.

/** Makes every method Node parses routable: call before any route is declared, since routes read `supportedMethods`. */
export function routeEveryMethod(app: FastifyInstance): void {
  // Bodyless: no route reads the body of these. QUERY too: fastify refuses a QUERY without Content-Type (400,
  // RFC 10008 section 2) before its route can answer 405, or 200 on /healthz.
  for (const method of METHODS) if (!app.supportedMethods.includes(method)) app.addHttpMethod(method);
  app.addHttpMethod('QUERY', { overrideExisting: true });
  answerConnect(app.server as Server);
}

/**
 * NOTE: Node hands a CONNECT request to the 'connect' event with its raw socket, never to 'request', and
 * closes the socket unanswered when nothing listens. It is routed like any request, as the only one of its
 * connection (the socket is the tunnel a proxy would open: no request can follow it).
 */
function answerConnect(server: Server): void {
  server.on('connect', (request: IncomingMessage, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    const response = new ServerResponse(request);
    response.shouldKeepAlive = false;
    response.assignSocket(socket);
    response.once('finish', () => socket.destroySoon());
    server.emit('request', request, response);
  });
}
