import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// One project per target, so each runs alone: `npx vitest run --project NAME`.
// The contract suite is split by what a target must be able to do, and each project takes the folders
// its target can honour (never skipped tests):
//   shape/      statuses, content types and problem bodies: any target, even a stateless mock
//   behaviour/  what a store does (round trips, absent keys, limits, key decoding): any real server
//   direct/     non-UTF-8 bytes, JSON and chunked bodies, any Content-Type, keys of any bytes, absolute-form
//               targets, methods and paths the document does not declare: a server reached directly (Prism's
//               proxy rewrites these bodies, paths and queries, and answers some of those requests itself)
//   expiry/     needs a second server with a short default_ttl
//   extensions/ kask-ts's additions to Kask (PUT, PATCH, ETag and If-Match, Cache-Control): kask-ts servers
//   extension-expiry/  the per-write TTL over time: a kask-ts server and a second one with a short default_ttl
//   namespaces/ a kask-ts server with two namespaces of different TTLs and limits: isolation, limits and TTLs each
//   limits/     a kask-ts server of two workers with rate limits per namespace, per client and per key: 429s
//   php-client/ the KaskStore PHP client's integration suite (PHPUnit) against the target
//   mock/       the mock's own promises: every example reachable with Prefer, contract-breaking requests
//               refused, request targets answered as the server answers them, a clean stop, and what it cannot check
const includedFolders = new Set<string>();
function contract(name: string, globalSetup: string, folders: string[]) {
  for (const folder of folders) includedFolders.add(folder);
  return {
    test: {
      name,
      include: folders.map((folder) => `contract-tests/${folder}/**/*.test.ts`),
      globalSetup,
      testTimeout: 30000,
      hookTimeout: 60000,
      // Files share the harness (and its compiled validator) within a project; projects never share modules.
      isolate: false,
    },
  };
}
// Kask's behaviour, which any Kask-compatible server has; kask-ts adds its extensions (PUT, PATCH, If-Match),
// namespaces and rate limits.
const kaskServer = ['shape', 'behaviour', 'direct', 'expiry'];
const realServer = [...kaskServer, 'extensions', 'extension-expiry', 'namespaces', 'limits'];
// NOTE: expiry/ and extension-expiry/ are not proxied: they would need their short-TTL server behind a second
// Prism, for responses of the same shapes as the proxied folders', and seconds of waiting more.
const proxied = ['shape', 'behaviour', 'extensions'];
const mocked = ['shape', 'mock'];

