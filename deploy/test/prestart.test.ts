import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// `npm start`'s prestart (scripts/build-if-stale.mjs) in a clone of its own making: a package.json whose build
// writes server/dist/build-info.json and counts its runs, sources, and the compiler there or not.

const script = fileURLToPath(new URL('../../scripts/build-if-stale.mjs', import.meta.url));
const command = fileURLToPath(new URL('../../bin/kask-ts', import.meta.url));
const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

interface Clone {
  readonly directory: string;
  /** How many times the build ran. */
  builds(): number;
}

function cloneWith({ built, compiler }: { built: boolean; compiler: boolean }): Clone {
  const directory = mkdtempSync(join(tmpdir(), 'kask-prestart-'));
  directories.push(directory);
  mkdirSync(join(directory, 'scripts'));
  copyFileSync(script, join(directory, 'scripts/build-if-stale.mjs'));
  mkdirSync(join(directory, 'server/src'), { recursive: true });
  writeFileSync(join(directory, 'server/src/cli.ts'), '');
  const build = "mkdir -p server/dist && echo '{}' > server/dist/build-info.json && echo built >> builds";
  writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: 'clone', scripts: { build } }));
  if (compiler) {
    mkdirSync(join(directory, 'node_modules/typescript'), { recursive: true });
    writeFileSync(join(directory, 'node_modules/typescript/package.json'), '{"name":"typescript"}');
  }
  if (built) {
    mkdirSync(join(directory, 'server/dist'));
    writeFileSync(join(directory, 'server/dist/build-info.json'), '{}');
  }
  return {
    directory,
    builds: () => {
      try {
        return readFileSync(join(directory, 'builds'), 'utf8').split('\n').filter(Boolean).length;
      } catch {
        return 0;
      }
    },
  };
}

function prestart(clone: Clone) {
  const run = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: clone.directory, encoding: 'utf8' });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("npm start's prestart", () => {
  it('starts a current build as it is', () => {
    const clone = cloneWith({ built: true, compiler: true });
    expect(prestart(clone)).toEqual({ code: 0, output: '' });
    expect(clone.builds()).toBe(0);
  });

  it('builds a clone never built, and one whose sources changed since its build', () => {
    const clone = cloneWith({ built: false, compiler: true });
    expect(prestart(clone)).toMatchObject({ code: 0, output: expect.stringContaining('server/dist is missing: building it') });
    expect(clone.builds()).toBe(1);
    const earlier = new Date(Date.now() - 5000);
    utimesSync(join(clone.directory, 'server/dist/build-info.json'), earlier, earlier);
    expect(prestart(clone)).toMatchObject({ code: 0, output: expect.stringContaining('older than server/src: building it') });
    expect(clone.builds()).toBe(2);
    expect(prestart(clone).code).toBe(0);
    expect(clone.builds()).toBe(2);
  });

  it('in a clone installed without the compiler (npm ci --omit=dev) and never built, says what to run (exit 1)', () => {
    const clone = cloneWith({ built: false, compiler: false });
    const run = prestart(clone);
    expect(run.code).toBe(1);
    expect(run.output).toContain('server/dist is missing, and the TypeScript compiler is not installed');
    expect(run.output).toContain('`npm ci && npm run build`');
    expect(run.output).not.toContain('tsc: not found');
    expect(clone.builds()).toBe(0);
  });

  it('in a clone installed without the compiler, starts the build it has', () => {
    const clone = cloneWith({ built: true, compiler: false });
    expect(prestart(clone)).toEqual({ code: 0, output: '' });
  });
});

describe('bin/kask-ts', () => {
  it('in a clone never built, says what to run (exit 1) instead of a stack trace', () => {
    const clone = cloneWith({ built: false, compiler: true });
    mkdirSync(join(clone.directory, 'bin'));
    copyFileSync(command, join(clone.directory, 'bin/kask-ts'));
    const run = spawnSync('sh', [join(clone.directory, 'bin/kask-ts'), '--version'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `kask-ts: ${join(clone.directory, 'server/dist/cli.js')} is missing: in a clone, build it with \`npm run build\` (npm start builds it)\n`,
    );
  });
});
