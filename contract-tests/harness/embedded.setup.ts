import type { TestProject } from 'vitest/node';
import { provideServers } from './provide-servers.js';

/** The contract suite against kask-ts on the embedded store. */
export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return provideServers(project, {});
}
