import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { allowedCores, coresIn, pinTree, separateLayout } from '../src/cpu-layout.js';
import { benchCompiled } from '../src/paths.js';
import { pinnedTarget } from '../src/run.js';

/** A Node.js process running `code`, its output ignored. */
const nodeRunning = (code: string) => spawn(process.execPath, ['-e', code], { stdio: 'ignore' });

/** The affinity list of every thread of `pid`. */
function threadAffinities(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).map(
    (task) => /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8'))?.[1] ?? '?',
  );
}

describe('the CPU layout of --pin', () => {
  it('reads Linux CPU lists', () => {
    expect(coresIn('0-1')).toEqual([0, 1]);
    expect(coresIn('0-3,6,8-9\n')).toEqual([0, 1, 2, 3, 6, 8, 9]);
    expect(coresIn('5')).toEqual([5]);
    expect(allowedCores().length).toBeGreaterThan(0);
  });

  it("gives the server's processes the first cores and the rest the others, only when each gets at least one", () => {
    expect(separateLayout([0, 1], 1)).toEqual({ server: '0', rest: '1' });
    expect(separateLayout([2, 3, 4, 5], 2)).toEqual({ server: '2,3', rest: '4,5' });
    expect(separateLayout([0, 1], 2)).toBeUndefined();
    expect(separateLayout([0], 1)).toBeUndefined();
    expect(separateLayout([0], 0)).toBeUndefined();
  });

  it('pins every thread of a process and of its children, and puts each back', async () => {
    const core = String(allowedCores()[0]);
    // A parent whose child runs too: both have V8's threads, all of which must move.
    const parent = nodeRunning(
      "require('node:child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' }); setTimeout(() => {}, 5000)",
    );
    try {
      await sleep(500);
      const pid = parent.pid as number;
      const child = Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0]);
      const before = [...threadAffinities(pid), ...threadAffinities(child)];
      const unpin = pinTree(pid, core);
      expect(new Set([...threadAffinities(pid), ...threadAffinities(child)])).toEqual(new Set([core]));
      unpin();
      expect(new Set([...threadAffinities(pid), ...threadAffinities(child)])).toEqual(new Set(before));
    } finally {
      parent.kill();
    }
  });

  it('puts back the threads a process started while it was pinned, which inherited the pin', async () => {
    const cores = allowedCores();
    if (cores.length < 2) expect.fail('this test needs 2 cores to tell a pin from no pin');
    // A process that starts a thread of its own once pinned, as a Cassandra node does under load.
    const starter = nodeRunning(
      "setTimeout(() => new (require('node:worker_threads').Worker)('setTimeout(() => {}, 5000)', { eval: true }), 500); setTimeout(() => {}, 5000)",
    );
    try {
      await sleep(300);
      const pid = starter.pid as number;
      const before = new Set(threadAffinities(pid));
      const threads = readdirSync(`/proc/${pid}/task`).length;
      const unpin = pinTree(pid, String(cores[0]));
      await vi.waitFor(() => expect(readdirSync(`/proc/${pid}/task`).length).toBeGreaterThan(threads), { timeout: 3000 });
      unpin();
      expect(new Set(threadAffinities(pid))).toEqual(before);
    } finally {
      starter.kill();
    }
  });

  it('puts the affinities back when the benchmark is interrupted', async () => {
    const cores = allowedCores();
    if (cores.length < 2) expect.fail('this test needs 2 cores to tell a pin from no pin');
    const sleeper = nodeRunning('setTimeout(() => {}, 5000)');
    try {
      await sleep(300);
      const pid = sleeper.pid as number;
      const before = threadAffinities(pid);
      const module = pathToFileURL(benchCompiled('src/cpu-layout.ts')).href;
      // A stand-in for the benchmark: it pins the sleeper, then is told to stop while the pin is on.
      const interrupted = nodeRunning(
        `import(${JSON.stringify(module)}).then((layout) => { layout.pinTree(${pid}, '${cores[0]}'); process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 5000); })`,
      );
      const [, signal] = await once(interrupted, 'exit');
      expect(signal).toBe('SIGTERM');
      expect(new Set(threadAffinities(pid))).toEqual(new Set(before));
    } finally {
      sleeper.kill();
    }
  });

  it('refuses a pin taskset cannot make, leaving the process as it was and no handler installed', async () => {
    const sleeper = nodeRunning('setTimeout(() => {}, 5000)');
    try {
      await sleep(300);
      const pid = sleeper.pid as number;
      const before = threadAffinities(pid);
      const handlers = process.listenerCount('SIGINT');
      // No machine here has a core 4095: taskset fails for every thread.
      expect(() => pinTree(pid, '4095')).toThrow(/could not pin process/);
      expect(threadAffinities(pid)).toEqual(before);
      expect(process.listenerCount('SIGINT')).toBe(handlers);
    } finally {
      sleeper.kill();
    }
  });

  it('pins a target while it is measured and puts it back when it stops; one it cannot find or move shares, noted', async () => {
    const cores = allowedCores();
    if (cores.length < 2) expect.fail('this test needs 2 cores to tell a pin from no pin');
    const layout = { server: String(cores[0]), rest: cores.slice(1).join(',') };
    const server = nodeRunning('setTimeout(() => {}, 5000)');
    const gone = nodeRunning('');
    const goneExited = once(gone, 'exit');
    try {
      await sleep(300);
      await goneExited;
      const pid = server.pid as number;
      const before = new Set(threadAffinities(pid));
      let stopped = false;
      const target = {
        origin: 'http://127.0.0.1:1',
        basePath: '/',
        pid,
        stop: async () => {
          stopped = true;
        },
      };
      const notes: string[] = [];
      const pinned = pinnedTarget('a server', target, layout, notes);
      expect(new Set(threadAffinities(pid))).toEqual(new Set([layout.server]));
      await pinned.stop();
      expect(stopped).toBe(true);
      expect(new Set(threadAffinities(pid))).toEqual(before);
      expect(notes).toEqual([]);

      expect(pinnedTarget('a --url elsewhere', { ...target, pid: undefined }, layout, notes)).toEqual({
        ...target,
        pid: undefined,
      });
      expect(pinnedTarget('an exited server', { ...target, pid: gone.pid as number }, layout, notes).pid).toBe(gone.pid);
      expect(notes).toHaveLength(2);
      expect(notes[0]).toMatch(/^--pin: a --url elsewhere shared every core: its process could not be found/);
      expect(notes[1]).toMatch(/^--pin: an exited server shared every core: taskset could not pin/);
      expect(pinnedTarget('a server', target, undefined, notes)).toBe(target);
    } finally {
      server.kill();
    }
  });
});
