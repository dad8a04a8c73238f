import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCgroupLimits } from '../../src/cluster/cgroup.js';
import {
  defaultWorkers,
  isThisMachine,
  primaryMemoryBytes,
  workerCountFor,
  workerMemoryBytes,
} from '../../src/cluster/default-workers.js';

const MiB = 2 ** 20;

/** A fake machine: `files` under a cgroup mount, and the /proc/self/cgroup that places this process in it. */
function machine(membership: string, files: Record<string, string>): { root: string; membershipFile: string } {
  const base = mkdtempSync(join(tmpdir(), 'kask-cgroup-'));
  const root = join(base, 'sys/fs/cgroup');
  mkdirSync(root, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), `${content}\n`);
  }
  const membershipFile = join(base, 'cgroup');
  writeFileSync(membershipFile, membership);
  return { root, membershipFile };
}

function workersOn(fake: { root: string; membershipFile: string }, cores: number) {
  return defaultWorkers({ cgroupRoot: fake.root, membershipFile: fake.membershipFile, cores });
}

// Wikimedia's sessionstore pod: 2.5 CPUs and 400 MiB, on a host with many more cores.
const v2Pod = (cpuMax: string, memoryMax: string) =>
  machine('0::/\n', { 'cgroup.controllers': 'cpu memory', 'cpu.max': cpuMax, 'memory.max': memoryMax });

