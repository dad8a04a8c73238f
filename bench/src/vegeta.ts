import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { undoneOnInterruption } from './interruptions.js';
import type { VegetaResult, VegetaTarget } from './open-model.js';
import { parseVegetaResults } from './open-model.js';
import { benchSource, repoRoot } from './paths.js';
import { watchResources } from './processes.js';

/** Where bench/install-vegeta.sh puts vegeta. */
export const vegetaPath = join(repoRoot, '.cache/bench/bin/vegeta');
const installer = benchSource('install-vegeta.sh');

/** Builds vegeta (bench/install-vegeta.sh, which does nothing when it is there) if `install` is set; else fails when it is missing. */
export function ensureVegeta(install: boolean): void {
  if (!install) {
    if (spawnSync(vegetaPath, ['-version'], { stdio: 'ignore' }).status === 0) return;
    throw new Error('vegeta is not installed: run `bash bench/install-vegeta.sh`, or drop --no-install');
  }
  const installed = spawnSync('bash', [installer], { stdio: 'inherit', timeout: 600_000 });
  if (installed.status !== 0) throw new Error('vegeta could not be installed: run `bash bench/install-vegeta.sh` to see why');
}

/** Writes `targets` in vegeta's JSON targets format (one a line) to `path`. */
export function writeTargets(path: string, targets: readonly VegetaTarget[]): void {
  writeFileSync(path, `${targets.map((target) => JSON.stringify(target)).join('\n')}\n`);
}

/** One constant-rate run. */
export interface VegetaRun {
  readonly targetsPath: string;
  readonly ratePerSecond: number;
  readonly seconds: number;
  /** Where vegeta writes its results (gob); the JSON of them is read back from it. */
  readonly resultsPath: string;
  /** The cores vegeta may run on (a taskset list); any when absent. */
  readonly cores?: string;
}

// A request slower than this is a timeout (code 0), not a latency.
const requestTimeoutSeconds = 5;

/**
 * Sends the targets at a constant rate for the run's length, whatever the server's answers take (an open model:
 * a slow answer does not hold back the next request, so coordinated omission cannot hide a stall), and answers
 * every result and the cores vegeta kept busy.
 */
export function runVegeta(run: VegetaRun): Promise<{ results: VegetaResult[]; generatorCores: number }> {
  const args = [
    'attack',
    '-format=json',
    `-targets=${run.targetsPath}`,
    `-rate=${run.ratePerSecond}/s`,
    `-duration=${run.seconds}s`,
    `-timeout=${requestTimeoutSeconds}s`,
    '-max-body=0',
    `-output=${run.resultsPath}`,
  ];
  const deadlineMs = (run.seconds + requestTimeoutSeconds + 60) * 1000;
  return new Promise((resolve, reject) => {
    const [command, commandArgs] =
      run.cores === undefined ? [vegetaPath, args] : ['taskset', ['-c', run.cores, vegetaPath, ...args]];
    const child = execFile(command, commandArgs, { timeout: deadlineMs, killSignal: 'SIGKILL' }, (error, _stdout, stderr) => {
      forget();
      const generatorCores = watch?.stop().cores ?? 0;
      if (error) return reject(new Error(`vegeta failed (${error.killed ? 'killed' : `exit ${error.code}`}): ${stderr.trim()}`));
      const encoded = spawnSync(vegetaPath, ['encode', '--to=json', run.resultsPath], { maxBuffer: 1024 ** 3 });
      if (encoded.status !== 0) return reject(new Error(`vegeta encode failed: ${encoded.stderr.toString().trim()}`));
      resolve({ results: parseVegetaResults(encoded.stdout.toString()), generatorCores });
    });
    const watch = child.pid === undefined ? undefined : watchResources(child.pid);
    const forget = undoneOnInterruption(() => child.kill('SIGKILL'));
  });
}
