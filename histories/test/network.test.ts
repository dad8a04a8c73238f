import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { processRuns } from '../../test-support/child-process.js';
import { createNetwork, type PrivateNetwork } from '../src/network.js';

// The private network the partitions run on (histories/src/network.ts; needs root): a partition cuts exactly the hosts
// it names, both ways, and leaves the test process reaching every host; nothing of it outlives its removal, nor a run
// killed before its clean-up.

/** Whether `address` answers from where `prefix` runs (a TCP connection to a closed port: refused, or no answer). */
function reaches(prefix: readonly string[], address: string): boolean {
  const attempt = spawnSync('timeout', ['2', ...prefix, 'bash', '-c', `</dev/tcp/${address}/9`]);
  if (attempt.status === 124) return false;
  if (attempt.stderr.toString().includes('Connection refused')) return true;
  throw new Error(`unexpected: status ${attempt.status}, ${attempt.stderr}`);
}

const ours = () => `${execFileSync('ip', ['netns', 'list'])}${execFileSync('ip', ['-o', 'link', 'show'])}`;

let network: PrivateNetwork | undefined;
afterEach(async () => {
  await network?.remove();
  network = undefined;
});

it('a partition cuts the named hosts off from the others both ways, not from the test process, until healed', async () => {
  network = await createNetwork(['a', 'b', 'c']);
  const [a, b, c] = ['a', 'b', 'c'].map((host) => (network as PrivateNetwork).address(host)) as [string, string, string];
  expect(reaches(network.runIn('a'), b)).toBe(true);
  await network.isolate(['b']);
  expect(reaches(network.runIn('a'), b)).toBe(false);
  expect(reaches(network.runIn('b'), a)).toBe(false);
  expect(reaches(network.runIn('a'), c)).toBe(true);
  expect(reaches([], b)).toBe(true);
  await network.heal();
  expect(reaches(network.runIn('a'), b)).toBe(true);
  const name = network.name;
  await network.remove();
  network = undefined;
  expect(ours()).not.toContain(`${name}-`);
});

it('a network whose run was killed before its clean-up is removed, with its processes, by the next run', async () => {
  // What a killed run leaves: its veth, a namespace with a process in it, and an owner file naming a process now gone.
  const gone = spawn('true');
  await new Promise((resolve) => gone.on('exit', resolve));
  execFileSync('ip', ['link', 'add', 'kh250', 'type', 'veth', 'peer', 'name', 'kh250p']);
  execFileSync('ip', ['netns', 'add', 'kh250-left']);
  writeFileSync(join(tmpdir(), 'kask-histories-kh250.pid'), String(gone.pid));
  const left = spawn('ip', ['netns', 'exec', 'kh250-left', 'sleep', '300'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  network = await createNetwork(['a']);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(processRuns(left.pid as number)).toBe(false);
  expect(ours()).not.toContain('kh250');
});
