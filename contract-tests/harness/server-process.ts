import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from './free-port.js';

export { freePort };

const cli = fileURLToPath(new URL('../../server/dist/cli.js', import.meta.url));
const startDeadlineMs = 30000;
const stopDeadlineMs = 20000;

/** A kask-ts server in a child process, as an operator runs it. */
export interface ServerProcess {
  readonly baseUrl: string;
  readonly origin: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly directory: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then waits for the exit code (SIGKILL after a deadline). */
  stop(): Promise<number | null>;
}

/** Spawns the CLI with `args`, collecting its output; for tests of start-up behaviour. */
export function spawnCli(
  args: string[],
  cwd?: string,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

async function waitUntilHealthy(origin: string, exited: Promise<number | null>, output: () => string): Promise<void> {
  const deadline = Date.now() + startDeadlineMs;
  let exitCode: number | null | undefined;
  exited.then((code) => {
    exitCode = code;
  });
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`kask-ts exited with ${exitCode} during start-up:\n${output()}`);
    try {
      const response = await fetch(`${origin}/healthz`);
      if (response.status === 200) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`kask-ts did not answer /healthz within ${startDeadlineMs} ms:\n${output()}`);
}

/**
 * Starts kask-ts with `config` (Kask's YAML keys; listen address, port and an embedded path in a fresh
 * directory are filled in unless given) and waits until it answers.
 */
export async function startServer(config: Record<string, unknown> = {}): Promise<ServerProcess> {
  const directory = mkdtempSync(join(tmpdir(), 'kask-ts-'));
  const port = (config.listen_port as number | undefined) ?? (await freePort());
  const full = {
    listen_address: '127.0.0.1',
    listen_port: port,
    base_uri: '/sessions/v1/',
    ...config,
    embedded: { path: join(directory, 'data'), ...(config.embedded as object | undefined) },
  };
  return startServerIn(directory, stringify(full), port, full.base_uri);
}

/**
 * Starts the CLI on the configuration file `configText`, written as config.yaml in `directory`, which is also
 * the process's working directory (where relative paths in the file lead); `port` and `baseUri` are the file's.
 */
export async function startServerIn(
  directory: string,
  configText: string,
  port: number,
  baseUri: string,
): Promise<ServerProcess> {
  const configPath = join(directory, 'config.yaml');
  writeFileSync(configPath, configText);
  const { child, output, exited } = spawnCli(['--config', configPath], directory);
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitUntilHealthy(origin, exited, output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    baseUrl: `${origin}${baseUri}`,
    origin,
    port,
    child,
    directory,
    output,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const killer = setTimeout(() => child.kill('SIGKILL'), stopDeadlineMs);
      child.kill('SIGTERM');
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}

/** Removes a server's directory once it has stopped. */
export function removeServerDirectory(server: ServerProcess): void {
  rmSync(server.directory, { recursive: true, force: true });
}

/** The configuration file a server was started with, for tests that restart it. */
export function configPathOf(server: ServerProcess): string {
  return join(server.directory, 'config.yaml');
}

/**
 * POSTs to `key` in two halves with SIGTERM sent to the server between them, so that the request is in
 * flight while the server shuts down; resolves with the status it got.
 */
export function postAcrossSigterm(server: ServerProcess, key: string): Promise<number> {
  const url = new URL(`${server.baseUrl}${key}`);
  return new Promise<number>((resolve, reject) => {
    const post = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST' }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    post.on('error', reject);
    post.write('first half, ');
    setTimeout(() => {
      server.child.kill('SIGTERM');
      setTimeout(() => post.end('second half'), 300);
    }, 200);
  });
}

/** For a test file: a `start` that starts a server, each stopped (and its directory removed) after its test. */
export function startServersStoppedAfterEach(): (config?: Record<string, unknown>) => Promise<ServerProcess> {
  const started: ServerProcess[] = [];
  afterEach(async () => {
    for (const server of started.splice(0)) {
      await server.stop();
      removeServerDirectory(server);
    }
  });
  return async (config = {}) => {
    const server = await startServer(config);
    started.push(server);
    return server;
  };
}
