import { request } from 'node:http';
import { childPids } from './child-process.js';

// Reaching one worker of a server process's several: each takes connections from one shared socket.

/** Sends each request on a connection of its own (no agent), taken by whichever worker accepts it first. */
export function oneShot(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: () => Promise<string> }> {
  return new Promise((resolve, reject) => {
    const headers = { ...init.headers, connection: 'close' };
    const sent = request(url, { method: init.method ?? 'GET', agent: false, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        resolve({ status: response.statusCode ?? 0, text: async () => body });
      });
    });
    sent.on('error', reject);
    sent.end(init.body);
  });
}

/**
 * Runs `exchange` while every worker but `worker` is stopped (SIGSTOP), so that `worker` takes its connections: the
 * workers accept from one shared socket, and a stopped process accepts nothing.
 */
export async function throughWorker<T>(
  server: { child: { pid?: number } },
  worker: number,
  exchange: () => Promise<T>,
): Promise<T> {
  const others = childPids(server.child.pid as number).filter((pid) => pid !== worker);
  for (const pid of others) process.kill(pid, 'SIGSTOP');
  try {
    return await exchange();
  } finally {
    for (const pid of others) process.kill(pid, 'SIGCONT');
  }
}
