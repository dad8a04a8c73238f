import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { stringify } from 'yaml';
import { answers200, type StartedProcess, startProcess, waitUntilReady } from './child-process.js';
import { freePort } from './free-port.js';
import { until } from './until.js';

export { freePort };

const cli = fileURLToPath(new URL('../server/dist/cli.js', import.meta.url));

/** A kask-ts server in a child process, as an operator runs it. */
export interface ServerProcess extends StartedProcess {
  readonly baseUrl: string;
  readonly origin: string;
  readonly port: number;
  readonly directory: string;
}

/** Spawns the CLI with `args` in `cwd`, collecting its output; for tests of start-up behaviour and of its commands. */
export function spawnCli(
  args: readonly string[],
  cwd?: string,
  env?: NodeJS.ProcessEnv,
  prefix: readonly string[] = [],
): StartedProcess {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  const [command, ...rest] = [...prefix, process.execPath, cli, ...args] as [string, ...string[]];
  return startProcess(command, rest, {
    ...(cwd === undefined ? {} : { cwd }),
    ...(env === undefined ? {} : { env }),
  });
}

/** How a test server's process is started: its environment (the test's own by default). */
export interface ServerStart {
  readonly env?: NodeJS.ProcessEnv;
  /** A command that runs the server (`ip netns exec NAME`: in a network namespace); it must exec it, keeping its pid. */
  readonly prefix?: readonly string[];
}

/**
 * Whether every process of the service is serving: the primary says so once all its workers listen (/healthz
 * answers as soon as one does, and a worker that dies before it listens stops the service), or the only
 * process is serving.
 */
function everyProcessServing(output: string): boolean {
  return output
    .split('\n')
    .some(
      (line) =>
        line.includes('"msg":"every worker is serving"') ||
        (line.includes('"msg":"serving sessions"') && !line.includes('"worker":')),
    );
}

/**
 * Starts kask-ts with `config` (Kask's YAML keys; listen address, port, an embedded path in a fresh directory
 * and, without namespaces, base_uri /sessions/v1/ are filled in unless given) and waits until it answers.
 */
export async function startServer(config: Record<string, unknown> = {}, start: ServerStart = {}): Promise<ServerProcess> {
  const directory = mkdtempSync(join(tmpdir(), 'kask-ts-'));
  const port = (config.listen_port as number | undefined) ?? (await freePort());
  const namespaces = config.namespaces as Record<string, { base_uri: string }> | undefined;
  const full = {
    listen_address: '127.0.0.1',
    listen_port: port,
    ...(namespaces === undefined ? { base_uri: '/sessions/v1/' } : {}),
    ...config,
    embedded: { path: join(directory, 'data'), ...(config.embedded as object | undefined) },
  };
  // With namespaces, baseUrl is the first one's.
  const baseUri = namespaces === undefined ? (full.base_uri as string) : (Object.values(namespaces)[0]?.base_uri ?? '/');
  const https = (config.tls as { cert?: string } | undefined)?.cert !== undefined;
  return startServerIn(directory, stringify(full), port, baseUri, https ? 'https' : 'http', start, full.listen_address as string);
}

/**
 * Starts the CLI on the configuration file `configText`, written as config.yaml in `directory`, which is also
 * the process's working directory (where relative paths in the file lead); `port` and `baseUri` are the file's,
 * and `scheme` https when it turns TLS on.
 */
export async function startServerIn(
  directory: string,
  configText: string,
  port: number,
  baseUri: string,
  scheme: 'http' | 'https' = 'http',
  start: ServerStart = {},
  host = '127.0.0.1',
): Promise<ServerProcess> {
  const configPath = join(directory, 'config.yaml');
  writeFileSync(configPath, configText);
  const started = spawnCli(['--config', configPath], directory, start.env, start.prefix);
  const origin = `${scheme}://${host}:${port}`;
  // fetch takes no CA nor client certificate: an HTTPS server is ready once its processes say they serve.
  await waitUntilReady(
    started,
    'kask-ts',
    async () => (scheme === 'https' || (await answers200(`${origin}/healthz`))) && everyProcessServing(started.output()),
  );
  return { ...started, baseUrl: `${origin}${baseUri}`, origin, port, directory };
}

/**
 * Waits until the server's /readyz answers 200, every namespace's storage answering: a server on Cassandra listens
 * (and answers 503) before its session is up, so a test's first request must not race it.
 */
export function untilStorageAnswers(server: { readonly origin: string }, deadlineMs = 30_000): Promise<void> {
  return until(
    () =>
      fetch(`${server.origin}/readyz`, { signal: AbortSignal.timeout(5_000) }).then(
        (response) => response.status === 200,
        () => false,
      ),
    deadlineMs,
  );
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
export function startServersStoppedAfterEach(): (
  config?: Record<string, unknown>,
  start?: ServerStart,
) => Promise<ServerProcess> {
  const started: ServerProcess[] = [];
  afterEach(async () => {
    for (const server of started.splice(0)) {
      await server.stop();
      removeServerDirectory(server);
    }
  });
  return async (config = {}, start = {}) => {
    const server = await startServer(config, start);
    started.push(server);
    return server;
  };
}

/** Runs a CLI command to its end (`kask-ts schema ...`), failing with its output when it does not exit 0. */
export async function runCli(args: readonly string[]): Promise<string> {
  const started = spawnCli(args);
  const code = await started.exited;
  if (code !== 0) throw new Error(`kask-ts ${args.join(' ')} exited with ${code}:\n${started.output()}`);
  return started.output();
}

/**
 * Creates the keyspace and tables of a `cassandra:` configuration block (with `namespaces`, when given: their
 * tables) as an operator does: `kask-ts schema --apply`.
 */
export async function applySchemaWithCli(
  cassandra: Record<string, unknown>,
  replication: string,
  namespaces?: Record<string, unknown>,
): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'kask-ts-schema-'));
  try {
    const configPath = join(directory, 'config.yaml');
    writeFileSync(configPath, stringify(namespaces === undefined ? { cassandra } : { cassandra, namespaces }));
    await runCli(['schema', '--config', configPath, '--replication', replication, '--apply']);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
