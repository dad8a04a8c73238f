// A constant-rate load generator: requests leave at the times a rate fixes, whatever the server answers, and each
// latency counts from the time its request was due, not from when it was sent (no coordinated omission: a stalled
// server delays every request due meanwhile, and each counts its wait). Run in a worker thread of its own
// (`generateLoad`), so that another generator's work does not delay its sending.

import { Agent, request } from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { sessionKey, sessionValue } from './workloads.js';

/** One kind of request sent at a constant rate. */
export interface Stream {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly perSecond: number;
  /** The session route, e.g. `/sessions/v1/`. */
  readonly basePath: string;
  /** Keys k0... chosen at random among this many (stored beforehand), or a new key for every request. */
  readonly keys: number | 'new';
  readonly keyBytes: number;
  /** The value of a POST. */
  readonly valueBytes: number;
}

/** What a generator sends, where, and for how long. */
export interface LoadPlan {
  readonly origin: string;
  readonly streams: readonly Stream[];
  readonly seconds: number;
}

/** What one stream got: its requests' statuses and latencies (ms, from when each was due). */
export interface StreamResult {
  readonly name: string;
  readonly sent: number;
  readonly statuses: Readonly<Record<string, number>>;
  /** Requests without an answer: refused connections, resets, or none within the deadline after the run. */
  readonly errors: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly p999: number; readonly max: number };
}

/** Answers still awaited this long after the run are errors. */
const drainDeadlineMs = 5000;

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] as number;
}

/** Sends the plan's streams from this thread; resolves once every answer is in, or the deadline after the run passed. */
async function run(plan: LoadPlan): Promise<StreamResult[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
  const url = new URL(plan.origin);
  const started = performance.now();
  const results = plan.streams.map(async (stream) => {
    const body = sessionValue(stream.valueBytes);
    const total = Math.floor(stream.perSecond * plan.seconds);
    const latencies = new Float64Array(total);
    const statuses: Record<string, number> = {};
    let answered = 0;
    let errors = 0;
    let sent = 0;
    let nextNewKey = 0;
    const keyOf = () =>
      stream.keys === 'new'
        ? `${process.pid}-${started.toFixed(0)}-${nextNewKey++}`
        : sessionKey(Math.floor(Math.random() * stream.keys), stream.keyBytes);
    const send = (due: number) => {
      const headers: Record<string, string> = stream.method === 'POST' ? { 'content-length': String(body.length) } : {};
      const sending = request(
        { agent, host: url.hostname, port: url.port, method: stream.method, path: `${stream.basePath}${keyOf()}`, headers },
        (response) => {
          response.resume();
          response.on('end', () => {
            latencies[answered++] = performance.now() - due;
            statuses[String(response.statusCode)] = (statuses[String(response.statusCode)] ?? 0) + 1;
          });
        },
      );
      sending.on('error', () => errors++);
      sending.end(stream.method === 'POST' ? body : undefined);
    };
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const now = performance.now();
        const due = Math.min(total, Math.floor(((now - started) / 1000) * stream.perSecond));
        for (; sent < due; sent++) send(started + (sent / stream.perSecond) * 1000);
        if (sent >= total) {
          clearInterval(tick);
          resolve();
        }
      }, 1);
    });
    const deadline = performance.now() + drainDeadlineMs;
    while (answered + errors < sent && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const sorted = latencies.slice(0, answered).sort();
    return {
      name: stream.name,
      sent,
      statuses,
      errors: sent - answered,
      latencyMs: {
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
        p999: percentile(sorted, 0.999),
        max: sorted.at(-1) ?? 0,
      },
    };
  });
  const done = await Promise.all(results);
  agent.destroy();
  return done;
}

/** Runs `plan` in a worker thread of its own; resolves with each stream's result. */
export function generateLoad(plan: LoadPlan): Promise<StreamResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: plan });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

if (!isMainThread) {
  run(workerData as LoadPlan).then((results) => parentPort?.postMessage(results));
}
