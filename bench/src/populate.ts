import type { RunningTarget } from './targets.js';
import { sessionKey, sessionValue, type Workload } from './workloads.js';

const parallelRequests = 32;
const deadlineMs = 120_000;

/**
 * Stores keys 0 .. `keys`-1 with the workload's value through the session route, so that every read of the run
 * finds its key. Resolves with the statuses answered; throws if the deadline passes first.
 */
export async function populate(target: RunningTarget, workload: Workload, keys: number): Promise<Record<string, number>> {
  const value = sessionValue(workload.valueBytes);
  const statuses: Record<string, number> = {};
  const deadline = Date.now() + deadlineMs;
  let next = 0;
  const loop = async () => {
    while (next < keys) {
      if (Date.now() > deadline) throw new Error(`storing ${keys} keys took more than ${deadlineMs} ms`);
      const url = `${target.origin}${target.basePath}${sessionKey(next++, workload.keyBytes)}`;
      const response = await fetch(url, {
        method: 'POST',
        body: value,
        headers: { 'content-type': 'application/octet-stream' },
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: parallelRequests }, loop));
  return statuses;
}
