import { createInterface } from 'node:readline/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { readBuildInfo } from './build-info.js';
import { loadConfig } from './config/load.js';
import { runService } from './main.js';
import { runtimeFault } from './runtime.js';
import { prepareService } from './start-up.js';
import { connectionOf, schemaStatements } from './storage/cassandra/backend.js';
import { applyStatements, parseReplication } from './storage/cassandra/schema.js';
import { censusReport } from './storage/census.js';
import { configuredBackend } from './storage/registry.js';
import { ConfigError } from './validation/rules.js';

const usage = `Usage: kask-ts [--config FILE]
       kask-ts schema [--config FILE] --replication DC=N[,DC=N...] [--apply]
       kask-ts truncate --namespace NAME --config FILE [--yes]
       kask-ts stats --config FILE [--seconds N]

A session store wire-compatible with Wikimedia's Kask.

Commands:
  (none)         Serve sessions.
  schema         Print the CQL that creates the Cassandra keyspace (NetworkTopologyStrategy with the
                 given replicas per data centre) and the table of every namespace of the configuration
                 (Kask's table without namespaces); with --apply, run it against the configured cluster.
                 The server never creates schema itself.
  truncate       Remove every value of one namespace: TRUNCATE of its Cassandra table (every node must
                 be up), or the removal of every record of its embedded database. Asks for the
                 namespace's name to confirm, unless --yes.
  stats          Print, as JSON, what each namespace holds: keys, bytes (keys and values), bytes
                 written per second (over --seconds), the share of each quota in use, and the free
                 space of the store's filesystem; never a key. On Cassandra, keys and bytes are its
                 size estimates ("estimated": true), and the bytes written and the filesystem null.

Options:
  --config FILE        Kask's YAML configuration file (plus kask-ts keys; see docs/operators/configuration.md).
                       Without it: the embedded store in ./data on localhost:8081 under /sessions/v1/.
  --replication LIST   schema: replicas per data centre, e.g. dc1=3,dc2=3.
  --apply              schema: create the keyspace and tables (existing ones are left as they are).
  --namespace NAME     truncate: the namespace to empty (\`default\` in a file without namespaces).
  --yes                truncate: do not ask for confirmation.
  --seconds N          stats: the seconds over which bytes written per second are measured (default 1).
  --help               Print this help.
  --version            Print the version.
`;

const options = {
  config: { type: 'string' },
  replication: { type: 'string' },
  apply: { type: 'boolean' },
  namespace: { type: 'string' },
  yes: { type: 'boolean' },
  seconds: { type: 'string' },
  help: { type: 'boolean' },
  version: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

async function schema(values: Values): Promise<number> {
  if (values.replication === undefined) throw new ConfigError('schema needs --replication, e.g. --replication dc1=3,dc2=3');
  const config = loadConfig(values.config);
  let statements: string[];
  try {
    statements = schemaStatements(config.cassandra, config.namespaces, parseReplication(values.replication));
  } catch (error) {
    // --replication that names no data centre, or not a whole number of replicas: the command line is wrong.
    if (error instanceof RangeError) throw new ConfigError(error.message);
    throw error;
  }
  for (const statement of statements) process.stdout.write(`${statement};\n`);
  if (values.apply) {
    await applyStatements(connectionOf(config.cassandra), statements);
    process.stderr.write(`kask-ts: schema applied to ${config.cassandra.hosts.join(', ')}\n`);
  }
  return 0;
}

/** Whoever runs the command types the namespace's name to confirm; anything else (or no input) declines. */
async function confirmed(question: string, name: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await Promise.race([
      prompt.question(question),
      new Promise<string>((resolve) => prompt.once('close', () => resolve(''))),
    ]);
    return answer.trim() === name;
  } finally {
    prompt.close();
  }
}

async function truncate(values: Values): Promise<number> {
  if (values.namespace === undefined || values.config === undefined) {
    throw new ConfigError('truncate needs --namespace NAME and --config FILE');
  }
  const config = loadConfig(values.config);
  const name = values.namespace;
  const namespace = config.namespaces.find((candidate) => candidate.name === name);
  if (namespace === undefined) {
    const known = config.namespaces.map((candidate) => candidate.name).join(', ');
    throw new ConfigError(`truncate: ${values.config} has no namespace ${name} (it has ${known})`);
  }
  const backend = configuredBackend(config);
  const where = backend.describe(namespace);
  if (
    !values.yes &&
    !(await confirmed(`Remove every value of the namespace ${name}, in ${where}? Type ${name} to confirm: `, name))
  ) {
    process.stderr.write('kask-ts: not confirmed; nothing was removed\n');
    return 1;
  }
  await backend.truncate(namespace);
  process.stderr.write(`kask-ts: namespace ${name} truncated (${where})\n`);
  return 0;
}

async function stats(values: Values): Promise<number> {
  if (values.config === undefined) throw new ConfigError('stats needs --config FILE');
  const seconds = Number(values.seconds ?? '1');
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new ConfigError('stats: --seconds must be a number of seconds above 0, at most 3600');
  }
  const config = loadConfig(values.config);
  const backend = configuredBackend(config);
  const first = await backend.census(config.namespaces);
  await sleep(seconds * 1000);
  const second = await backend.census(config.namespaces);
  const namespaces = config.namespaces.map((namespace, i) => [
    namespace.name,
    censusReport(first[i], second[i], seconds, namespace.quota),
  ]);
  process.stdout.write(`${JSON.stringify({ backend: backend.name, namespaces: Object.fromEntries(namespaces) }, null, 2)}\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  let parsed: { values: Values; positionals: string[] };
  try {
    const { tokens, ...result } = parseArgs({ args: argv, options, allowPositionals: true, tokens: true });
    parsed = result;
    // parseArgs keeps the last of a repeated option: `truncate --namespace a --namespace b` would empty b.
    const seen = new Set<string>();
    for (const token of tokens) {
      if (token.kind !== 'option') continue;
      if (seen.has(token.name)) throw new Error(`--${token.name} is given more than once`);
      seen.add(token.name);
    }
  } catch (error) {
    process.stderr.write(`kask-ts: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`kask-ts ${readBuildInfo().version}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (rest.length > 0 || (command !== undefined && !['schema', 'truncate', 'stats'].includes(command))) {
    process.stderr.write(`kask-ts: unknown command '${positionals.join(' ')}'\n\n${usage}`);
    return 2;
  }
  try {
    if (command === 'schema') return await schema(values);
    if (command === 'truncate') return await truncate(values);
    if (command === 'stats') return await stats(values);
    await runService(prepareService(loadConfig(values.config)));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`kask-ts: configuration error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  return 0;
}

// A reader that stops early (`kask-ts schema | head -1`) closes the pipe: the rest of the output is dropped, the
// command still does its work (schema --apply still applies), and its exit status says how that went. Node ignores
// SIGPIPE, so without this the write's EPIPE was an uncaught 'error' event and a stack trace. The server's log
// goes to process.stdout too (main.ts): once its reader has gone, log lines are dropped and the server serves on.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

const fault = runtimeFault(process.version);
if (fault !== undefined) {
  process.stderr.write(`kask-ts: ${fault}\n`);
  process.exit(1);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`kask-ts: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
