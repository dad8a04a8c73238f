import { availableParallelism } from 'node:os';
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

/** The processes `limits` allow on `cores` cores: whole CPUs of the quota, what the memory holds, at least 1. */
export function workerCountFor(cores: number, limits: CgroupLimits): WorkerCount {
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
  count = Math.max(1, count);
  return { count, reason: `${count} from ${reasons.join(', ')}` };
}

/** The default `workers`: the cores within the limits of this process's cgroup (mounted at `cgroupRoot`). */
export function defaultWorkers(
  cgroupRoot = '/sys/fs/cgroup',
  membershipFile = '/proc/self/cgroup',
  cores = availableParallelism(),
): WorkerCount {
  return workerCountFor(cores, readCgroupLimits(cgroupRoot, membershipFile));
}
