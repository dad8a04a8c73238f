import type { TestProject } from 'vitest/node';
import { startPrism } from './prism.js';

/** Starts a Prism mock of openapi/openapi.yaml (as `npm run mock` does) for the cases a stateless mock can honour. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const prism = await startPrism({ mode: 'mock' });
  project.provide('kaskBaseUrl', `${prism.origin}/sessions/v1/`);
  return () => prism.stop();
}
