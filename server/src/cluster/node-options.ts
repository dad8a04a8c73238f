import type { Config } from '../config/load.js';

/** The `node` options every serving process runs with under `config`: V8's young generation, when it is set. */
export function servingNodeOptions(config: Pick<Config, 'v8_max_semi_space_mib'>): string[] {
  const mib = config.v8_max_semi_space_mib;
  return mib === undefined ? [] : [`--max-semi-space-size=${mib}`];
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