describe('the default number of workers', () => {
  it('cgroup v2, 2.5 CPUs and 400 MiB on 64 cores: 2 workers, and the reason names the limits and their files', () => {
    const fake = v2Pod('250000 100000', String(400 * MiB));
    const chosen = workersOn(fake, 64);
    expect(chosen.count).toBe(2);
    expect(chosen.reason).toContain('64 cores');
    expect(chosen.reason).toContain(`a CPU limit of 2.5 CPUs (${join(fake.root, 'cpu.max')}: 250000 100000)`);
    expect(chosen.reason).toContain('a memory limit of 400 MiB');
  });

  it('cgroup v2 without limits ("max"): the cores', () => {
    expect(workersOn(v2Pod('max 100000', 'max'), 8)).toMatchObject({ count: 8, reason: '8 from 8 cores' });
  });

  it('never more than the cores, whatever the quota', () => {
    expect(workersOn(v2Pod('1600000 100000', 'max'), 4).count).toBe(4);
  });

  it('a quota under one CPU still runs one process', () => {
    expect(workersOn(v2Pod('50000 100000', 'max'), 4).count).toBe(1);
  });

  it('memory-bound: 16 CPUs but memory for only three workers and the primary', () => {
    const memory = primaryMemoryBytes + 3 * workerMemoryBytes + MiB;
    expect(workersOn(v2Pod('1600000 100000', String(memory)), 16).count).toBe(3);
  });

  it('memory for fewer than two workers and a primary: one process, which needs no primary', () => {
    const memory = primaryMemoryBytes + 2 * workerMemoryBytes - MiB;
    expect(workersOn(v2Pod('max 100000', String(memory)), 16).count).toBe(1);
    expect(workersOn(v2Pod('max 100000', String(150 * MiB)), 16).count).toBe(1);
  });

  it("cgroup v2 nested: a parent's limit binds the process's cgroup", () => {
    const fake = machine('0::/kubepods/pod1/app\n', {
      'cgroup.controllers': 'cpu memory',
      'kubepods/pod1/cpu.max': '300000 100000',
      'kubepods/pod1/app/cpu.max': 'max 100000',
      'kubepods/pod1/app/memory.max': 'max',
    });
    expect(readCgroupLimits(fake.root, fake.membershipFile).cpus?.value).toBe(3);
    expect(workersOn(fake, 32).count).toBe(3);
  });

  it('cgroup v1: quota over period and memory.limit_in_bytes, in the combined cpu,cpuacct hierarchy', () => {
    const fake = machine('4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n', {
      'cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '250000',
      'cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000',
      'memory/docker/abc/memory.limit_in_bytes': String(2 ** 30),
    });
    expect(readCgroupLimits(fake.root, fake.membershipFile)).toMatchObject({
      cpus: { value: 2.5 },
      memoryBytes: { value: 2 ** 30 },
    });
    expect(workersOn(fake, 64).count).toBe(2);
  });

  it('cgroup v1 unlimited (quota -1, the page-aligned 64-bit maximum): the cores', () => {
    const fake = machine('4:memory:/\n1:cpu:/\n', {
      'cpu/cpu.cfs_quota_us': '-1',
      'cpu/cpu.cfs_period_us': '100000',
      'memory/memory.limit_in_bytes': '9223372036854771712',
    });
    expect(readCgroupLimits(fake.root, fake.membershipFile)).toEqual({ cpus: undefined, memoryBytes: undefined });
    expect(workersOn(fake, 6).count).toBe(6);
  });

  it("a container without a cgroup namespace sees its host path but its own cgroup at the mount's root", () => {
    const fake = machine('1:cpu:/docker/not-here\n', { 'cpu/cpu.cfs_quota_us': '200000', 'cpu/cpu.cfs_period_us': '100000' });
    expect(workersOn(fake, 64).count).toBe(2);
  });

  it('no cgroup files at all: the cores', () => {
    expect(workersOn(machine('', {}), 4)).toMatchObject({ count: 4, reason: '4 from 4 cores' });
  });

  const noLimits = { cpus: undefined, memoryBytes: undefined };

  it('a Cassandra node on this machine takes one of its cores: 1 worker on 2 cores, 3 on 4, and the reason says so', () => {
    expect(workerCountFor(2, noLimits, '127.0.0.1')).toEqual({
      count: 1,
      reason: '1 from 2 cores, less one for the database server on this machine (127.0.0.1)',
    });
    expect(workerCountFor(4, noLimits, 'localhost').count).toBe(3);
    expect(workerCountFor(2, noLimits).count).toBe(2);
    expect(workerCountFor(1, noLimits, '::1')).toEqual({ count: 1, reason: '1 from 1 core' });
  });

  it("the node's core is one of the machine's, not out of this process's CPU quota or memory", () => {
    const quota = { cpus: { value: 2.5, source: 'cpu.max: 250000 100000' }, memoryBytes: undefined };
    expect(workerCountFor(8, quota, 'localhost').count).toBe(2);
    const memory = { cpus: undefined, memoryBytes: { value: 400 * MiB, source: 'memory.max: 419430400' } };
    expect(workerCountFor(8, memory, 'localhost').count).toBe(2);
    expect(workerCountFor(2, quota, 'localhost').count).toBe(1);
  });
});

describe('a database host on this machine', () => {
  const interfaces = ['10.64.0.12', 'fe80::1'];
  const local = (host: string) => isThisMachine(host, interfaces, 'sessionstore1001');

  it('is localhost, its host name, a loopback address in any spelling or an interface address, with or without a port', () => {
    const hosts = ['localhost', 'LOCALHOST', 'sessionstore1001', '127.0.0.1', '127.3.2.1', '::1', '[::1]', '0:0:0:0:0:0:0:1'];
    hosts.push('::ffff:127.0.0.1', '10.64.0.12', 'FE80::1', '127.0.0.1:9042', 'localhost:9042', '[::1]:9042', '10.64.0.12:9042');
    for (const host of hosts) expect(local(host), host).toBe(true);
  });

  it('is not another address or another name (names are not resolved)', () => {
    for (const host of ['10.64.0.13', '128.0.0.1', 'sessionstore1002', 'cassandra.example', '::2', '10.64.0.13:9042']) {
      expect(local(host), host).toBe(false);
    }
  });

  it('is never found when the interfaces cannot be read, except by loopback and name', () => {
    expect(isThisMachine('10.64.0.12', [], 'sessionstore1001')).toBe(false);
    expect(isThisMachine('127.0.0.1', [], 'sessionstore1001')).toBe(true);
  });
});
