import { expect, it } from 'vitest';
import { groupRuns, waitUntilReady } from '../../test-support/child-process.js';
import { accepts, freePort } from '../../test-support/free-port.js';
import { startMock } from '../harness/prism.js';

it.each([
  ['SIGTERM', 'development'],
  ['SIGINT', 'development'],
  // Prism's default under NODE_ENV=production is a second process of its own (which crashed at start).
  ['SIGTERM', 'production'],
] as const)('%s to the pid of `npm run mock` (NODE_ENV=%s) stops every process it started', async (signal, nodeEnv) => {
  const port = await freePort();
  // In a group of its own (its pid is the group's id), which is signalled below only to clean up after a failure.
  const mock = startMock(port, { NODE_ENV: nodeEnv });
  try {
    await waitUntilReady(mock, 'npm run mock', () => accepts(port));
    // As a developer stops it: `kill <pid>`, to npm alone.
    process.kill(mock.pid, signal);
    await mock.exited;
    await expect.poll(() => groupRuns(mock.pid), { timeout: 10000 }).toBe(false);
    expect(await accepts(port)).toBe(false);
  } finally {
    mock.signal('SIGKILL');
  }
});
