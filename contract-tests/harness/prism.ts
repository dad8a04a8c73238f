import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort } from './server-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const prismCli = fileURLToPath(new URL('../../node_modules/@stoplight/prism-cli/dist/index.js', import.meta.url));
const specPath = fileURLToPath(new URL('../../openapi/openapi.yaml', import.meta.url));
const startDeadlineMs = 30000;
const stopDeadlineMs = 10000;
const keptOutputChars = 64 * 1024;

/** What Prism does with the document: answer from its examples, or forward to a server and check its answers. */
export type PrismMode = { readonly mode: 'mock' } | { readonly mode: 'proxy'; readonly upstream: string };

/** A Prism process (`@stoplight/prism-cli`) serving openapi/openapi.yaml on 127.0.0.1. */
export interface PrismProcess {
  readonly origin: string;
  /** SIGTERM to every process it started, then waits for the exit (SIGKILL after a deadline). */
  stop(): Promise<void>;
}

function spawnPrism(mode: PrismMode, port: number): ChildProcess {
  // In a process group of its own, so that stop() reaches Prism under npm and sh too.
  const options: SpawnOptions = { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true };
  // The mock is started exactly as a developer starts it, so that `npm run mock` is what gets tested.
  if (mode.mode === 'mock') {
    return spawn('npm', ['run', '--silent', 'mock'], { ...options, env: { ...process.env, KASK_MOCK_PORT: String(port) } });
  }
  const args = ['proxy', specPath, mode.upstream, '--host', '127.0.0.1', '--port', String(port), '--errors'];
  // NOTE: the proxy must forward requests the document calls invalid (an empty POST, an empty key...) so
  // that the server's answers to them are checked too; by default Prism answers those itself with a 422.
  args.push('--validate-request=false');
  // Logging every request (with its body) at the default level more than doubles the run's time.
  args.push('--verboseLevel', 'warn');
  return spawn(process.execPath, [prismCli, ...args], options);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Starts Prism in `mode` on a free port and waits until it accepts connections. */
export async function startPrism(mode: PrismMode): Promise<PrismProcess> {
  const port = await freePort();
  const child = spawnPrism(mode, port);
  const group = -(child.pid as number);
  let text = '';
  // Kept for the error message of a failed start; the mock logs every request, so only the end is kept.
  const collect = (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-keptOutputChars);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(group, signal);
    } catch {} // already gone
  };
  const deadline = Date.now() + startDeadlineMs;
  while (!(await accepts(port))) {
    const failure =
      child.exitCode !== null || child.signalCode !== null
        ? `Prism exited with ${child.exitCode ?? child.signalCode} during start-up`
        : Date.now() > deadline
          ? `Prism did not listen within ${startDeadlineMs} ms`
          : undefined;
    if (failure !== undefined) {
      killGroup('SIGKILL');
      throw new Error(`${failure}:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    origin: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const killer = setTimeout(() => killGroup('SIGKILL'), stopDeadlineMs);
      killGroup('SIGTERM');
      await exited;
      clearTimeout(killer);
    },
  };
}
