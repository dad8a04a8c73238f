// `npm run bench:access`: what client authorization costs. kask-ts on the embedded store over TLS, without and
// with `clients:`, the client identified as behind Wikimedia's Envoy sidecar (a trusted proxy on loopback
// forwarding X-Forwarded-Client-Cert: wrk cannot present a client certificate), measured side by side in one
// run: rounds alternate between the two servers, and each row is the median of its rounds.

import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createTestAuthority } from '../../test-support/certificates.js';
import { freePort } from '../../test-support/free-port.js';
import { runCommand } from './command.js';
import { undoneOnInterruption } from './interruptions.js';
import { type OptionValues, parseValues, positive } from './options.js';
import { repoRoot } from './paths.js';
import { type StartedProcess, spawnNode } from './processes.js';
import { alternatingRounds, type Round, summary, wrkRound } from './rounds.js';
import { temporaryDirectory } from './temporary-directory.js';
import { sessionKey, sessionValue, workloadNamed } from './workloads.js';
import { ensureWrk } from './wrk.js';

const usage = `Usage: npm run bench:access -- [options]

kask-ts embedded over TLS, without and with clients: (identity in X-Forwarded-Client-Cert from a trusted proxy on
loopback), on the mix; rounds alternate between them; prints each one's median req/s and latency, and the loss.
  --duration SECONDS   length of each round          (10)
  --rounds N           rounds of each server         (3)
  --connections N      wrk connections               (64)
  --keys N             keys stored before the runs   (10000)
  --help
`;

interface AccessOptions {
  readonly seconds: number;
  readonly rounds: number;
  readonly connections: number;
  readonly keys: number;
}

function parse(argv: readonly string[]): AccessOptions | 'help' {
  const values: OptionValues = parseValues(argv, { rounds: { type: 'string' }, connections: { type: 'string' } });
  if (values.help) return 'help';
  const value = (name: string, fallback: string) => (values[name] as string | undefined) ?? fallback;
  return {
    seconds: positive('--duration', value('duration', '10')),
    rounds: positive('--rounds', value('rounds', '3')),
    connections: positive('--connections', value('connections', '64')),
    keys: positive('--keys', value('keys', '10000')),
  };
}

const workload = workloadNamed('mix');
const client = 'bench-client';
const forwarded: readonly [string, string] = ['X-Forwarded-Client-Cert', `By=spiffe://envoy;Subject="CN=${client}"`];

interface Server {
  readonly name: string;
  readonly origin: string;
  readonly header: readonly [string, string] | undefined;
  readonly process: StartedProcess;
}

/** One HTTPS request with the CA and `header`; resolves with the status. */
function send(url: string, ca: Buffer, method: string, header: Server['header'], body?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = header === undefined ? {} : { [header[0]]: header[1] };
    const sent = request(url, { method, ca, headers, agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

async function start(name: string, directory: string, tls: object, access: object, ca: Buffer): Promise<Server> {
  const port = await freePort();
  const configPath = join(directory, `${name}.yaml`);
  const config = {
    listen_address: '127.0.0.1',
    listen_port: port,
    base_uri: '/sessions/v1/',
    log_level: 'warning',
    workers: 1,
    embedded: { path: join(directory, `${name}-data`) },
    tls,
    ...access,
  };
  writeFileSync(configPath, stringify(config));
  const process = spawnNode([join(repoRoot, 'server/dist/cli.js'), '--config', configPath]);
  const origin = `https://127.0.0.1:${port}`;
  // Both servers get the same bytes: the one without clients ignores the header, so only the check differs.
  const header = forwarded;
  const deadline = Date.now() + 30_000;
  while ((await send(`${origin}/readyz`, ca, 'GET', undefined).catch(() => 0)) !== 200) {
    if (process.hasExited() || Date.now() > deadline) throw new Error(`${name} did not start:\n${process.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { name, origin, header, process };
}

async function populate(server: Server, ca: Buffer, keys: number): Promise<void> {
  const value = sessionValue(workload.valueBytes);
  for (let next = 0; next < keys; next += 32) {
    const batch = Array.from({ length: Math.min(32, keys - next) }, (_, i) =>
      send(`${server.origin}/sessions/v1/${sessionKey(next + i, workload.keyBytes)}`, ca, 'POST', server.header, value),
    );
    const statuses = await Promise.all(batch);
    if (statuses.some((status) => status !== 201)) throw new Error(`${server.name}: storing keys answered ${statuses}`);
  }
}

runCommand('bench:access', usage, parse, async (options) => {
  ensureWrk(true);
  const temporary = temporaryDirectory('kask-bench-access-');
  const directory = temporary.path;
  const pki = createTestAuthority('bench CA');
  const removePki = undoneOnInterruption(() => pki.remove());
  const servers: Server[] = [];
  try {
    const { cert, key } = pki.server();
    const ca = readFileSync(pki.caFile);
    const tls = { cert, key };
    servers.push(await start('TLS', directory, tls, {}, ca));
    servers.push(
      await start(
        'TLS, clients, identity from a trusted proxy',
        directory,
        tls,
        { trusted_proxy: ['127.0.0.1'], clients: { [client]: { default: ['read', 'write', 'delete'] } } },
        ca,
      ),
    );
    for (const server of servers) await populate(server, ca, options.keys);
    const drive = (server: Server, seconds: number): Promise<Round> =>
      wrkRound(server.process.pid, {
        origin: server.origin,
        basePath: '/sessions/v1/',
        workload,
        keys: options.keys,
        connections: options.connections,
        threads: 1,
        seconds,
        ...(server.header === undefined ? {} : { header: server.header }),
      });
    for (const server of servers) await drive(server, 2);
    const results = await alternatingRounds('bench:access', servers, options.rounds, (server) => drive(server, options.seconds));
    const rows = servers.map((server) => {
      const runs = results.get(server) ?? [];
      return { name: server.name, ...summary(runs, workload), each: runs.map((run) => Math.round(run.rps)).join(', ') };
    });
    const lines = [
      `mix (${workload.description}), ${options.connections} connections, ${options.rounds} rounds of ${options.seconds} s each, medians`,
      '',
      '| kask-ts embedded | req/s | server CPU µs/req | p50 ms | p99 ms | unexpected statuses / errors | req/s of each round |',
      '|---|---|---|---|---|---|---|',
      ...rows.map(
        (row) =>
          `| ${row.name} | ${Math.round(row.rps)} | ${Math.round(row.cpuMicros)} | ${row.p50Ms.toFixed(2)} | ${row.p99Ms.toFixed(2)} | ${row.unexpected} | ${row.each} |`,
      ),
      '',
      `req/s lost to client authorization: ${(100 * (1 - (rows[1]?.rps ?? 0) / (rows[0]?.rps ?? 1))).toFixed(1)}%; server CPU per request added: ${(100 * ((rows[1]?.cpuMicros ?? 0) / (rows[0]?.cpuMicros ?? 1) - 1)).toFixed(1)}%`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
    return rows.some((row) => row.unexpected > 0) ? 1 : 0;
  } finally {
    await Promise.all(servers.map((server) => server.process.stop()));
    removePki();
    temporary.remove();
  }
});
