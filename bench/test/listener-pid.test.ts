import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isLoopback, listeningInodes, pidListeningOn } from '../src/listener-pid.js';
import { urlTarget } from '../src/targets.js';
import { workloadNamed } from '../src/workloads.js';

describe('the process listening on a port', () => {
  it('is found by the port of a socket listening on loopback, and is this process for its own server', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as { port: number };
      expect(listeningInodes('127.0.0.1', port).size).toBe(1);
      expect(pidListeningOn('127.0.0.1', port)).toBe(process.pid);
      expect(pidListeningOn('localhost', port)).toBe(process.pid);
    } finally {
      server.close();
    }
  });

  it('is none once the socket is closed, and connected sockets on the port do not count', async () => {
    const server = createServer((socket) => socket.end()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    await once(server, 'close');
    expect(pidListeningOn('127.0.0.1', port)).toBeUndefined();
  });

  it('is not one listening on the same port at another address', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as { port: number };
      expect(pidListeningOn('127.0.0.2', port)).toBeUndefined();
      expect(pidListeningOn('::1', port)).toBeUndefined();
    } finally {
      server.close();
    }
  });

  it('is looked for only when the host is this machine', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) expect(isLoopback(host)).toBe(true);
    for (const host of ['10.0.0.1', 'cassandra.example', '::ffff:10.0.0.1', '1127.0.0.1']) expect(isLoopback(host)).toBe(false);
  });

  it('is the process a --url target on loopback is measured by, and none for another host', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as { port: number };
      const local = await urlTarget(`http://127.0.0.1:${port}/v1/`).start(workloadNamed('mix'), 1);
      expect(local.pid).toBe(process.pid);
      const remote = await urlTarget(`http://192.0.2.1:${port}/v1/`).start(workloadNamed('mix'), 1);
      expect(remote.pid).toBeUndefined();
    } finally {
      server.close();
    }
  });
});
