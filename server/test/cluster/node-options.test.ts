import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { childPids } from '../../../test-support/child-process.js';
import { startServersStoppedAfterEach } from '../../../test-support/server-process.js';
import { oneShot } from '../../../test-support/workers.js';
import { missingNodeOptions, servingNodeOptions } from '../../src/cluster/node-options.js';

const start = startServersStoppedAfterEach();

/** The `node` options process `pid` runs with: the words of its command line before the script. */
function nodeOptionsOf(pid: number): string[] {
  const words = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const script = words.findIndex((word) => word.endsWith('cli.js'));
  return words.slice(1, script);
}

describe("V8's young generation", () => {
  it('is left to V8 unless v8_max_semi_space_mib sets it', () => {
    expect(servingNodeOptions({ v8_max_semi_space_mib: undefined })).toEqual([]);
    expect(servingNodeOptions({ v8_max_semi_space_mib: 2 })).toEqual(['--max-semi-space-size=2']);
    expect(missingNodeOptions(['--max-semi-space-size=2'], ['--enable-source-maps'])).toEqual(['--max-semi-space-size=2']);
    expect(missingNodeOptions(['--max-semi-space-size=2'], ['--max-semi-space-size=2'])).toEqual([]);
  });

  it('is set in a process that serves alone: it restarts itself with it, keeping its pid, and serves', async () => {
    const server = await start({ workers: 1, v8_max_semi_space_mib: 2 });
    expect(nodeOptionsOf(server.pid)).toContain('--max-semi-space-size=2');
    expect((await oneShot(`${server.baseUrl}k`, { method: 'POST', body: 'v' })).status).toBe(201);
    // It started once more, not again and again: one start-up line.
    expect(server.output().match(/"msg":"serving processes chosen"/g)).toHaveLength(1);
  });

  it('is set in every worker, not in the primary, which serves no request', async () => {
    const server = await start({ workers: 2, v8_max_semi_space_mib: 3 });
    expect(nodeOptionsOf(server.pid)).not.toContain('--max-semi-space-size=3');
    const workers = childPids(server.pid);
    expect(workers).toHaveLength(2);
    for (const worker of workers) expect(nodeOptionsOf(worker)).toContain('--max-semi-space-size=3');
  });

  it('is not touched without the key: the process keeps the options it was started with', async () => {
    const server = await start({ workers: 1 });
    expect(nodeOptionsOf(server.pid).filter((option) => option.startsWith('--max-semi-space-size'))).toEqual([]);
  });
});
