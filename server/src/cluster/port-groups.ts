import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { Config } from '../config/load.js';
import type { NamespaceConfig } from '../config/namespaces.js';

// A namespace on a port of its own is served by processes of its own, so that the kernel, not the event loop,
// shares the cores between its requests and the others': one event loop serves its requests in the order they
// come, and a flood of anonymous writes queued ahead of an authenticated read delays it, limits or not (a refusal
// costs a request's parse and answer all the same). A nice port's processes run on what the others leave.

/** The namespaces served on one port, by processes of their own, at one niceness. */
export interface PortGroup {
  readonly port: number;
  readonly nice: number;
  readonly namespaces: readonly NamespaceConfig[];
}

/** The ports the namespaces answer on, in the order the file first names them, each with its namespaces. */
export function portGroups(namespaces: readonly NamespaceConfig[]): PortGroup[] {
  const groups = new Map<number, NamespaceConfig[]>();
  for (const namespace of namespaces) {
    const group = groups.get(namespace.listen_port);
    if (group === undefined) groups.set(namespace.listen_port, [namespace]);
    else group.push(namespace);
  }
  // Every namespace on a port has the same niceness (config/namespaces.ts).
  return [...groups].map(([port, members]) => ({ port, nice: (members[0] as NamespaceConfig).nice, namespaces: members }));
}

/** What a process serving `group` runs: the configuration of its namespaces alone, on its port. */
export function servingGroup(config: Config, group: PortGroup): Config {
  return { ...config, listen_port: group.port, namespaces: group.namespaces };
}

/** Tells a worker which port it serves: the primary forks each with this in its environment. */
const portVariable = 'KASK_TS_SERVED_PORT';

/** The environment of a worker that serves `group`. */
export function workerEnvironment(group: PortGroup): Record<string, string> {
  return { [portVariable]: String(group.port) };
}

/** The group this worker was forked to serve. */
export function groupOfThisWorker(groups: readonly PortGroup[]): PortGroup {
  const port = Number(process.env[portVariable]);
  const group = groups.find((candidate) => candidate.port === port);
  // The primary read the same file: a worker told of another port read a file that changed meanwhile.
  if (group === undefined)
    throw new Error(`the configuration file has no namespace on port ${process.env[portVariable]} any more`);
  return group;
}

/**
 * Makes this process `nice` steps nicer than it started (at most 19): relative, as nice(1) is, so that a service
 * started nice keeps its ports in order, and never less nice than it was, which only root may ask. On Linux niceness
 * is each thread's, and a process's threads are started before any JavaScript runs (V8's, libuv's), so each one is
 * set; threads started later take their starter's.
 */
export function beNice(nice: number): void {
  if (nice === 0) return;
  const niceness = Math.min(19, getPriority() + nice);
  let threads: number[];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    threads = [0];
  }
  for (const thread of threads) setPriority(thread, niceness);
}
