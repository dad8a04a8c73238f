import type { Config } from '../config/load.js';

const semiSpaceOption = '--max-semi-space-size';

/**
 * The `node` options every serving process runs with under `config`: V8's young generation, unless it is left to V8
 * or the process was started with its own size (`execArgv`, `nodeOptions`: its command line's and NODE_OPTIONS').
 */
// NOTE: on Node.js 24, V8 sizes the young generation from the heap limit: up to 128 MiB where that is 4 GiB. At 1,000
// requests/s on Cassandra a process's RSS grew to 197-241 MiB by default, 137 MiB with 8 MiB semi-spaces, its p99
// within the rounds' noise (docs/benchmarks.md).
export function servingNodeOptions(
  config: Pick<Config, 'v8_max_semi_space_mib'>,
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): string[] {
  const mib = config.v8_max_semi_space_mib;
  // V8 takes `--max_semi_space_size` and `--max-semi-space-size`, with `=` or before its value.
  const ownSize = [...execArgv, ...nodeOptions.split(/\s+/)].some(
    (option) => option.split('=')[0]?.replaceAll('_', '-') === semiSpaceOption,
  );
  return mib === 0 || ownSize ? [] : [`${semiSpaceOption}=${mib}`];
}

/** Those of `options` that a process started with `execArgv` lacks. */
export function missingNodeOptions(options: readonly string[], execArgv: readonly string[] = process.execArgv): string[] {
  return options.filter((option) => !execArgv.includes(option));
}

/**
 * Replaces this process (the same pid, so that a service manager keeps it) with itself started with `options` added
 * to its own `node` options, unless it has them already. Returns false when the runtime cannot (process.execve came
 * in Node 23.11): the process goes on without them.
 */
// NOTE: V8 sizes its heap when the process starts: v8.setFlagsFromString('--max-semi-space-size=2') later leaves the
// young generation at its default size (measured on Node 24: 32 MiB either way, 4 MiB with the flag at start).
export function restartWithNodeOptions(options: readonly string[]): boolean {
  const missing = missingNodeOptions(options);
  if (missing.length === 0) return true;
  if (process.execve === undefined) return false;
  return process.execve(process.execPath, [process.execPath, ...process.execArgv, ...missing, ...process.argv.slice(1)]);
}