const config = defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'server',
          include: ['server/test/**/*.test.ts'],
          // Tests that need a live backend are selected by folder: cassandra/ and multi-dc/ have projects of their own,
          // and adversarial/ one that runs alone.
          exclude: ['server/test/cassandra/**', 'server/test/multi-dc/**', 'server/test/adversarial/**'],
          testTimeout: 30000,
        },
      },
      // The backend on a real Cassandra: KASK_TEST_CASSANDRA, else testcontainers, else a local node (tools/cassandra).
      {
        test: {
          name: 'cassandra',
          include: ['server/test/cassandra/**/*.test.ts'],
          globalSetup: 'server/test/cassandra/global-setup.ts',
          testTimeout: 60000,
          hookTimeout: 180000,
        },
      },
      // Two data centres on a real two-node Cassandra (tools/cassandra/two-dc.sh, 127.0.0.5 dc1 and 127.0.0.6 dc2):
      // the test file starts and stops its own nodes and servers. It runs after every other project, alone,
      // so that node start-ups and hint delivery compete with nothing (about 3 minutes).
      {
        test: {
          name: 'multi-dc',
          include: ['server/test/multi-dc/**/*.test.ts'],
          testTimeout: 300000,
          hookTimeout: 600000,
          sequence: { groupOrder: 1 },
        },
      },
      // Crash consistency (SIGKILL under writes) and slow or hostile clients against real servers. It runs after
      // every other project, alone, so that its latency bounds measure the server rather than other tests.
      {
        test: {
          name: 'adversarial',
          include: ['server/test/adversarial/**/*.test.ts'],
          testTimeout: 300000,
          hookTimeout: 60000,
          sequence: { groupOrder: 2 },
        },
      },
      // Schemathesis generates requests from the OpenAPI document against real servers (fuzz/; KASK_FUZZ_SEED=random
      // for a new seed: `npm run fuzz`).
      // It runs after every other project, alone: its load on the shared Cassandra node made lightweight transactions
      // of the cassandra project time out on a fresh node.
      {
        test: {
          name: 'fuzz',
          include: ['fuzz/**/*.test.ts'],
          testTimeout: 900000,
          hookTimeout: 60000,
          sequence: { groupOrder: 3 },
        },
      },
      // Histories (histories/): concurrent clients under faults, judged by porcupine and named checks; after every other
      // project, alone, so that SIGSTOPs and restarts compete with nothing. Fixed seeds; `npm run histories` runs longer.
      {
        test: {
          name: 'histories',
          include: ['histories/test/**/*.test.ts'],
          testTimeout: 600000,
          hookTimeout: 60000,
          sequence: { groupOrder: 4 },
        },
      },
      // Histories on a Cassandra cluster of the caller's (KASK_HISTORIES_CASSANDRA): `npm run histories:cassandra`.
      ...(process.env.KASK_HISTORIES_CASSANDRA
        ? [
            {
              test: {
                name: 'histories:cassandra',
                include: ['histories/cluster/**/*.test.ts'],
                testTimeout: 600000,
                hookTimeout: 180000,
              },
            },
          ]
        : []),
      // Histories on a cluster of three nodes and one under true network partitions (network namespaces, root only):
      // `npm run histories:partitions`, 3 to 5 minutes.
      ...(process.env.KASK_HISTORIES_PARTITIONS
        ? [
            {
              test: {
                name: 'histories:partitions',
                include: ['histories/partition/**/*.test.ts'],
                testTimeout: 600000,
                hookTimeout: 600000,
              },
            },
          ]
        : []),
      // The package as an operator installs it (npm pack, an install from the tarball as deploy/Dockerfile does it, the
      // installed command run from elsewhere), npm start in a clone, and the files of deploy/ checked.
      {
        test: {
          name: 'deploy',
          include: ['deploy/test/**/*.test.ts'],
          testTimeout: 60000,
          hookTimeout: 300000,
        },
      },
      // The benchmark works (a one-second smoke run, expected statuses only); no test judges speed. Its setup compiles
      // bench/ (tsc), as the processes the benchmark starts run the compiled scripts.
      {
        test: {
          name: 'bench',
          include: ['bench/test/**/*.test.ts'],
          globalSetup: 'bench/test/global-setup.ts',
          testTimeout: 180000,
          hookTimeout: 120000,
        },
      },
      contract('contract:embedded', 'contract-tests/harness/embedded.setup.ts', realServer),
      // On Cassandra, the MediaWiki extension's integration suite runs too (bin/test.sh runs it on the embedded store).
      contract('contract:cassandra', 'contract-tests/harness/cassandra.setup.ts', [...realServer, 'php-client']),
      // The embedded server behind `prism proxy --errors`: Prism checks every response on its own.
      contract('contract:proxy', 'contract-tests/harness/proxy.setup.ts', proxied),
      contract('contract:mock', 'contract-tests/harness/mock.setup.ts', mocked),
      ...(process.env.KASK_BASE_URL
        ? [contract('contract:external', 'contract-tests/harness/external.setup.ts', kaskServer)]
        : []),
    ],
  },
});

// A test file that no project includes would never run: every test folder under contract-tests/ must be in one.
for (const entry of readdirSync(new URL('./contract-tests/', import.meta.url), { withFileTypes: true })) {
  const unlisted = entry.isDirectory()
    ? entry.name !== 'harness' && !includedFolders.has(entry.name)
    : entry.name.endsWith('.test.ts');
  if (unlisted) throw new Error(`contract-tests/${entry.name} is in no project: list its folder in vitest.config.ts`);
}

export default config;
