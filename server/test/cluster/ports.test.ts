import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { childPids } from '../../../test-support/child-process.js';
import {
  configPathOf,
  freePort,
  removeServerDirectory,
  startServerIn,
  startServersStoppedAfterEach,
} from '../../../test-support/server-process.js';
import { until } from '../../../test-support/until.js';

const start = startServersStoppedAfterEach();

const cli = new URL('../../dist/cli.js', import.meta.url).pathname;

/** The niceness of each thread of process `pid` (field 19 of /proc/PID/task/TID/stat, after the command's parentheses). */
function threadNiceness(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((thread) => {
    const stat = readFileSync(`/proc/${pid}/task/${thread}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

/** The worker of `primary` whose every thread runs at `nice` (a worker serves one port, at that port's niceness). */
function workerAt(primary: number, nice: number): number | undefined {
  return childPids(primary).find((pid) => threadNiceness(pid).every((value) => value === nice));
}

/** A service of one worker a port: sessions on the top-level port, anonymous on a port of its own at nice 19. */
async function startWithAnonymousApart() {
  const ownPort = await freePort();
  const server = await start({
    workers: 1,
    namespaces: {
      sessions: { base_uri: '/sessions/v1/' },
      anonymous: { base_uri: '/anonymous/v1/', listen_port: ownPort, nice: 19 },
    },
  });
  return { server, ownPort };
}

describe('a namespace on a port of its own', () => {
  it('is served there alone, by processes of its own at its niceness, replaced as they die', async () => {
    const { server, ownPort } = await startWithAnonymousApart();
    const own = `http://127.0.0.1:${ownPort}`;
    const post = (url: string) => fetch(url, { method: 'POST', body: 'v' }).then((response) => response.status);
    expect(await post(`${server.origin}/sessions/v1/k`)).toBe(201);
    expect(await post(`${own}/anonymous/v1/k`)).toBe(201);
    // Each port routes its own namespaces only: a flood cannot reach the other's processes through it.
    expect(await post(`${server.origin}/anonymous/v1/k`)).toBe(404);
    expect(await post(`${own}/sessions/v1/k`)).toBe(404);
    // Each port's operational routes speak of its namespaces, ready, whatever the other port's processes hold.
    expect(await (await fetch(`${own}/readyz`)).json()).toEqual({ status: 'ready', namespaces: { anonymous: true } });
    expect(await (await fetch(`${server.origin}/readyz`)).json()).toEqual({ status: 'ready', namespaces: { sessions: true } });

    const primary = server.child.pid as number;
    expect(childPids(primary)).toHaveLength(2);
    const nice = workerAt(primary, 19) as number;
    expect(nice).toBeDefined();
    expect(workerAt(primary, 0)).toBeDefined();
    expect(threadNiceness(primary).every((value) => value === 0)).toBe(true);

    // The port's only worker gone, its socket closes until the replacement listens.
    process.kill(nice, 'SIGKILL');
    await until(async () => {
      const replacement = workerAt(primary, 19);
      if (replacement === undefined || replacement === nice) return false;
      return (await post(`${own}/anonymous/v1/again`).catch(() => 0)) === 201;
    });
    expect(await (await fetch(`${own}/anonymous/v1/k`)).text()).toBe('v');
    // Its store is an environment of its own: its writes never wait for the other port's write lock.
    const data = join(server.directory, 'data');
    expect(existsSync(join(data, 'anonymous', 'data.mdb'))).toBe(true);
    expect(server.output()).toContain(`"store":"the database anonymous of the embedded store in ${join(data, 'anonymous')}"`);
    const stats = spawnSync(process.execPath, [cli, 'stats', '--config', configPathOf(server)], { encoding: 'utf8' });
    expect(JSON.parse(stats.stdout).namespaces.anonymous).toMatchObject({ keys: 2 });
  });

  it('with one process, namespaces that all have a port of their own are served there', async () => {
    const [topLevel, ownPort] = [await freePort(), await freePort()];
    const directory = mkdtempSync(join(tmpdir(), 'kask-ts-'));
    const config = {
      listen_address: '127.0.0.1',
      listen_port: topLevel,
      workers: 1,
      embedded: { path: join(directory, 'data') },
      namespaces: { sessions: { base_uri: '/sessions/v1/', listen_port: ownPort, nice: 19 } },
    };
    // Ready once its namespaces' port answers: the top-level one is not listened on.
    const server = await startServerIn(directory, stringify(config), ownPort, '/sessions/v1/');
    try {
      expect((await fetch(`${server.baseUrl}k`, { method: 'POST', body: 'v' })).status).toBe(201);
      await expect(fetch(`http://127.0.0.1:${topLevel}/healthz`)).rejects.toThrow();
      expect(childPids(server.child.pid as number)).toEqual([]);
      expect(threadNiceness(server.child.pid as number).every((value) => value === 19)).toBe(true);
    } finally {
      await server.stop();
      removeServerDirectory(server);
    }
  });

  it("a port's readiness is its own processes': one hung on another port does not make it unready", async () => {
    const { server } = await startWithAnonymousApart();
    const hung = workerAt(server.child.pid as number, 19) as number;
    process.kill(hung, 'SIGSTOP');
    try {
      const ready = await fetch(`${server.origin}/readyz`, { signal: AbortSignal.timeout(3000) });
      expect(await ready.json()).toEqual({ status: 'ready', namespaces: { sessions: true } });
    } finally {
      process.kill(hung, 'SIGCONT');
    }
  });

  it("the niceness is added to the service's own, up to 19", () => {
    const portGroups = new URL('../../dist/cluster/port-groups.js', import.meta.url).href;
    const niceAfter = (added: number) =>
      execFileSync(
        'nice',
        [
          '-n',
          '5',
          process.execPath,
          '--input-type=module',
          '-e',
          `import { beNice } from '${portGroups}';
import { getPriority } from 'node:os';
beNice(${added});
console.log(getPriority());`,
        ],
        { encoding: 'utf8' },
      ).trim();
    expect(niceAfter(10)).toBe('15');
    expect(niceAfter(19)).toBe('19');
  });
});
