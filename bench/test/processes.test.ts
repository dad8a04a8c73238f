import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { watchResources } from '../src/processes.js';

const busyLoop = ['-e', 'const end = Date.now() + 3000; while (Date.now() < end);'];

describe('watching a process', () => {
  it('tells how long its main thread waited for a core while it could have run', async () => {
    // A busy loop at the lowest priority beside one busy loop per core: it is runnable all the time and
    // rarely gets a core, so it waits for most of the run and uses little CPU (a reading of its running time
    // instead of its waiting time would show the opposite).
    const busy = Array.from({ length: availableParallelism() }, () => spawn(process.execPath, busyLoop, { stdio: 'ignore' }));
    const starved = spawn('nice', ['-n', '19', process.execPath, ...busyLoop], { stdio: 'ignore' });
    try {
      await sleep(300);
      const watch = watchResources(starved.pid as number);
      await sleep(1500);
      const use = watch.stop();
      expect(use.waitingForCpu).toBeGreaterThan(0.5);
      expect(use.cores).toBeLessThan(0.5);
    } finally {
      for (const child of [...busy, starved]) child.kill();
    }
  });

  it('tells it for the thread that does the work when that is not the main thread (a Go server)', async () => {
    // The main thread sleeps; a worker thread of the same process spins at the lowest priority, and only then
    // do the busy loops start (before, they would starve the main thread's start-up instead).
    const worker = `new (require('node:worker_threads').Worker)(${JSON.stringify(busyLoop[1])}, { eval: true }); setTimeout(() => {}, 4000)`;
    const starved = spawn('nice', ['-n', '19', process.execPath, '-e', worker], { stdio: 'ignore' });
    const busy: ReturnType<typeof spawn>[] = [];
    try {
      const pid = starved.pid as number;
      // A thread other than the main one that has run for 0.2 s: the worker's loop.
      const ranNs = (task: string) => Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      const spinning = () => readdirSync(`/proc/${pid}/task`).some((task) => task !== String(pid) && ranNs(task) > 2e8);
      await vi.waitFor(() => expect(spinning()).toBe(true), { timeout: 3000 });
      busy.push(...Array.from({ length: availableParallelism() }, () => spawn(process.execPath, busyLoop, { stdio: 'ignore' })));
      await sleep(300);
      const watch = watchResources(pid);
      await sleep(1500);
      expect(watch.stop().waitingForCpu).toBeGreaterThan(0.5);
    } finally {
      for (const child of [...busy, starved]) child.kill();
    }
  });

  it('finds no wait for a process that sleeps', async () => {
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 3000)'], { stdio: 'ignore' });
    try {
      await sleep(300);
      const watch = watchResources(sleeper.pid as number);
      await sleep(500);
      expect(watch.stop().waitingForCpu).toBeLessThan(0.05);
    } finally {
      sleeper.kill();
    }
  });
});
