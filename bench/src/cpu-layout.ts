import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { undoneOnInterruption } from './interruptions.js';
import { processTree, readOrEmpty } from './processes.js';

// NOTE: on a small machine the server shares its cores with the load generator and a local Cassandra node,
// whose threads preempt its event loop (docs/benchmarks.md has the figures: a third of the run waiting for
// a core, and about three times the requests a second with the node kept on the other core). Production
// runs Cassandra on hosts of its own, so `--pin` gives the server's processes cores of their own and the rest
// of the machine to everything else; the default shares every core, as the machine would.

/** Which cores (taskset lists) the server's processes get, and which everything else gets. */
export interface CpuLayout {
  readonly server: string;
  readonly rest: string;
}

/** The cores in a Linux CPU list (`0-3,6`). */
export function coresIn(list: string): number[] {
  return list
    .trim()
    .split(',')
    .filter((part) => part !== '')
    .flatMap((part) => {
      const [first, last = first] = part.split('-').map(Number);
      return Array.from({ length: (last as number) - (first as number) + 1 }, (_, index) => (first as number) + index);
    });
}

/** The affinity (a CPU list) in a /proc status file: of a process, or of one of its threads. */
function affinityIn(statusPath: string): string | undefined {
  return /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync(statusPath, 'utf8'))?.[1];
}

/** The cores this process may run on (its affinity, within any cpuset). */
export function allowedCores(): number[] {
  const list = affinityIn('/proc/self/status');
  return list === undefined ? [] : coresIn(list);
}

/** The first `serverProcesses` cores for the server, the others for the rest; none when either would get none. */
export function separateLayout(cores: readonly number[], serverProcesses: number): CpuLayout | undefined {
  if (serverProcesses < 1 || cores.length <= serverProcesses) return undefined;
  return { server: cores.slice(0, serverProcesses).join(','), rest: cores.slice(serverProcesses).join(',') };
}

/** Each thread's current affinity, as a list, of `pid` and of its children, with the process it belongs to. */
function affinities(pid: number): Map<number, { readonly process: number; readonly list: string }> {
  const lists = new Map<number, { readonly process: number; readonly list: string }>();
  for (const member of processTree(pid)) {
    for (const task of readOrEmpty(() => readdirSync(`/proc/${member}/task`))) {
      try {
        const list = affinityIn(`/proc/${member}/task/${task}/status`);
        if (list !== undefined) lists.set(Number(task), { process: member, list });
      } catch {
        // The thread ended between listing and reading.
      }
    }
  }
  return lists;
}

const sameCores = (a: string, b: string) => coresIn(a).join(',') === coresIn(b).join(',');

/** The affinity of `pid`'s main thread, or `undefined` once it has exited. */
function affinityOf(pid: number): string | undefined {
  try {
    return affinityIn(`/proc/${pid}/task/${pid}/status`);
  } catch {
    return undefined;
  }
}

function setAffinity(task: number, list: string): void {
  try {
    execFileSync('taskset', ['-p', '-c', list, String(task)], { stdio: 'ignore' });
  } catch {
    // The thread ended, or may not be moved by this user: it keeps running where it was allowed to.
  }
}

/**
 * Pins every thread of `pid` and of its children to `cores`; answers a function that puts them back. Threads
 * and processes started while pinned inherited the pin: they get their process's (or `pid`'s) own affinity
 * back, as a Cassandra node starts threads under load (a memtable flush) and keeps them. Only threads still
 * on `cores` are moved, so a thread whose id was reused or that someone else moved meanwhile is left alone.
 * An interrupted benchmark puts them back before it ends.
 */
export function pinTree(pid: number, cores: string): () => void {
  const before = affinities(pid);
  for (const task of before.keys()) setAffinity(task, cores);
  const main = affinityOf(pid);
  if (main === undefined || !sameCores(main, cores)) {
    for (const [task, original] of before) setAffinity(task, original.list);
    throw new Error(`taskset could not pin process ${pid} to core(s) ${cores} (is util-linux installed, may this user move it?)`);
  }
  return undoneOnInterruption(() => {
    for (const [task, now] of affinities(pid)) {
      const original = before.get(task) ?? before.get(now.process) ?? before.get(pid);
      if (original !== undefined && sameCores(now.list, cores)) setAffinity(task, original.list);
    }
  });
}
