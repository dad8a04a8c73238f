// The HTTP ceiling: fastify answering the session route with the same bytes as kask-ts and doing nothing else
// (no storage, no key parsing, no metrics, no logging). GET answers the workload's value; POST reads the body
// and answers 201. `--workers N` serves from N processes sharing the port, as kask-ts's `workers` does.
// Plain JavaScript with no build step, importing nothing of the bench, so that its memory is fastify's alone.
// Usage: node bench/src/ceiling-server.mjs --port P --base-path /sessions/v1/ --value-bytes N [--workers N] [--host IP]
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'base-path': { type: 'string', default: '/v1/' },
    'value-bytes': { type: 'string', default: '2048' },
    workers: { type: 'string', default: '1' },
  },
});
const workers = Number(values.workers);

// NOTE: the same bytes as sessionValue() in workloads.ts and value_of() in session-load.lua.
function sessionValue(valueBytes) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Buffer.from(alphabet.repeat(Math.ceil(valueBytes / alphabet.length)).slice(0, valueBytes));
}

if (workers > 1 && cluster.isPrimary) {
  // As kask-ts's primary does: the workers accept their connections themselves.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const value = sessionValue(Number(values['value-bytes']));
  const app = Fastify({ logger: false });
  // As kask-ts does: bodies are opaque bytes whatever their Content-Type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const url = `${values['base-path']}*`;
  app.get(url, async (_request, reply) => reply.header('content-type', 'application/octet-stream').send(value));
  app.post(url, async (_request, reply) => reply.code(201).send());
  app.get('/healthz', async () => ({ status: 'ok' }));
  await app.listen({ host: values.host, port: Number(values.port) });
  process.on('SIGTERM', () => {
    app.close().then(() => process.exit(0));
  });
}
