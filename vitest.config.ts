import { defineConfig } from 'vitest/config';

// One project per target, so each runs alone: `npx vitest run --project NAME`.
// The contract suite runs against a server on the embedded store, and against any Kask-compatible
// server named by KASK_BASE_URL (project `contract:external`).
const contract = (name: string, globalSetup: string) => ({
  test: { name, include: ['contract-tests/**/*.test.ts'], globalSetup, testTimeout: 30000, hookTimeout: 60000 },
});

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'server',
          include: ['server/test/**/*.test.ts'],
          exclude: ['server/test/**/cassandra*.test.ts'],
          testTimeout: 30000,
        },
      },
      contract('contract:embedded', 'contract-tests/harness/embedded.setup.ts'),
      ...(process.env.KASK_BASE_URL ? [contract('contract:external', 'contract-tests/harness/external.setup.ts')] : []),
    ],
  },
});
