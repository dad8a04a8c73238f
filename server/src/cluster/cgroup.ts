import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

// Node 20's os.availableParallelism() counts the host's cores and ignores a container's CPU quota, so the
// limits are read where the kernel keeps them: cgroup v2 (cpu.max, memory.max) or v1 (cpu.cfs_quota_us over
// cpu.cfs_period_us, memory.limit_in_bytes), in this process's cgroup and every ancestor up to the mount:
// a parent's limit binds its children too.

/** A limit and where it was read, for the start-up log. */
export interface CgroupLimit {
  readonly value: number;
  readonly source: string;
}

/** This process's CPU limit (in CPUs, may be fractional) and memory limit (bytes); undefined: unlimited. */
export interface CgroupLimits {
  readonly cpus: CgroupLimit | undefined;
  readonly memoryBytes: CgroupLimit | undefined;
}

// cgroup v1 writes "no limit" as the largest page-aligned 64-bit value (9223372036854771712).
const v1Unlimited = 2 ** 62;

interface Membership {
  readonly hierarchy: string;
  readonly controllers: readonly string[];
  readonly controllerField: string;
  readonly path: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The lines of /proc/self/cgroup: `hierarchy-id:controller,list:/path`. */
function membershipsOf(file: string): Membership[] {
  const memberships: Membership[] = [];
  for (const line of (readText(file) ?? '').split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (match === null) continue;
    const [, hierarchy = '', controllerField = '', path = '/'] = match;
    memberships.push({ hierarchy, controllers: controllerField.split(','), controllerField, path });
  }
  return memberships;
}

/**
 * The directories whose limits apply: the process's cgroup and its ancestors up to the mount. Without a
 * cgroup namespace a container sees its host path but has its own cgroup mounted at the root: then only the root.
 */
function cgroupDirectories(mount: string, path: string): string[] {
  const directory = join(mount, path);
  const inside = relative(mount, directory);
  if (inside.startsWith('..') || !existsSync(directory)) return [mount];
  const segments = inside === '' ? [] : inside.split(sep);
  return segments.map((_, depth) => join(mount, ...segments.slice(0, segments.length - depth))).concat(mount);
}

function lowest(limits: readonly (CgroupLimit | undefined)[]): CgroupLimit | undefined {
  let found: CgroupLimit | undefined;
  for (const limit of limits) if (limit !== undefined && (found === undefined || limit.value < found.value)) found = limit;
  return found;
}

function v2Cpus(directory: string): CgroupLimit | undefined {
  const file = join(directory, 'cpu.max');
  const [quota, period] = (readText(file) ?? 'max').split(/\s+/);
  if (quota === 'max' || quota === undefined || period === undefined) return undefined;
  return { value: Number(quota) / Number(period), source: `${file}: ${quota} ${period}` };
}

function v2Memory(directory: string): CgroupLimit | undefined {
  const file = join(directory, 'memory.max');
  const text = readText(file);
  if (text === undefined || text === 'max') return undefined;
  return { value: Number(text), source: `${file}: ${text}` };
}

function v1Cpus(directory: string): CgroupLimit | undefined {
  const quota = Number(readText(join(directory, 'cpu.cfs_quota_us')) ?? -1);
  const period = Number(readText(join(directory, 'cpu.cfs_period_us')) ?? 0);
  if (!(quota > 0 && period > 0)) return undefined;
  return { value: quota / period, source: `${directory}/cpu.cfs_quota_us / cpu.cfs_period_us: ${quota} / ${period}` };
}

function v1Memory(directory: string): CgroupLimit | undefined {
  const file = join(directory, 'memory.limit_in_bytes');
  const text = readText(file);
  if (text === undefined || !(Number(text) < v1Unlimited)) return undefined;
  return { value: Number(text), source: `${file}: ${text}` };
}

/** Reads the limits of this process's cgroup under `root` (the cgroup mount), v2 or v1. */
export function readCgroupLimits(root = '/sys/fs/cgroup', membershipFile = '/proc/self/cgroup'): CgroupLimits {
  const memberships = membershipsOf(membershipFile);
  if (existsSync(join(root, 'cgroup.controllers'))) {
    const directories = cgroupDirectories(root, memberships.find((m) => m.hierarchy === '0')?.path ?? '/');
    return { cpus: lowest(directories.map(v2Cpus)), memoryBytes: lowest(directories.map(v2Memory)) };
  }
  const v1 = (controller: string, read: (directory: string) => CgroupLimit | undefined) => {
    const membership = memberships.find((m) => m.controllers.includes(controller));
    if (membership === undefined) return undefined;
    // Distributions mount a v1 hierarchy under its controller list ("cpu,cpuacct") and link each name to it.
    const combined = join(root, membership.controllerField);
    const mount = existsSync(combined) ? combined : join(root, controller);
    return lowest(cgroupDirectories(mount, membership.path).map(read));
  };
  return { cpus: v1('cpu', v1Cpus), memoryBytes: v1('memory', v1Memory) };
}
