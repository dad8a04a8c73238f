import { readdirSync, readFileSync } from 'node:fs';
import { answers200, type StartedProcess, startProcess, waitUntilReady } from '../../test-support/child-process.js';
import { undoneOnInterruption } from './interruptions.js';
import { repoRoot } from './paths.js';

export type { StartedProcess };

const outputLimit = 64 * 1024;

// NOTE: an interrupted benchmark waits for what it stopped: a server writes into its directories as it exits (node
// --cpu-prof writes its profile then, making the directory anew), so they are removed only after it has ended.
const interruptedStopDeadlineMs = 20_000;

/**
 * Spawns `node nodeArgs...` in the repository with its output collected (the last 64 KiB), in a session of its own.
 * An interrupted benchmark stops it and every process below it (a cluster's workers) as `stop()` would: SIGTERM, and
 * SIGKILL to what still runs 20 s later; it ends after them.
 */
// NOTE: Linux's scheduler shares the cores between sessions first (sched_autogroup_enabled), then between the
// processes of a session. A server in the benchmark's session shared one session's share with vegeta, while a
// --url server started apart (Kask) had a share of its own: at 1,000 req/s on a machine at load 14-19, kask-ts's
// event loop waited for a core 69-85% of a round and Kask's 16-22%. A server in a session of its own is placed
// as a service manager places it (each in a cgroup of its own).
export function spawnNode(nodeArgs: string[], env: NodeJS.ProcessEnv = process.env): StartedProcess {
  const started = startProcess(process.execPath, nodeArgs, { cwd: repoRoot, env, keptOutputChars: outputLimit, group: true });
  const forget = undoneOnInterruption(() => {
    if (started.hasExited()) return;
    const tree = processTree(started.pid);
    for (const member of tree) {
      try {
        process.kill(member, 'SIGTERM');
      } catch {} // already gone
    }
    waitUntilEnded(tree, interruptedStopDeadlineMs);
    for (const member of tree.filter(isRunning)) process.kill(member, 'SIGKILL');
  });
  void started.exited.then(forget);
  return started;
}

/** Whether `pid` runs: a zombie (ended, not yet reaped by its parent) does not. */
export function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Blocks until none of `pids` runs, or for `deadlineMs` (a signal handler cannot wait for events). */
function waitUntilEnded(pids: readonly number[], deadlineMs: number): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + deadlineMs;
  while (pids.some(isRunning) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 50);
}

/** Waits until `url` answers 200, failing when the process exits or the deadline passes. */
export function waitUntilAnswering(url: string, started: StartedProcess, deadlineMs = 30000): Promise<void> {
  return waitUntilReady(started, `process ${started.pid}`, () => answers200(url), deadlineMs);
}

/** `pid` and every process below it (a cluster's workers), read from /proc. */
export function processTree(pid: number): number[] {
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

/** What `read` lists, or nothing when what it reads is gone (a process, thread or descriptor that ended). */
export function readOrEmpty(read: () => string[]): string[] {
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
export function cpuSeconds(pid: number): number | undefined {
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

interface Schedstat {
  /** Nanoseconds on a core, and runnable but waiting for one (/proc/<pid>/task/<tid>/schedstat). */
  readonly ran: number;
  readonly waited: number;
}

/** The schedstat of each thread (by tid) of each process (by pid) of `pid`'s tree, where the kernel keeps it. */
function schedstats(pid: number): Map<number, Map<string, Schedstat>> {
  const processes = new Map<number, Map<string, Schedstat>>();
  for (const member of processTree(pid)) {
    const threads = new Map<string, Schedstat>();
    for (const task of readOrEmpty(() => readdirSync(`/proc/${member}/task`))) {
      const [ran, waited] = readOrEmpty(() => readFileSync(`/proc/${member}/task/${task}/schedstat`, 'utf8').split(' ')).map(
        Number,
      );
      if (Number.isFinite(ran) && Number.isFinite(waited)) threads.set(task, { ran: ran as number, waited: waited as number });
    }
    processes.set(member, threads);
  }
  return processes;
}

/**
 * The largest share of `seconds` that the busiest thread of a process (the one that ran longest between the two
 * readings: Node.js's event loop, one of Go's threads) waited, runnable, for a core; threads and processes
 * that started or ended in between have no figure.
 */
function busiestThreadWait(
  before: Map<number, Map<string, Schedstat>>,
  after: Map<number, Map<string, Schedstat>>,
  seconds: number,
): number | undefined {
  const waits: number[] = [];
  for (const [member, threads] of after) {
    let busiest: { ran: number; waited: number } | undefined;
    for (const [task, end] of threads) {
      const start = before.get(member)?.get(task);
      if (start === undefined) continue;
      const ran = end.ran - start.ran;
      if (busiest === undefined || ran > busiest.ran) busiest = { ran, waited: end.waited - start.waited };
    }
    if (busiest !== undefined) waits.push(busiest.waited / 1e9 / seconds);
  }
  return waits.length === 0 ? undefined : Math.max(...waits);
}

/** What a process tree used while it was watched: its peak resident memory and the cores it kept busy. */
export interface ResourceUse {
  readonly peakRssBytes: number;
  /** CPU seconds per second of wall time (2 = two cores busy). */
  readonly cores: number;
  /**
   * The largest share of the wall time that the busiest thread of a process of the tree spent runnable but
   * waiting for a core (0.3: its event loop had work and no CPU for 30% of the run), where the kernel keeps schedstat.
   */
  readonly waitingForCpu: number | undefined;
}

/** Samples the RSS (summed over the tree) and CPU time of `pid` and its children until `stop()`. */
export function watchResources(pid: number, intervalMs = 100): { stop(): ResourceUse } {
  const cpuAtStart = new Map<number, number>();
  for (const member of processTree(pid)) cpuAtStart.set(member, cpuSeconds(member) ?? 0);
  const schedAtStart = schedstats(pid);
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
      const seconds = (performance.now() - startedAt) / 1000;
      let used = 0;
      for (const [member, last] of cpuLast) used += last - (cpuAtStart.get(member) ?? 0);
      return { peakRssBytes, cores: used / seconds, waitingForCpu: busiestThreadWait(schedAtStart, schedstats(pid), seconds) };
    },
  };
}
