import { execFileSync } from 'node:child_process';
import { cpSync, globSync, mkdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

// deploy/Dockerfile run as a script, where no container engine runs: every instruction in order, every stage on one
// directory (`root`) that stands for the image's /. An absolute path becomes one under `root`; a RUN line sees the
// ARG values so moved, and must name no absolute path of its own (the Dockerfile's header says so), or the script
// would write outside `root`. USER, VOLUME and EXPOSE change nothing a script can run.

/** The image's command, as the script runs it. */
export interface ImageCommand {
  readonly argv: readonly string[];
  readonly cwd: string;
  /** The command's environment: `base` with the last stage's ENV instructions applied. */
  env(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
}

/** Instructions, continuation lines joined, comments and blank lines left out. */
function instructions(text: string): { keyword: string; rest: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), rest: rest.join(' ') };
    });
}

function expand(text: string, values: Readonly<Record<string, string | undefined>>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_match, braced: string | undefined, bare: string | undefined) => {
    return values[(braced ?? bare) as string] ?? '';
  });
}

/**
 * Runs the Dockerfile at `dockerfile` with `context` as its build context and `root` as the image's /, `env` the
 * environment of its RUN lines (the build machine's); returns its CMD.
 */
export function runDockerfile(dockerfile: string, context: string, root: string, env: NodeJS.ProcessEnv): ImageCommand {
  const under = (path: string) => (isAbsolute(path) ? join(root, path) : path);
  const globalArgs: Record<string, string> = {};
  let args: Record<string, string> = {};
  let envInstructions: [string, string][] = [];
  let workdir = root;
  let command: readonly string[] | undefined;
  let inStage = false;
  /** ARG values as a RUN line sees them: absolute paths moved under `root`. */
  const moved = () => Object.fromEntries(Object.entries(args).map(([name, value]) => [name, under(value)]));
  const environment = (base: NodeJS.ProcessEnv) => {
    const result: NodeJS.ProcessEnv = { ...base, ...moved() };
    for (const [name, value] of envInstructions) result[name] = expand(value, result);
    return result;
  };

  for (const { keyword, rest } of instructions(readFileSync(dockerfile, 'utf8'))) {
    switch (keyword) {
      case 'ARG': {
        const [name = '', value] = rest.split('=', 2);
        const given = value ?? globalArgs[name];
        if (given === undefined) throw new Error(`ARG ${name} has no value`);
        if (inStage) args[name] = given;
        else globalArgs[name] = given;
        break;
      }
      case 'FROM':
        inStage = true;
        args = {};
        envInstructions = [];
        workdir = root;
        break;
      case 'ENV': {
        const [name = '', value = ''] = rest.split('=', 2);
        envInstructions.push([name, value]);
        break;
      }
      case 'WORKDIR':
        workdir = under(expand(rest, args));
        mkdirSync(workdir, { recursive: true });
        break;
      case 'COPY': {
        const words = rest.split(/\s+/).map((word) => expand(word, args));
        const fromStage = words[0]?.startsWith('--from=') ?? false;
        const [source = '', destination = ''] = fromStage ? words.slice(1) : words;
        const target = isAbsolute(destination) ? under(destination) : join(workdir, destination);
        // Every stage writes under `root`: a stage's files are where the next one copies them from.
        if (fromStage) {
          if (under(source) !== target) cpSync(under(source), target, { recursive: true });
          break;
        }
        const matches = globSync(source, { cwd: context });
        if (matches.length === 0) throw new Error(`COPY ${source}: nothing in ${context} matches`);
        mkdirSync(target, { recursive: true });
        for (const match of matches) cpSync(join(context, match), join(target, match), { recursive: true });
        break;
      }
      case 'RUN':
        if (/(^|[\s=:])["']?\/\w/.test(rest)) throw new Error(`RUN names an absolute path; give it an ARG instead: ${rest}`);
        execFileSync('sh', ['-ec', rest], { cwd: workdir, env: environment(env), stdio: 'pipe' });
        break;
      case 'CMD':
        command = (JSON.parse(rest) as string[]).map(under);
        break;
      case 'USER':
      case 'VOLUME':
      case 'EXPOSE':
        break;
      default:
        throw new Error(`${keyword}: not an instruction this script runs`);
    }
  }
  if (command === undefined) throw new Error(`${dockerfile} has no CMD`);
  return { argv: command, cwd: workdir, env: environment };
}
