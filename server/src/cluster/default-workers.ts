import { BlockList, isIP } from 'node:net';
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
  /** Set when the configuration asks for more processes than this machine fits: the count it fits, and why. */
  readonly fits?: WorkerCount;
}

function cpusText(cpus: number): string {
  return `${Number(cpus.toFixed(2))} CPUs`;
}

/**
 * The processes `limits` allow on `cores` cores: the cores less one for a database on this machine
 * (`localDatabase` names it), within the whole CPUs of the quota and what the memory holds, at least 1.
 */
export function workerCountFor(cores: number, limits: CgroupLimits, localDatabase?: string): WorkerCount {
  const reasons = [`${cores} core${cores === 1 ? '' : 's'}`];
  let count = cores;
  // NOTE: a Cassandra node keeps most of a core busy at any query rate (docs/operators/cassandra.md, "What a
  // request costs on Cassandra"); the core it takes is the machine's, not out of this process's quota. Measured on 2 cores
  // with the node and the load generator (one npm run bench run, mix): 1 worker 4,060 req/s at 64 connections
  // and 4,663 at 256, 2 workers 2,749 and 3,899.
  if (localDatabase !== undefined && count > 1) {
    count -= 1;
    reasons.push(`less one for the database server on this machine (${localDatabase})`);
  }
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
  count = Math.max(1, count);
  return { count, reason: `${count} from ${reasons.join(', ')}` };
}

/** The address of a cassandra.hosts entry as the driver reads it: without its port (`host:9042`, `[::1]:9042`) or brackets. */
function addressOf(host: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed !== null) return bracketed[1] as string;
  const withPort = /^([^:]+):\d+$/.exec(host);
  return withPort === null ? host : (withPort[1] as string);
}

/** This machine's interface addresses, or none where they cannot be read (some sandboxes refuse). */
function interfaceAddresses(): string[] {
  try {
    return Object.values(networkInterfaces()).flatMap((addresses) => (addresses ?? []).map((one) => one.address));
  } catch {
    return [];
  }
}

// Loopback in every spelling: 127.0.0.0/8, ::1 (also 0:0:0:0:0:0:0:1) and IPv4-mapped ::ffff:127.x.
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/**
 * Whether `host` (a cassandra.hosts entry, with or without a port) is this machine: `localhost`, its host
 * name, a loopback address or one of its interfaces' addresses. Other names are not resolved: a name that is
 * this machine counts as another.
 */
export function isThisMachine(host: string, interfaces = interfaceAddresses(), machineName = hostname()): boolean {
  const address = addressOf(host.trim()).toLowerCase();
  if (address === 'localhost' || address === machineName.toLowerCase()) return true;
  const family = isIP(address);
  if (family === 0) return false;
  return loopback.check(address, family === 4 ? 'ipv4' : 'ipv6') || interfaces.some((one) => one.toLowerCase() === address);
}

/** The first of `hosts` (a backend's database servers) that is this machine (see isThisMachine), its interfaces read once. */
export function localDatabaseHost(hosts: readonly string[]): string | undefined {
  const interfaces = interfaceAddresses();
  return hosts.find((host) => isThisMachine(host, interfaces));
}

// NOTE: measured on 2 cores with a Cassandra node and the load generator (mix, 64 connections, 10 s, three rounds
// on 2026-12-01): 1 worker 4.1-6.8k req/s, 2 workers 3.1-4.2k. Each process beyond what the cores fit waits for
// one; it costs twice the CPU a request (preempted three times a request instead of once) and serves less.
/** `count` processes, as the configuration sets them; `fitting` is what this machine fits, kept when it is fewer. */
export function configuredWorkers(count: number, fitting: WorkerCount): WorkerCount {
  const reason = 'workers is set in the configuration';
  return count > fitting.count ? { count, reason, fits: fitting } : { count, reason };
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
