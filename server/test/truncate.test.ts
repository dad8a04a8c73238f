import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { spawnCli } from '../../test-support/server-process.js';
import { configFrom } from '../src/config/load.js';
import { closeStores, openStorage } from '../src/storage/open.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

const namespaces = {
  sessions: { base_uri: '/sessions/v1/' },
  echoseen: { base_uri: '/echoseen/v1/', table: 'echo_seen' },
};

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** A configuration file of `namespaces` on a fresh embedded store holding the key `k` in every namespace. */
async function storeWithAKeyInEveryNamespace(file: Record<string, unknown> = { namespaces }): Promise<string> {
  const directory = mkdtempSync(join(tmpdir(), 'kask-truncate-'));
  directories.push(directory);
  const full = { ...file, embedded: { path: join(directory, 'data') } };
  const stores = await openStorage(configFrom(full), { maintain: false, log: pino({ level: 'silent' }) });
  for (const store of stores.values()) await store.set('k', Buffer.from('v'), 3600);
  await closeStores(stores);
  const path = join(directory, 'config.yaml');
  writeFileSync(path, stringify(full));
  return path;
}

/** Which namespaces of the file at `path` still hold the key `k`. */
async function namespacesHoldingTheKey(path: string, file: Record<string, unknown> = { namespaces }): Promise<string[]> {
  const stores = await openStorage(configFrom({ ...file, embedded: { path: join(path, '..', 'data') } }), {
    maintain: false,
    log: pino({ level: 'silent' }),
  });
  const holding: string[] = [];
  for (const [name, store] of stores) if ((await store.get('k')) !== undefined) holding.push(name);
  await closeStores(stores);
  return holding;
}

