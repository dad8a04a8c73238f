import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { whenIdle } from './one-request-at-a-time.js';

// RFC 9110 section 7.8: a server that does not switch protocols ignores Upgrade and goes on in HTTP/1.1.
// NOTE: Node's parser stops at a request with Upgrade (and Connection: upgrade), as if the protocol had switched:
// without an 'upgrade' listener Node serves that request, then parses nothing after it, so requests pipelined
// behind an `Upgrade: h2c` or `websocket` were never answered and the connection hung until its keep-alive timeout.
// Such a request is handed back to a new parser of the same connection without its upgrade, followed by whatever
// the client sent after it, once the requests before it have been answered.

/** Hop-by-hop fields that ask for the upgrade; without them the parser reads the request as any other. */
const upgradeFields = new Set(['upgrade', 'http2-settings']);

/** The request as its client sent it, without asking for an upgrade (fields in their order, names as sent). */
function withoutUpgrade(request: IncomingMessage): Buffer {
  const raw = request.rawHeaders;
  let head = `${request.method} ${request.url} HTTP/${request.httpVersion}\r\n`;
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index] ?? '';
    const value = raw[index + 1] ?? '';
    const field = name.toLowerCase();
    if (upgradeFields.has(field)) continue;
    const kept =
      field === 'connection'
        ? value
            .split(',')
            .filter((option) => !upgradeFields.has(option.trim().toLowerCase()))
            .join(',')
        : value;
    head += `${name}: ${kept}\r\n`;
  }
  return Buffer.from(`${head}\r\n`, 'latin1');
}

/** Serves requests that ask for an upgrade as HTTP/1.1 requests, and the requests pipelined behind them. */
export function ignoreUpgrades(server: Server): void {
  server.on('upgrade', (request: IncomingMessage, socket: Socket, rest: Buffer) => {
    // NOTE: Node has taken its own listeners off the socket, 'error' included: a client resetting the connection
    // while this request waited for those before it was an unhandled 'error' that ended the process.
    const dropOnError = () => socket.destroy();
    socket.on('error', dropOnError);
    whenIdle(socket, () => {
      socket.off('error', dropOnError);
      if (socket.destroyed) return;
      const bytes = Buffer.concat([withoutUpgrade(request), rest]);
      // NOTE: a client that half-closed once it had sent everything ended the socket's readable side while the
      // requests before this one were answered: a stream takes nothing back after its end (unshift failed, and
      // the socket was destroyed unanswered). The new parser is then handed the bytes and the end itself.
      const ended = socket.readableEnded;
      if (!ended) socket.unshift(bytes);
      // An HTTPS server parses the TLS connection it has made of the socket ('secureConnection').
      server.emit(socket instanceof TLSSocket ? 'secureConnection' : 'connection', socket);
      if (ended) {
        socket.emit('data', bytes);
        socket.emit('end');
      }
    });
  });
}
