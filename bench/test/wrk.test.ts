import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { workloadNamed } from '../src/workloads.js';
import { ensureWrk, runWrk } from '../src/wrk.js';

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

/** A server that answers every request (200, or 201 to a POST) and counts the connections it accepts and each request's headers. */
async function countingServer(): Promise<{ origin: string; connections: () => number; headers: Record<string, string>[] }> {
  let connections = 0;
  const headers: Record<string, string>[] = [];
  server = createServer((request, response) => {
    headers.push(request.headers as Record<string, string>);
    request.resume();
    request.on('end', () => response.writeHead(request.method === 'POST' ? 201 : 200).end('v'));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, connections: () => connections, headers };
}

const run = (origin: string, workload: string, header?: readonly [string, string]) =>
  runWrk({
    origin,
    basePath: '/sessions/v1/',
    workload: workloadNamed(workload),
    keys: 10,
    connections: 4,
    threads: 1,
    seconds: 1,
    ...(header === undefined ? {} : { header }),
  });

it('mix keeps its connections open; mix-connect opens one for every request', async () => {
  ensureWrk(true);
  const keptAlive = await countingServer();
  const kept = await run(keptAlive.origin, 'mix');
  expect(kept.requests).toBeGreaterThan(20);
  // Its 4 connections, and at times one more that wrk opens at the start: never one per request.
  expect(keptAlive.connections()).toBeGreaterThanOrEqual(4);
  expect(keptAlive.connections()).toBeLessThanOrEqual(5);
  server?.close();

  const reconnecting = await countingServer();
  const each = await run(reconnecting.origin, 'mix-connect');
  expect(each.requests).toBeGreaterThan(20);
  expect(each.errors).toEqual({ connect: 0, read: 0, write: 0, timeout: 0 });
  // A connection for each request, plus the next ones wrk may have opened when it stops and its one at the start.
  expect(reconnecting.connections()).toBeGreaterThanOrEqual(each.requests);
  expect(reconnecting.connections()).toBeLessThanOrEqual(each.requests + 4 + 1);
}, 30_000);

it("every extra header reaches the server, a trusted proxy's beside Connection: close", async () => {
  ensureWrk(true);
  const { origin, headers } = await countingServer();
  await run(origin, 'mix-connect', ['X-Forwarded-Client-Cert', 'By=spiffe://a;URI=spiffe://b']);
  expect(headers.length).toBeGreaterThan(0);
  for (const received of headers) {
    expect(received['x-forwarded-client-cert']).toBe('By=spiffe://a;URI=spiffe://b');
    expect(received.connection).toBe('close');
  }
}, 30_000);
