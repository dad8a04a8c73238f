import type { InjectedFault } from './history.js';
import type { SeededRandom } from './random.js';

/**
 * The faults a run injects into a kask-ts service: SIGKILL of one worker (the primary forks another), SIGSTOP of one
 * worker or of the primary for a moment (then SIGCONT), SIGKILL of the primary (its workers exit) and a restart on
 * the same files and port.
 */
export type ProcessFault = 'kill-worker' | 'stop-worker' | 'stop-primary' | 'kill-primary';

/** A kask-ts service whose processes a fault reaches. */
export interface FaultTarget {
  primaryPid(): number;
  workerPids(): number[];
  /** Waits until the primary has as many workers as it started with, none of `gone` among them. */
  untilWorkersReplaced(gone: number): Promise<void>;
  /** SIGKILL of the primary; once its workers have exited, the service starts again on its files and port. */
  killPrimaryAndRestart(): Promise<void>;
}

/** How long a stopped process stays stopped: longer than a client's answer timeout at most, so both outcomes show. */
const stoppedMs: readonly [number, number] = [200, 2_500];
/** The pause between two faults. */
const betweenFaultsMs: readonly [number, number] = [300, 1_200];

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function inject(kind: ProcessFault, target: FaultTarget, random: SeededRandom): Promise<void> {
  switch (kind) {
    case 'kill-worker': {
      const victim = random.pick(target.workerPids());
      process.kill(victim, 'SIGKILL');
      await target.untilWorkersReplaced(victim);
      return;
    }
    case 'stop-worker':
    case 'stop-primary': {
      const victim = kind === 'stop-primary' ? target.primaryPid() : random.pick(target.workerPids());
      process.kill(victim, 'SIGSTOP');
      try {
        await pause(random.between(...stoppedMs));
      } finally {
        process.kill(victim, 'SIGCONT');
      }
      return;
    }
    case 'kill-primary':
      await target.killPrimaryAndRestart();
      return;
  }
}

/**
 * Injects faults of `kinds`, one at a time, each undone before the next, at seeded moments until `stopped()`;
 * resolves what was injected, from when to when.
 */
export async function injectFaults(
  kinds: readonly ProcessFault[],
  target: FaultTarget,
  random: SeededRandom,
  now: () => number,
  stopped: () => boolean,
): Promise<InjectedFault[]> {
  const injected: InjectedFault[] = [];
  if (kinds.length === 0) return injected;
  for (;;) {
    await pause(random.between(...betweenFaultsMs));
    if (stopped()) return injected;
    const kind = random.pick(kinds);
    const startUs = now();
    await inject(kind, target, random);
    injected.push({ kind, startUs, endUs: now() });
  }
}
