import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

// Every worker counts its own requests; a scrape lands on one worker, which asks the primary, which
// collects every worker's registry (prom-client's cluster protocol) and sums them.

const request = 'kask:metrics-request';
const response = 'kask:metrics-response';
const answerDeadlineMs = 5000;

interface MetricsMessage {
  readonly type: string;
  readonly id: number;
  readonly text?: string;
  readonly error?: string;
}

function isMetricsMessage(message: unknown): message is MetricsMessage {
  return typeof message === 'object' && message !== null && 'type' in message && 'id' in message;
}

/** In the primary: answers the workers' requests for the metrics of the whole service. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isMetricsMessage(message) || message.type !== request) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: response, id: message.id, text }),
      (error: Error) => worker.send({ type: response, id: message.id, error: error.message }),
    );
  });
}

let nextId = 0;
const pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();

/** In a worker: lets the primary collect `registry`, and returns how to read the metrics of every worker. */
export function shareMetricsWithPrimary(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's listener that answers the primary's collection.
  new AggregatorRegistry();
  process.on('message', (message: unknown) => {
    if (!isMetricsMessage(message) || message.type !== response) return;
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.text !== undefined) waiting?.resolve(message.text);
    else waiting?.reject(new Error(`metrics collection failed: ${message.error}`));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the primary did not answer the metrics request'));
      }, answerDeadlineMs);
      pending.set(id, {
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      process.send?.({ type: request, id });
    });
}
