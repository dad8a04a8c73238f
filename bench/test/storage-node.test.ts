import { once } from 'node:events';
import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { parseOptions } from '../src/options.js';
import { localStorageNode } from '../src/run.js';

it('measures (and pins) the process on the Cassandra port only when a target uses the node', async () => {
  // A stand-in for a node on this machine: this process, listening on the node's address.
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as { port: number };
    const options = parseOptions(['--cassandra-host', `127.0.0.1:${port}`], {});
    if (options === 'help') throw new Error('unreachable');
    // As when the node did not answer: its targets were skipped, so it is no part of the run.
    expect(localStorageNode(options, { http: [], storage: [] }, [])).toBeUndefined();
    expect(localStorageNode(options, { http: [], storage: ['cassandra'] }, [])).toBe(process.pid);
  } finally {
    server.close();
  }
});
