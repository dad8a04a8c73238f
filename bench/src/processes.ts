import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The repository's root directory. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** `node` arguments that run one of the benchmark's own TypeScript files in a child process. */
export function benchScriptArgs(file: string): string[] {
  return ['--import', fileURLToPath(new URL('../register.mjs', import.meta.url)), fileURLToPath(new URL(file, import.meta.url))];
}

/** A process the benchmark started; only it is ever signalled, by its pid. */
export interface StartedProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** What it wrote to stdout and stderr (the last 64 KiB). */
  output(): string;
  /** SIGTERM, then SIGKILL after `deadlineMs`; resolves with the exit code. */
  stop(deadlineMs?: number): Promise<number | null>;
}

const outputLimit = 64 * 1024;

/** Spawns `node nodeArgs...` with its output collected. */
export function spawnNode(nodeArgs: string[], env: NodeJS.ProcessEnv = process.env): StartedProcess {
  const child = spawn(process.execPath, nodeArgs, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`cannot start node ${nodeArgs.join(' ')}`);
  let text = '';
  const collect = (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-outputLimit);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    pid: child.pid,
    child,
    output: () => text,
    async stop(deadlineMs = 20000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const killer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
      child.kill('SIGTERM');
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}

/** Waits until `url` answers 200, failing when the process exits or the deadline passes. */
export async function waitUntilAnswering(url: string, started: StartedProcess, deadlineMs = 30000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null || started.child.signalCode !== null) {
      throw new Error(
        `process ${started.pid} exited (${started.child.exitCode ?? started.child.signalCode}) during start-up:\n${started.output()}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {}
    await sleep(100);
  }
  await started.stop();
  throw new Error(`${url} did not answer 200 within ${deadlineMs} ms:\n${started.output()}`);
}

/** `pid` and every process below it (a cluster's workers), read from /proc. */
function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    // A process or thread may exit between listing and reading (ENOENT): it has no children left to count,
    // and its siblings are still read.
    for (const task of readOrEmpty(() => readdirSync(`/proc/${tree[i]}/task`))) {
      const children = readOrEmpty(() => readFileSync(`/proc/${tree[i]}/task/${task}/children`, 'utf8').trim().split(' '));
      tree.push(...children.filter((pid) => pid !== '').map(Number));
    }
  }
  return tree;
}

function readOrEmpty(read: () => string[]): string[] {
  try {
    return read();
  } catch {
    return [];
  }
}

function residentBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

// NOTE: /proc/<pid>/stat counts CPU time in clock ticks, which are 100 per second on Linux (USER_HZ).
const ticksPerSecond = 100;

/** CPU seconds `pid` has used, or `undefined` once it has exited. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/** CPU seconds of the whole machine so far: busy (user, system, interrupts, steal) and all (idle and iowait too). */
function machineCpu(): { busy: number; all: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
    return { busy: busy / ticksPerSecond, all: (busy + (idle ?? 0) + (iowait ?? 0)) / ticksPerSecond };
  } catch {
    return { busy: 0, all: 0 };
  }
}

/** Watches the whole machine until `stop()`, which answers how many cores were busy on average (with anything). */
export function watchMachine(): { stop(): number } {
  const start = machineCpu();
  const startedAt = performance.now();
  return {
    stop() {
      const end = machineCpu();
      return (end.busy - start.busy) / ((performance.now() - startedAt) / 1000);
    },
  };
}

/** What a process tree used while it was watched: its peak resident memory and the cores it kept busy. */
export interface ResourceUse {
  readonly peakRssBytes: number;
  /** CPU seconds per second of wall time (2 = two cores busy). */
  readonly cores: number;
}

/** Samples the RSS (summed over the tree) and CPU time of `pid` and its children until `stop()`. */
export function watchResources(pid: number, intervalMs = 100): { stop(): ResourceUse } {
  const cpuAtStart = new Map<number, number>();
  for (const member of processTree(pid)) cpuAtStart.set(member, cpuSeconds(member) ?? 0);
  // The last reading of each process: one that has exited keeps what it had used.
  const cpuLast = new Map(cpuAtStart);
  const startedAt = performance.now();
  let peakRssBytes = 0;
  const sample = () => {
    let rss = 0;
    for (const member of processTree(pid)) {
      rss += residentBytes(member);
      const cpu = cpuSeconds(member);
      if (cpu !== undefined) cpuLast.set(member, cpu);
    }
    peakRssBytes = Math.max(peakRssBytes, rss);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      let used = 0;
      for (const [member, last] of cpuLast) used += last - (cpuAtStart.get(member) ?? 0);
      return { peakRssBytes, cores: used / ((performance.now() - startedAt) / 1000) };
    },
  };
}
