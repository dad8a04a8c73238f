// Waits until a Cassandra node answers a CQL query, or fails at a deadline or when the node's process exits.
// Usage: node wait-ready.mjs --host IP --port PORT --dc DC [--timeout SECONDS] [--pid PID] [--username U --password P]
//                            [--ca PEM [--cert PEM --key PEM]]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9042' },
    dc: { type: 'string', default: 'datacenter1' },
    timeout: { type: 'string', default: '240' },
    pid: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
    ca: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
  },
});

const deadline = Date.now() + Number(values.timeout) * 1000;
const pid = values.pid === undefined ? undefined : Number(values.pid);

function processAlive() {
  if (pid === undefined) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One attempt: a fresh client each time, because a client that failed to connect stays failed. */
async function attempt() {
  const client = new cassandra.Client({
    contactPoints: [`${values.host}:${values.port}`],
    localDataCenter: values.dc,
    socketOptions: { connectTimeout: 2000, readTimeout: 5000 },
    authProvider:
      values.username === undefined
        ? undefined
        : new cassandra.auth.PlainTextAuthProvider(values.username, values.password ?? ''),
    sslOptions:
      values.ca === undefined
        ? undefined
        : {
            ca: [readFileSync(values.ca)],
            cert: values.cert === undefined ? undefined : readFileSync(values.cert),
            key: values.key === undefined ? undefined : readFileSync(values.key),
            rejectUnauthorized: true,
            // The node's certificate may name a host rather than the address probed here (start.sh --tls-names).
            checkServerIdentity: () => undefined,
          },
  });
  try {
    const result = await client.execute('SELECT release_version FROM system.local');
    return result.first().get('release_version');
  } finally {
    await client.shutdown().catch(() => {});
  }
}

let lastError = 'no attempt yet';
while (Date.now() < deadline) {
  if (!processAlive()) {
    console.error(`wait-ready: process ${pid} exited before ${values.host}:${values.port} answered CQL`);
    process.exit(1);
  }
  try {
    const version = await attempt();
    console.error(`wait-ready: Cassandra ${version} answers CQL on ${values.host}:${values.port}`);
    process.exit(0);
  } catch (error) {
    lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
console.error(`wait-ready: ${values.host}:${values.port} did not answer CQL within ${values.timeout} s (${lastError})`);
process.exit(1);
