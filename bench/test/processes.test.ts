import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { spawnNode, watchResources } from '../src/processes.js';

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
    // The main thread sleeps while a worker thread spins; once the worker has run, it alone is moved to the
    // lowest priority (a nice value belongs to a thread on Linux) and one busy loop per core starts beside it.
    const spin = 'const end = Date.now() + 10000; while (Date.now() < end);';
    const worker = `new (require('node:worker_threads').Worker)(${JSON.stringify(spin)}, { eval: true }); setTimeout(() => {}, 10000)`;
    const process_ = spawn(process.execPath, ['-e', worker], { stdio: 'ignore' });
    const busy: ReturnType<typeof spawn>[] = [];
    try {
      const pid = process_.pid as number;
      const ranNs = (task: string) => Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      // A thread other than the main one that has run for 0.2 s: the worker's loop.
      const spinner = () => readdirSync(`/proc/${pid}/task`).find((task) => task !== String(pid) && ranNs(task) > 2e8);
      const tid = await vi.waitFor(
        () => {
          const found = spinner();
          expect(found).toBeDefined();
          return found as string;
        },
        { timeout: 10_000 },
      );
      execFileSync('renice', ['-n', '19', '-p', tid], { stdio: 'ignore' });
      busy.push(...Array.from({ length: availableParallelism() }, () => spawn(process.execPath, busyLoop, { stdio: 'ignore' })));
      await sleep(300);
      const watch = watchResources(pid);
      await sleep(1500);
      expect(watch.stop().waitingForCpu).toBeGreaterThan(0.5);
    } finally {
      for (const child of [...busy, process_]) child.kill();
    }
  });

  it('finds no wait for a process that sleeps', async () => {
    const sleeper = spawn(process.execPath, ['-e', "setTimeout(() => {}, 5000); console.log('ready')"], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      // Start-up is work: the watch begins once the process has nothing left to do but wait for its timer.
      await once(sleeper.stdout, 'data');
      await sleep(200);
      const watch = watchResources(sleeper.pid as number);
      await sleep(500);
      // Under load a rare wake-up still waits for a core: a few ms, never a quarter of the run.
      expect(watch.stop().waitingForCpu).toBeLessThan(0.25);
    } finally {
      sleeper.kill();
    }
  });
});

describe('starting a server', () => {
  it('puts it in a session of its own, where the scheduler gives it a share of its own beside the load generator', async () => {
    const started = spawnNode(['-e', 'setTimeout(() => {}, 10000)']);
    try {
      // /proc/PID/stat: pid (comm) state ppid pgrp session ...
      const fields = (pid: number) =>
        readFileSync(`/proc/${pid}/stat`, 'utf8')
          .replace(/^.*\) /, '')
          .split(' ');
      const session = (pid: number) => Number(fields(pid)[3]);
      expect(session(started.pid)).toBe(started.pid);
      expect(session(started.pid)).not.toBe(session(process.pid));
    } finally {
      await started.stop();
    }
  });
});
