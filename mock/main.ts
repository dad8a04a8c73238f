import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startProcess, waitUntilReady } from '../test-support/child-process.ts';
import { accepts, freePort } from '../test-support/free-port.ts';
import { front } from './front.ts';

// `npm run mock` (mock/README.md): Prism's mock of the OpenAPI document, in a child process on a port of its own,
// behind a front on the mock's port that answers the request targets Prism cannot read as the server reads them.
// Both listen on 127.0.0.1 only. SIGTERM or SIGINT stops both.

const host = '127.0.0.1';
const port = Number(process.env.KASK_MOCK_PORT ?? 4010);
const origin = `http://${host}:${port}`;
const prismCli = fileURLToPath(import.meta.resolve('@stoplight/prism-cli'));
const document = fileURLToPath(new URL('../openapi/openapi.yaml', import.meta.url));
const stopDeadlineMs = 10_000;

const prismPort = await freePort();
const prismOrigin = `http://${host}:${prismPort}`;
// NOTE: --no-multiprocess: Prism's default under NODE_ENV=production is to fork its server into a second process,
// which crashes at start in prism-cli 5.16 (it reads `require('node:cluster').default`, undefined): one process,
// whatever the environment, which stop() below reaches.
const prism = startProcess(
  process.execPath,
  [prismCli, 'mock', '--errors', '--no-multiprocess', '--host', host, '--port', String(prismPort), document],
  // Prism colours its log only for a terminal, and writes it to a pipe here.
  { env: process.stdout.isTTY ? { ...process.env, FORCE_COLOR: '1' } : process.env, keptOutputChars: 64 * 1024 },
);
process.on('exit', () => {
  if (!prism.hasExited()) prism.signal('SIGTERM');
});

// Prism's log names the address it listens on, which clients must not use: the front's is the mock's.
function relay(output: Readable | null, write: (line: string) => void): void {
  if (output !== null) createInterface({ input: output }).on('line', (line) => write(line.replaceAll(prismOrigin, origin)));
}
relay(prism.child.stdout, console.log);
relay(prism.child.stderr, console.error);

const server = createServer(front(prismPort, readFileSync(document)));
let stopping = false;
async function stop(): Promise<void> {
  stopping = true;
  server.close();
  server.closeAllConnections();
  await prism.stop(stopDeadlineMs);
  process.exit(0);
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
void prism.exited.then((code) => {
  if (stopping) return;
  console.error(`[MOCK] Prism exited (${code ?? prism.child.signalCode}): the mock stops`);
  process.exit(1);
});

await waitUntilReady(prism, 'Prism', () => accepts(prismPort));
server.on('error', (error) => {
  console.error(`[MOCK] cannot listen on ${origin}: ${error.message}`);
  process.exit(1);
});
server.listen(port, host, () => console.log(`[MOCK] the mock listens on ${origin}`));
