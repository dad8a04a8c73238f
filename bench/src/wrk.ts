import { execFile, spawnSync } from 'node:child_process';
import { undoneOnInterruption } from './interruptions.js';
import { benchSource } from './paths.js';
import { watchResources } from './processes.js';
import type { Workload } from './workloads.js';

const script = benchSource('src/session-load.lua');
const installer = benchSource('install-wrk.sh');

/** What wrk measured in one run; latencies in microseconds, `statuses` counts responses by HTTP status. */
export interface WrkResult {
  readonly requests: number;
  readonly duration_us: number;
  readonly bytes: number;
  readonly errors: { readonly connect: number; readonly read: number; readonly write: number; readonly timeout: number };
  readonly latency_us: {
    readonly p50: number;
    readonly p99: number;
    readonly p999: number;
    readonly max: number;
    readonly mean: number;
  };
  readonly statuses: Readonly<Record<string, number>>;
  /** Cores wrk itself kept busy (sampled every 100 ms, so slightly low). */
  readonly generatorCores: number;
}

function wrkInstalled(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/**
 * Makes sure wrk is on the PATH: installs it from Debian's packages (bench/install-wrk.sh) when it is missing
 * and `install` is set, else fails with the command that would.
 */
export function ensureWrk(install: boolean): void {
  if (wrkInstalled()) return;
  if (!install)
    throw new Error('wrk is not installed: run `bash bench/install-wrk.sh` (apt-get install -y wrk), or drop --no-install');
  const result = spawnSync('bash', [installer], { stdio: 'inherit', timeout: 300_000 });
  if (result.status !== 0 || !wrkInstalled()) throw new Error('wrk could not be installed: run `apt-get install -y wrk` as root');
}

/** How long, how hard and how one wrk run drives a server. */
export interface WrkRun {
  readonly origin: string;
  readonly basePath: string;
  readonly workload: Workload;
  readonly keys: number;
  readonly connections: number;
  readonly threads: number;
  readonly seconds: number;
  /** A header every request carries, as [name, value]. */
  readonly header?: readonly [string, string];
  /** The cores wrk may run on (a taskset list); any when absent. */
  readonly cores?: string;
}

// A request slower than this counts as a timeout error, not as a latency.
const requestTimeoutSeconds = 5;

/** Runs wrk with session-load.lua and returns its totals; fails if wrk does not end within its duration plus a margin. */
export function runWrk(run: WrkRun): Promise<WrkResult> {
  const { workload } = run;
  const args = [
    `-t${Math.min(run.threads, run.connections)}`,
    `-c${run.connections}`,
    `-d${run.seconds}s`,
    `--timeout`,
    `${requestTimeoutSeconds}s`,
    '-s',
    script,
    run.origin,
    '--',
    run.basePath,
    String(workload.keyBytes),
    String(workload.valueBytes),
    String(run.keys),
    String(workload.reads),
    String(workload.writes),
    ...(run.header ?? []),
    // The server answers Connection: close by closing, and wrk then reconnects for the connection's next request.
    ...(workload.connectionPerRequest ? ['Connection', 'close'] : []),
  ];
  const deadlineMs = (run.seconds + requestTimeoutSeconds + 30) * 1000;
  return new Promise((resolve, reject) => {
    // taskset runs wrk in its own process (exec), so the pid watched below is wrk's.
    const [command, commandArgs] = run.cores === undefined ? ['wrk', args] : ['taskset', ['-c', run.cores, 'wrk', ...args]];
    const child = execFile(
      command,
      commandArgs,
      { timeout: deadlineMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        forget();
        const generatorCores = watch?.stop().cores ?? 0;
        if (error) {
          const why = error.killed ? `killed after ${deadlineMs} ms` : `exit ${error.code}`;
          return reject(new Error(`wrk failed (${why}): ${stderr.trim().split('\n')[0] ?? ''}\n${stdout}${stderr}`));
        }
        const line = stdout.split('\n').find((text) => text.startsWith('WRK_RESULT '));
        if (line === undefined) return reject(new Error(`wrk printed no result:\n${stdout}${stderr}`));
        resolve({ ...(JSON.parse(line.slice('WRK_RESULT '.length)) as Omit<WrkResult, 'generatorCores'>), generatorCores });
      },
    );
    const watch = child.pid === undefined ? undefined : watchResources(child.pid);
    // An interrupted benchmark stops its load at once, instead of leaving it to run out its duration.
    const forget = undoneOnInterruption(() => child.kill('SIGKILL'));
  });
}
