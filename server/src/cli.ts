#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { readBuildInfo } from './build-info.js';
import { ConfigError, loadConfig } from './config.js';
import { runService } from './main.js';
import { applySchema, parseReplication, schemaCql } from './storage/cassandra-schema.js';
import { cassandraOptionsFrom } from './storage/open.js';

const usage = `Usage: kask-ts [--config FILE]
       kask-ts schema [--config FILE] --replication DC=N[,DC=N...] [--apply]

A session store wire-compatible with Wikimedia's Kask.

Commands:
  (none)         Serve sessions.
  schema         Print the CQL that creates the Cassandra keyspace (NetworkTopologyStrategy with the
                 given replicas per data centre) and Kask's table named by the configuration; with
                 --apply, run it against the configured cluster. The server never creates schema itself.

Options:
  --config FILE        Kask's YAML configuration file (plus kask-ts keys; see README.md).
                       Without it: the embedded store in ./data on localhost:8081 under /sessions/v1/.
  --replication LIST   schema: replicas per data centre, e.g. dc1=3,dc2=3.
  --apply              schema: create the keyspace and table (existing ones are left as they are).
  --help               Print this help.
  --version            Print the version.
`;

const options = {
  config: { type: 'string' },
  replication: { type: 'string' },
  apply: { type: 'boolean' },
  help: { type: 'boolean' },
  version: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

async function schema(values: Values): Promise<number> {
  if (values.replication === undefined) throw new ConfigError('schema needs --replication, e.g. --replication dc1=3,dc2=3');
  const config = loadConfig(values.config);
  const replication = parseReplication(values.replication);
  const target = { keyspace: config.cassandra.keyspace, table: config.cassandra.table, replication };
  for (const statement of schemaCql(target)) process.stdout.write(`${statement};\n`);
  if (values.apply) {
    await applySchema(cassandraOptionsFrom(config), target);
    process.stderr.write(`kask-ts: schema applied to ${config.cassandra.hosts.join(', ')}\n`);
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true });
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
  if (rest.length > 0 || (command !== undefined && command !== 'schema')) {
    process.stderr.write(`kask-ts: unknown command '${positionals.join(' ')}'\n\n${usage}`);
    return 2;
  }
  try {
    if (command === 'schema') return await schema(values);
    await runService(loadConfig(values.config));
  } catch (error) {
    if (error instanceof ConfigError || error instanceof RangeError) {
      process.stderr.write(`kask-ts: configuration error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  return 0;
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
