import type { Socket } from 'node:net';

// NOTE: a connection closed while its client is still sending (the rest of a body over the limit) is reset by the
// kernel at the client's next bytes, and the reset throws away what the client has not read yet: the 413 itself
// (seen: 7 of 30 POSTs of 3 MB without Expect: 100-continue ended in EPIPE, without their 413). After such a
// response the connection is closed for writing only, and what the client still sends is read and dropped until
// it closes its side, for a bounded time (Apache's lingering close).
const lingerMs = 2000;

/** Makes the close that follows the response being written on `socket` a lingering one. */
export function lingerAfterResponse(socket: Socket): void {
  // Node's server ends a connection after its last response with destroySoon.
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    socket.once('end', () => socket.destroy());
    setTimeout(() => socket.destroy(), lingerMs).unref();
  };
}
