import { execFileSync } from 'node:child_process';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processRuns as alive } from '../../../test-support/child-process.js';
import { removeServerDirectory, type ServerProcess, startServer } from '../../../test-support/server-process.js';
import { exchange, expectedValueOf, type WriteOutcome, writeUntilStopped } from './write-load.js';

// SIGKILL at a random moment under concurrent writes, then a restart on the same files: every write
// answered 201 before the kill reads back byte for byte, a write in flight reads back whole or not at
// all, and the store opens as it is (LMDB has no repair step: a start that needed one would fail).
const rounds = 4;
const connections = 16;
const basePath = '/sessions/v1/';

let servers: ServerProcess[] = [];
const directories: string[] = [];
afterEach(async () => {
  for (const server of servers) await server.stop();
  for (const server of servers.filter((s) => directories.includes(s.directory))) removeServerDirectory(server);
  servers = [];
  directories.length = 0;
});

/** A server on `dataPath` (the first one's directory is removed after the test). */
async function serve(dataPath: string | undefined, workers: number, port?: number): Promise<ServerProcess> {
  const server = await startServer({
    workers,
    ...(port === undefined ? {} : { listen_port: port }),
    ...(dataPath === undefined ? {} : { embedded: { path: dataPath } }),
  });
  servers.push(server);
  if (dataPath === undefined) directories.push(server.directory);
  return server;
}

function dataPathOf(server: ServerProcess): string {
  return join(server.directory, 'data');
}

/** The pids of a process's children (a cluster primary's workers). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** Waits (bounded) until every pid has exited, then SIGKILLs what is left. */
async function reap(pids: number[]): Promise<void> {
  for (let i = 0; i < 100 && pids.some(alive); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
}

// After the first 201, so that each round kills the server in the middle of writing.
/** Waits (bounded) until the server's output has `count` lines saying `message`. */
async function untilLogged(server: ServerProcess, message: string, count: number): Promise<void> {
  const logged = () =>
    server
      .output()
      .split('\n')
      .filter((line) => line.includes(`"msg":"${message}"`)).length;
  for (let i = 0; i < 600 && logged() < count; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(logged(), server.output()).toBeGreaterThanOrEqual(count);
}

const randomDelayMs = () => Math.floor(Math.random() * 1000);

/** Every acknowledged key reads back exactly; every unanswered one exactly or 404; returns the count read. */
async function expectDurable(server: ServerProcess, outcome: WriteOutcome): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const check = async (key: string, acknowledged: boolean) => {
    const { status, body } = await exchange(agent, server.origin, 'GET', `${basePath}${encodeURIComponent(key)}`);
    if (acknowledged) expect(status, `acknowledged ${key}`).toBe(200);
    else expect([200, 404], `unanswered ${key}`).toContain(status);
    if (status === 200) expect(body.equals(expectedValueOf(key)), `${key} reads back whole`).toBe(true);
  };
  const keys = [
    ...outcome.acknowledged.map((key) => [key, true] as const),
    ...outcome.unanswered.map((key) => [key, false] as const),
  ];
  for (let i = 0; i < keys.length; i += 64) await Promise.all(keys.slice(i, i + 64).map(([key, acked]) => check(key, acked)));
  agent.destroy();
}

function expectNoRepairOrError(server: ServerProcess): void {
  const lines = server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'));
  const bad = lines.filter((line) => /"level":"(ERROR|FATAL|CRITICAL)"|repair|corrupt/i.test(line));
  expect(bad, server.output()).toEqual([]);
}

describe('crash consistency of the embedded store', () => {
  it.each([
    ['one process', 1],
    ['the cluster primary', 2],
  ] as const)('SIGKILL of %s under concurrent writes loses no acknowledged write and tears no value', async (_name, workers) => {
    let server = await serve(undefined, workers);
    const dataPath = dataPathOf(server);
    const all: WriteOutcome = { acknowledged: [], unanswered: [], hung: [] };
    for (let round = 0; round < rounds; round++) {
      const workerPids = childrenOf(server.child.pid ?? 0);
      const victim = server.child;
      let killAtRandom = () => {};
      const killed = new Promise<void>((resolve) => {
        killAtRandom = () =>
          setTimeout(() => {
            victim.kill('SIGKILL');
            resolve();
          }, randomDelayMs());
      });
      const outcome = await writeUntilStopped(server.origin, basePath, `r${round}`, connections, killed, killAtRandom);
      await killed;
      expect(outcome.hung, 'writes that got no answer at all').toEqual([]);
      // A primary's workers exit when it is gone (their IPC channel closes); none may hold the port.
      await reap(workerPids);
      all.acknowledged.push(...outcome.acknowledged);
      all.unanswered.push(...outcome.unanswered);
      server = await serve(dataPath, workers, server.port);
      expectNoRepairOrError(server);
      await expectDurable(server, all);
    }
    process.stderr.write(
      `[crash] ${workers} worker(s): ${rounds} kills, ${all.acknowledged.length} acknowledged writes, ${all.unanswered.length} unanswered\n`,
    );
  });

  it('SIGKILL of one worker loses no acknowledged write; the primary replaces it and the service goes on', async () => {
    const server = await serve(undefined, 2);
    const all: WriteOutcome = { acknowledged: [], unanswered: [], hung: [] };
    for (let round = 0; round < rounds; round++) {
      const [victim] = childrenOf(server.child.pid ?? 0);
      expect(victim).toBeDefined();
      let stopWriters = () => {};
      const stopped = new Promise<void>((resolve) => {
        stopWriters = resolve;
      });
      const killAtRandom = () => {
        const delay = randomDelayMs();
        setTimeout(() => process.kill(victim as number, 'SIGKILL'), delay);
        // The other worker's writers go on after the kill; they stop a moment later.
        setTimeout(stopWriters, delay + 500);
      };
      const outcome = await writeUntilStopped(server.origin, basePath, `w${round}`, connections, stopped, killAtRandom);
      expect(outcome.hung, 'writes that got no answer at all').toEqual([]);
      all.acknowledged.push(...outcome.acknowledged);
      all.unanswered.push(...outcome.unanswered);
      // NOTE: a worker killed before it listens stops the whole service (primary.ts: a start-up failure):
      // the next kill waits for the replacement to listen (two workers of the start, one per kill so far).
      await untilLogged(server, `Server listening at ${server.origin}`, 3 + round);
      expect(childrenOf(server.child.pid ?? 0)).toHaveLength(2);
      await expectDurable(server, all);
    }
    expect(server.child.exitCode).toBeNull();
    process.stderr.write(
      `[crash] worker kills: ${rounds}, ${all.acknowledged.length} acknowledged writes, ${all.unanswered.length} unanswered\n`,
    );
  });
});
