import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { BackendName } from '../../server/src/storage/registry.js';
import { freePort } from '../../test-support/free-port.js';
import { isLoopback, pidListeningOn } from './listener-pid.js';
import { benchSource, repoRoot } from './paths.js';
import { type StartedProcess, spawnNode, waitUntilAnswering } from './processes.js';
import { temporaryDirectory } from './temporary-directory.js';
import type { Workload } from './workloads.js';

/** The storage a target serves from (a name of the server's storage registry); its storage ceiling has the same name. */
export type Backend = BackendName;

/** A server being measured, up and answering. */
export interface RunningTarget {
  /** `http://ADDRESS:PORT`. */
  readonly origin: string;
  /** The session route's prefix, e.g. `/sessions/v1/`. */
  readonly basePath: string;
  /** The process (tree) whose memory and CPU are sampled; `undefined` for a server the benchmark did not start. */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** Something `wrk` can drive: the HTTP ceiling, kask-ts on a backend, or any Kask-compatible URL. */
export interface HttpTarget {
  /** The row's name in the table. */
  readonly name: string;
  /** `ceiling`: the bare fastify route the servers are compared with. */
  readonly role: 'ceiling' | 'server';
  /** The backend whose storage ceiling this target is compared with, if the benchmark knows it. */
  readonly backend: Backend | undefined;
  /** Starts (or reaches) the server for `workload` with `workers` processes. */
  start(workload: Workload, workers: number): Promise<RunningTarget>;
}

function stopper(started: StartedProcess, directory?: { readonly remove: () => void }): () => Promise<void> {
  return async () => {
    await started.stop();
    directory?.remove();
  };
}

/** The HTTP ceiling: bench/src/ceiling-server.mjs, fastify answering the workload's bytes and nothing else. */
export function fastifyCeiling(
  options: { readonly nodeOptions?: readonly string[]; readonly listenAddress?: string } = {},
): HttpTarget {
  return {
    name: 'fastify ceiling',
    role: 'ceiling',
    backend: undefined,
    async start(workload, workers) {
      const address = options.listenAddress ?? '127.0.0.1';
      const port = await freePort(address);
      const basePath = '/sessions/v1/';
      const started = spawnNode([
        ...(options.nodeOptions ?? []),
        benchSource('src/ceiling-server.mjs'),
        ...['--port', String(port), '--base-path', basePath, '--value-bytes', String(workload.valueBytes)],
        ...['--workers', String(workers), '--host', address],
      ]);
      const origin = `http://${address}:${port}`;
      await waitUntilAnswering(`${origin}/healthz`, started);
      return { origin, basePath, pid: started.pid, stop: stopper(started) };
    },
  };
}

/** Where the Cassandra target's node is and which keyspace and table the benchmark may fill. */
export interface CassandraLocation {
  readonly host: string;
  readonly port: number;
  readonly dataCentre: string;
  readonly keyspace: string;
  readonly table: string;
}

/** Options of kask-ts targets. */
export interface KaskTargetOptions {
  /** `node` options for the server process, e.g. `--cpu-prof`. */
  readonly nodeOptions?: readonly string[];
  /** Environment variables the server gets on top of the benchmark's, e.g. MALLOC_ARENA_MAX. */
  readonly env?: Readonly<Record<string, string>>;
  /** Said after the name in the table, to tell apart targets of the same backend started differently. */
  readonly label?: string;
  readonly cassandra?: CassandraLocation;
  /** Where the server listens (a loopback address); 127.0.0.1 by default. */
  readonly listenAddress?: string;
}

/**
 * The configuration's storage keys for `backend`: `storage:` and its section (the embedded store's files in
 * `directory`, Cassandra where `cassandra` says). The servers and the storage ceilings are configured alike.
 */
export function storageSection(backend: Backend, directory: string, cassandra?: CassandraLocation): Record<string, unknown> {
  if (backend === 'embedded') return { storage: 'embedded', embedded: { path: join(directory, 'data') } };
  return {
    storage: 'cassandra',
    cassandra: {
      hosts: [cassandra?.host ?? '127.0.0.1'],
      port: cassandra?.port ?? 9042,
      keyspace: cassandra?.keyspace ?? 'kask_bench',
      table: cassandra?.table ?? 'values',
      local_dc: cassandra?.dataCentre ?? 'datacenter1',
    },
  };
}

/** kask-ts (server/dist/cli.js) on `backend`, in a fresh temporary directory per start. */
export function kaskTarget(backend: Backend, options: KaskTargetOptions = {}): HttpTarget {
  return {
    name: options.label === undefined ? `kask-ts ${backend}` : `kask-ts ${backend} (${options.label})`,
    role: 'server',
    backend,
    async start(_workload, workers) {
      const directory = temporaryDirectory('kask-bench-');
      const address = options.listenAddress ?? '127.0.0.1';
      const port = await freePort(address);
      const basePath = '/sessions/v1/';
      const config = {
        listen_address: address,
        listen_port: port,
        base_uri: basePath,
        log_level: 'warning',
        workers,
        ...storageSection(backend, directory.path, options.cassandra),
      };
      const configPath = join(directory.path, 'config.yaml');
      writeFileSync(configPath, stringify(config));
      const started = spawnNode([...(options.nodeOptions ?? []), join(repoRoot, 'server/dist/cli.js'), '--config', configPath], {
        ...process.env,
        ...options.env,
      });
      const origin = `http://${address}:${port}`;
      try {
        await waitUntilAnswering(`${origin}/readyz`, started);
      } catch (error) {
        directory.remove();
        throw error;
      }
      return { origin, basePath, pid: started.pid, stop: stopper(started, directory) };
    },
  };
}

/** Any Kask-compatible server, given by the URL of its session route (e.g. `http://127.0.0.1:8080/v1/`). */
export function urlTarget(url: string): HttpTarget {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new RangeError(`--url ${url}: not an http(s) URL`);
  const basePath = parsed.pathname.endsWith('/') ? parsed.pathname : `${parsed.pathname}/`;
  return {
    name: parsed.href,
    role: 'server',
    backend: undefined,
    async start() {
      // A server on loopback is measured like kask-ts (CPU, memory, instructions), by the port it listens on.
      const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
      const pid = isLoopback(parsed.hostname) ? pidListeningOn(parsed.hostname, port) : undefined;
      return { origin: parsed.origin, basePath, pid, async stop() {} };
    },
  };
}
