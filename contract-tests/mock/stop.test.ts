import { expect, it } from 'vitest';
import { waitUntilReady } from '../../test-support/child-process.js';
import { accepts, freePort } from '../../test-support/free-port.js';
import { startMock } from '../harness/prism.js';

/** Whether any process of the process group `groupId` is still running. */
function groupRuns(groupId: number): boolean {
  try {
    process.kill(-groupId, 0);
    return true;
  } catch {
    return false;
  }
}

it('SIGTERM to the pid of `npm run mock` stops every process it started', async () => {
  const port = await freePort();
  // In a group of its own (its pid is the group's id), which is signalled below only to clean up after a failure.
  const mock = startMock(port);
  try {
    await waitUntilReady(mock, 'npm run mock', () => accepts(port));
    // As a developer stops it: `kill <pid>`, to npm alone.
    process.kill(mock.pid, 'SIGTERM');
    await mock.exited;
    await expect.poll(() => groupRuns(mock.pid), { timeout: 10000 }).toBe(false);
    expect(await accepts(port)).toBe(false);
  } finally {
    mock.signal('SIGKILL');
  }
});
