/** What a run sends: key and value sizes and the read:write mix, over keys stored before the run. */
export interface Workload {
  readonly name: string;
  readonly description: string;
  readonly keyBytes: number;
  readonly valueBytes: number;
  /** Out of every `reads + writes` requests, `reads` are GETs and `writes` are POSTs. */
  readonly reads: number;
  readonly writes: number;
  /** Every request on a connection of its own (`Connection: close`), instead of one kept-alive connection each. */
  readonly connectionPerRequest: boolean;
}

// NOTE: the mixes and sizes are those of Wikimedia's load test of Kask (shared/reference/kask-wire.md):
// read:write 100:1 with 32-byte keys and 2 KiB values, and with 8-byte keys and 16-byte values.
export const workloads: readonly Workload[] = [
  {
    name: 'mix',
    description: 'read:write 100:1, 32-byte keys, 2 KiB values',
    keyBytes: 32,
    valueBytes: 2048,
    reads: 100,
    writes: 1,
    connectionPerRequest: false,
  },
  {
    name: 'mix-connect',
    description:
      'the mix with every request on a new connection, as MediaWiki reaches the store without a pooling proxy (a PHP request opens its own)',
    keyBytes: 32,
    valueBytes: 2048,
    reads: 100,
    writes: 1,
    connectionPerRequest: true,
  },
  {
    name: 'mix-small',
    description: 'read:write 100:1, 8-byte keys, 16-byte values',
    keyBytes: 8,
    valueBytes: 16,
    reads: 100,
    writes: 1,
    connectionPerRequest: false,
  },
  {
    name: 'read',
    description: 'reads only, 32-byte keys, 2 KiB values',
    keyBytes: 32,
    valueBytes: 2048,
    reads: 1,
    writes: 0,
    connectionPerRequest: false,
  },
  {
    name: 'write',
    description: 'writes only, 32-byte keys, 2 KiB values',
    keyBytes: 32,
    valueBytes: 2048,
    reads: 0,
    writes: 1,
    connectionPerRequest: false,
  },
];

/** The workload called `name`; throws naming the known ones. */
export function workloadNamed(name: string): Workload {
  const workload = workloads.find((candidate) => candidate.name === name);
  if (workload === undefined)
    throw new RangeError(`unknown workload ${name} (known: ${workloads.map((w) => w.name).join(', ')})`);
  return workload;
}

/** Key number `index`: "k" and the number zero-padded to `keyBytes` (session-load.lua makes the same keys). */
export function sessionKey(index: number, keyBytes: number): string {
  return `k${String(index).padStart(keyBytes - 1, '0')}`;
}

/** The value every write stores: the alphabet and digits repeated to `valueBytes` (as session-load.lua). */
export function sessionValue(valueBytes: number): Buffer {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Buffer.from(alphabet.repeat(Math.ceil(valueBytes / alphabet.length)).slice(0, valueBytes));
}

/** The statuses a workload's requests answer when every key is present: 200 for GET, 201 for POST. */
export function expectedStatuses(workload: Workload): readonly number[] {
  return [...(workload.reads > 0 ? [200] : []), ...(workload.writes > 0 ? [201] : [])];
}
