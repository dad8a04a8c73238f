import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
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