/** Runs `kask-ts truncate ...args` with `input` on its standard input, in `cwd` (the test's own by default). */
function truncate(args: readonly string[], input = '', cwd?: string) {
  const run = spawnSync(process.execPath, [cli, 'truncate', ...args], { input, cwd, encoding: 'utf8', timeout: 20_000 });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('kask-ts truncate', () => {
  it('empties the one namespace whose name is typed to confirm, and says where it was', async () => {
    const path = await storeWithAKeyInEveryNamespace();
    const run = truncate(['--namespace', 'echoseen', '--config', path], 'echoseen\n');
    expect(run.code).toBe(0);
    expect(run.output).toContain('Remove every value of the namespace echoseen, in the database echo_seen of the embedded store');
    expect(await namespacesHoldingTheKey(path)).toEqual(['sessions']);
  });

  it.each([
    ['another answer', 'y\n'],
    ['no answer at all', ''],
  ])('removes nothing and exits 1 on %s', async (_case, input) => {
    const path = await storeWithAKeyInEveryNamespace();
    const run = truncate(['--namespace', 'echoseen', '--config', path], input);
    expect(run.code).toBe(1);
    expect(run.output).toContain('not confirmed; nothing was removed');
    expect(await namespacesHoldingTheKey(path)).toEqual(['sessions', 'echoseen']);
  });

  it('--yes empties the namespace without asking', async () => {
    const path = await storeWithAKeyInEveryNamespace();
    const run = truncate(['--namespace', 'sessions', '--config', path, '--yes']);
    expect(run.code).toBe(0);
    expect(run.output).not.toContain('Type sessions to confirm');
    expect(await namespacesHoldingTheKey(path)).toEqual(['echoseen']);
  });

  it('an option given twice is refused (exit 2) and removes nothing: parseArgs alone would keep the last', async () => {
    const path = await storeWithAKeyInEveryNamespace();
    const run = truncate(['--namespace', 'sessions', '--namespace', 'echoseen', '--config', path, '--yes']);
    expect(run.code).toBe(2);
    expect(run.output).toContain('--namespace is given more than once');
    expect(await namespacesHoldingTheKey(path)).toEqual(['sessions', 'echoseen']);
  });

  it("empties the main database of a Kask file's one namespace, default", async () => {
    const kaskFile = { base_uri: '/sessions/v1/' };
    const path = await storeWithAKeyInEveryNamespace(kaskFile);
    const run = truncate(['--namespace', 'default', '--config', path, '--yes']);
    expect(run.code).toBe(0);
    expect(run.output).toContain('the main database of the embedded store');
    expect(await namespacesHoldingTheKey(path, kaskFile)).toEqual([]);
  });

  it('run from another directory, empties the store a relative embedded.path names beside the file, and makes none where it runs', async () => {
    const path = await storeWithAKeyInEveryNamespace();
    writeFileSync(path, stringify({ namespaces, embedded: { path: 'data' } }));
    const elsewhere = mkdtempSync(join(tmpdir(), 'kask-truncate-cwd-'));
    directories.push(elsewhere);
    const run = truncate(['--namespace', 'sessions', '--config', path, '--yes'], '', elsewhere);
    expect(run.code).toBe(0);
    expect(run.output).toContain(
      `namespace sessions truncated (the database sessions of the embedded store in ${join(path, '..', 'data')})`,
    );
    expect(await namespacesHoldingTheKey(path)).toEqual(['echoseen']);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('a store that does not exist is an error naming its absolute path (exit 1), and none is made', async () => {
    const path = await storeWithAKeyInEveryNamespace();
    const missing = join(path, '..', 'not-the-store');
    writeFileSync(path, stringify({ namespaces, embedded: { path: 'not-the-store' } }));
    const run = truncate(['--namespace', 'sessions', '--config', path, '--yes']);
    expect(run.code).toBe(1);
    expect(run.output).toContain(`embedded store: there is no store at ${missing}`);
    expect(run.output).not.toContain('truncated');
    expect(existsSync(missing)).toBe(false);
  });

  it('a namespace whose database the store does not have is an error (exit 1), and none is made', async () => {
    const path = await storeWithAKeyInEveryNamespace();
    const withAnon = { namespaces: { ...namespaces, anon: { base_uri: '/anon/v1/' } } };
    writeFileSync(path, stringify({ ...withAnon, embedded: { path: join(path, '..', 'data') } }));
    // Twice: a first run that made the database would let the second empty it.
    for (const run of [0, 1].map(() => truncate(['--namespace', 'anon', '--config', path, '--yes']))) {
      expect(run.code).toBe(1);
      expect(run.output).toContain(`embedded store: there is no database anon in ${join(path, '..', 'data')}`);
    }
    expect(await namespacesHoldingTheKey(path)).toEqual(['sessions', 'echoseen']);
  });

  it.each([
    [['--namespace', 'anon', '--config', 'CONFIG'], 'has no namespace anon (it has sessions, echoseen)'],
    [['--config', 'CONFIG'], 'truncate needs --namespace NAME and --config FILE'],
    [['--namespace', 'sessions'], 'truncate needs --namespace NAME and --config FILE'],
  ])('%j exits 2 and says why', async (args, message) => {
    const path = await storeWithAKeyInEveryNamespace();
    const run = truncate(args.map((arg) => (arg === 'CONFIG' ? path : arg)));
    expect(run.code).toBe(2);
    expect(run.output).toContain(message);
    expect(await namespacesHoldingTheKey(path)).toEqual(['sessions', 'echoseen']);
  });
});

describe('kask-ts schema', () => {
  it('prints the keyspace and the table of every namespace, each table named by the namespace or its table', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'kask-schema-')), 'config.yaml');
    directories.push(join(path, '..'));
    writeFileSync(path, stringify({ cassandra: { keyspace: 'sessions' }, namespaces }));
    const schema = spawnCli(['schema', '--config', path, '--replication', 'eqiad=3']);
    expect(await schema.exited).toBe(0);
    expect(schema.output()).toBe(
      `CREATE KEYSPACE IF NOT EXISTS "sessions" WITH replication = {'class': 'NetworkTopologyStrategy', 'eqiad': 3};\n` +
        `CREATE TABLE IF NOT EXISTS "sessions"."sessions" (key text PRIMARY KEY, value blob);\n` +
        `CREATE TABLE IF NOT EXISTS "sessions"."echo_seen" (key text PRIMARY KEY, value blob);\n`,
    );
  });
});
