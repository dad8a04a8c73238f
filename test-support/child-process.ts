import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A process a test or the benchmark started; only it (or its own process group) is ever signalled. */
export interface StartedProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code (`null` when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** What it wrote to stdout and stderr so far (the last `keptOutputChars`). */
  output(): string;
  /** Whether it has exited. */
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `deadlineMs`; resolves with the exit code. */
  stop(deadlineMs?: number): Promise<number | null>;
  /** Sends `signal` (to the whole group when started with `group`); a process already gone is not an error. */
  signal(signal: NodeJS.Signals): void;
}

export interface StartOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** In a process group of its own, signalled as a whole: reaches a server under npm and sh too. */
  readonly group?: boolean;
  /** How much of the output to keep; servers that log every request keep only the end. */
  readonly keptOutputChars?: number;
}

const defaultStopDeadlineMs = 20_000;

/** Spawns `command args...` with its output collected. */
export function startProcess(command: string, args: readonly string[], options: StartOptions = {}): StartedProcess {
  const spawnOptions: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe'], detached: options.group ?? false };
  if (options.cwd !== undefined) spawnOptions.cwd = options.cwd;
  if (options.env !== undefined) spawnOptions.env = options.env;
  const child = spawn(command, [...args], spawnOptions);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${command} ${args.join(' ')}`);
  const kept = options.keptOutputChars ?? Number.POSITIVE_INFINITY;
  let text = '';
  const collect = (chunk: Buffer) => {
    text += chunk.toString();
    if (text.length > kept) text = text.slice(-kept);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(options.group ? -pid : pid, name);
    } catch {} // already gone
  };
  return {
    pid,
    child,
    exited,
    output: () => text,
    hasExited,
    signal,
    async stop(deadlineMs = defaultStopDeadlineMs) {
      if (hasExited()) return child.exitCode;
      const killer = setTimeout(() => signal('SIGKILL'), deadlineMs);
      signal('SIGTERM');
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}

/**
 * Polls `ready` every 100 ms until it answers true; fails (after SIGKILL) when the process exits first or
 * the deadline passes, with the process's output in the message.
 */
export async function waitUntilReady(
  started: StartedProcess,
  what: string,
  ready: () => Promise<boolean>,
  deadlineMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (started.hasExited()) {
      throw new Error(
        `${what} exited with ${started.child.exitCode ?? started.child.signalCode} during start-up:\n${started.output()}`,
      );
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      started.signal('SIGKILL');
      throw new Error(`${what} was not ready within ${deadlineMs} ms:\n${started.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether `url` answers 200 now (within 2 s). */
export async function answers200(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await response.arrayBuffer();
  return response.status === 200;
}

/** The pids of `pid`'s children (Linux). */
export function childPids(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text === '' ? [] : text.split(' ').map(Number);
}

/** Whether any process of the process group `groupId` is still running (a group's leader's pid is its id). */
export function groupRuns(groupId: number): boolean {
  try {
    process.kill(-groupId, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether process `pid` is still running (a zombie not yet reaped counts). */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
