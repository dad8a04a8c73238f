import { Gauge, Registry } from 'prom-client';
import { keysByWrites } from '../insight/key-sample.js';
import type { KeyWritesReport } from '../insight/key-writes.js';

// NOTE: a key's writes land on any worker, so how many times each key was written is known only once the workers'
// samples are merged: this gauge is made from the merged report, not summed over the workers' registries.
/** `kask_written_keys` of `report`, in the Prometheus text format; nothing for an empty report (no key followed). */
export async function writtenKeysText(report: KeyWritesReport): Promise<string> {
  const namespaces = Object.entries(report);
  if (namespaces.length === 0) return '';
  const registry = new Registry();
  const gauge = new Gauge({
    name: 'kask_written_keys',
    help: 'Keys written in the last insight.window_seconds, by namespace and by how many times (writes: 1, 2-5, 6-20, 21+), over every worker; estimated from a sample of the keys when they are many (/insight says how large)',
    labelNames: ['namespace', 'writes'],
    registers: [registry],
  });
  for (const [namespace, summary] of namespaces) {
    for (const [writes, keys] of Object.entries(keysByWrites(summary.sample))) gauge.set({ namespace, writes }, keys);
  }
  return registry.metrics();
}
