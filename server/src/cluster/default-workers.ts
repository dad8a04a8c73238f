import { isIP } from 'node:net';
import { availableParallelism, hostname, networkInterfaces } from 'node:os';
import { type CgroupLimits, readCgroupLimits } from './cgroup.js';

const MiB = 2 ** 20;

// NOTE: measured on a 2-core machine: `workers: 2` on the embedded store, 10,000 keys of 2 KiB, then wrk with
// bench/src/session-load.lua (read:write 100:1) for 10 s at 64 and 10 s at 256 connections. Peak resident
// memory (VmHWM): 159 and 153 MiB for the two workers (the V8 heap plus the LMDB pages it touched), 81 MiB for the
// primary (which holds the store open to purge it). The budgets round those up.
/** Resident memory one serving process needs under load. */
export const workerMemoryBytes = 160 * MiB;
/** Resident memory the primary of several workers needs (it forks, aggregates metrics, purges). */
export const primaryMemoryBytes = 80 * MiB;

/** How many processes serve the port, and why. */
export interface WorkerCount {
  readonly count: number;
  readonly reason: string;
}

function cpusText(cpus: number): string {
  return `${Number(cpus.toFixed(2))} CPUs`;
}

/**
 * The processes `limits` allow on `cores` cores: whole CPUs of the quota, what the memory holds, less one core
 * for a database on this machine (`localDatabase` names it), at least 1.
 */
export function workerCountFor(cores: number, limits: CgroupLimits, localDatabase?: string): WorkerCount {
  const reasons = [`${cores} cores`];
  let count = cores;
  if (limits.cpus !== undefined) {
    // A fraction of a CPU cannot run a process of its own: a third process on 2.5 CPUs would only be throttled.
    count = Math.min(count, Math.floor(limits.cpus.value));
    reasons.push(`a CPU limit of ${cpusText(limits.cpus.value)} (${limits.cpus.source})`);
  }
  if (limits.memoryBytes !== undefined) {
    const memory = limits.memoryBytes.value;
    const byMemory = Math.floor((memory - primaryMemoryBytes) / workerMemoryBytes);
    count = Math.min(count, byMemory < 2 ? 1 : byMemory);
    reasons.push(
      `a memory limit of ${Math.round(memory / MiB)} MiB (${limits.memoryBytes.source}) at ${workerMemoryBytes / MiB} MiB a worker plus ${primaryMemoryBytes / MiB} MiB for the primary`,
    );
  }
  // NOTE: a Cassandra node keeps most of a core busy at any query rate (README, "What a request costs on
  // Cassandra"). Measured on 2 cores with the node and the load generator: 1 worker 4,060-4,874 req/s, 2 workers
  // 1,970-3,899 (the second worker adds a process, a connection and half-size batches, and no core).
  if (localDatabase !== undefined && count > 1) {
    count -= 1;
    reasons.push(`one core left to the Cassandra node on this machine (${localDatabase})`);
  }
  count = Math.max(1, count);
  return { count, reason: `${count} from ${reasons.join(', ')}` };
}

/**
 * Whether `host` (a cassandra.hosts entry) is this machine: `localhost`, its host name, a loopback address or
 * one of its interfaces' addresses. Other names are not resolved: a name that is this machine counts as another.
 */
export function isThisMachine(host: string, interfaces = networkInterfaces(), machineName = hostname()): boolean {
  const address = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (address === 'localhost' || address === machineName.toLowerCase() || address === '::1') return true;
  if (isIP(address) === 4 && address.startsWith('127.')) return true;
  return Object.values(interfaces).some((addresses) => addresses?.some((one) => one.address.toLowerCase() === address));
}

/** Where the limits come from, and what else runs here. */
export interface WorkerSurroundings {
  readonly cgroupRoot?: string;
  readonly membershipFile?: string;
  readonly cores?: number;
  /** A database host on this machine (see isThisMachine), which needs a core of its own. */
  readonly localDatabase?: string;
}

/** The default `workers`: the cores within the limits of this process's cgroup, less one for a database on this machine. */
export function defaultWorkers({
  cgroupRoot = '/sys/fs/cgroup',
  membershipFile = '/proc/self/cgroup',
  cores = availableParallelism(),
  localDatabase,
}: WorkerSurroundings = {}): WorkerCount {
  return workerCountFor(cores, readCgroupLimits(cgroupRoot, membershipFile), localDatabase);
}
