import { fileURLToPath } from 'node:url';
import { type StartedProcess, startProcess, waitUntilReady } from '../../test-support/child-process.js';
import { accepts, freePort } from '../../test-support/free-port.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const prismCli = fileURLToPath(new URL('../../node_modules/@stoplight/prism-cli/dist/index.js', import.meta.url));
const specPath = fileURLToPath(new URL('../../openapi/openapi.yaml', import.meta.url));
const stopDeadlineMs = 10000;
const keptOutputChars = 64 * 1024;

/** What Prism does with the document: answer from its examples, or forward to a server and check its answers. */
export type PrismMode = { readonly mode: 'mock' } | { readonly mode: 'proxy'; readonly upstream: string };

/** Prism (`@stoplight/prism-cli`; as a mock, behind the mock's front) serving openapi/openapi.yaml on 127.0.0.1. */
export interface PrismProcess {
  readonly origin: string;
  /** SIGTERM to every process it started, then waits for the exit (SIGKILL after a deadline). */
  stop(): Promise<void>;
}

// In a process group of its own, so that stop() reaches every process under npm and sh too; the mock logs every
// request, so only the end of the output is kept (for the error message of a failed start).
const options = { cwd: root, group: true, keptOutputChars };

/** `npm run mock` on `port`, started exactly as a developer starts it (with `env` added), so that this is what gets tested. */
export function startMock(port: number, env: NodeJS.ProcessEnv = {}): StartedProcess {
  return startProcess('npm', ['run', '--silent', 'mock'], {
    ...options,
    env: { ...process.env, ...env, KASK_MOCK_PORT: String(port) },
  });
}

function spawnPrism(mode: PrismMode, port: number): StartedProcess {
  if (mode.mode === 'mock') return startMock(port);
  const args = ['proxy', specPath, mode.upstream, '--host', '127.0.0.1', '--port', String(port), '--errors'];
  // NOTE: the proxy must forward requests the document calls invalid (an empty POST, an empty key...) so
  // that the server's answers to them are checked too; by default Prism answers those itself with a 422.
  args.push('--validate-request=false');
  // Logging every request (with its body) at the default level more than doubles the run's time.
  args.push('--verboseLevel', 'warn');
  return startProcess(process.execPath, [prismCli, ...args], options);
}

/** Starts Prism in `mode` on a free port and waits until it accepts connections. */
export async function startPrism(mode: PrismMode): Promise<PrismProcess> {
  const port = await freePort();
  const prism = spawnPrism(mode, port);
  await waitUntilReady(prism, 'Prism', () => accepts(port));
  return {
    origin: `http://127.0.0.1:${port}`,
    async stop() {
      await prism.stop(stopDeadlineMs);
    },
  };
}
