#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { readBuildInfo } from './build-info.js';
import { ConfigError, loadConfig } from './config.js';
import { runService } from './main.js';

const usage = `Usage: kask-ts [--config FILE]

A session store wire-compatible with Wikimedia's Kask.

Options:
  --config FILE  Kask's YAML configuration file (plus kask-ts keys; see README.md).
                 Without it: the embedded store in ./data on localhost:8081 under /sessions/v1/.
  --help         Print this help.
  --version      Print the version.
`;

async function main(argv: string[]): Promise<number> {
  let values: { config?: string; help?: boolean; version?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, help: { type: 'boolean' }, version: { type: 'boolean' } },
    }));
  } catch (error) {
    process.stderr.write(`kask-ts: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`kask-ts ${readBuildInfo().version}\n`);
    return 0;
  }
  try {
    await runService(loadConfig(values.config));
  } catch (error) {
    if (error instanceof ConfigError) {
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
