import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const buildScript = fileURLToPath(new URL('../build-checker.sh', import.meta.url));

/** Porcupine's verdict on a history's linearizable keys: `Ok`, `Illegal`, or `Unknown` (it ran out of time). */
export interface LinearizabilityVerdict {
  readonly result: 'Ok' | 'Illegal' | 'Unknown';
  readonly operations: number;
  readonly keys: number;
  /** Porcupine's visualization of a history that is not Ok. */
  readonly visualization?: string;
}

let checker: Promise<string> | undefined;

/** The checker's binary, built once per process by histories/build-checker.sh (cached across runs). */
function checkerBinary(): Promise<string> {
  checker ??= run('bash', [buildScript], { maxBuffer: 1 << 20 }).then(({ stdout }) => stdout.trim());
  return checker;
}

/** Judges the history written at `historyPath` with porcupine (histories/checker/). */
export async function checkLinearizability(historyPath: string): Promise<LinearizabilityVerdict> {
  const visualization = historyPath.replace(/\.json$/, '.html');
  // Porcupine searches for up to 5 minutes, then says Unknown (22,000 operations of a 20 s run took it about 40 s).
  const { stdout } = await run(await checkerBinary(), [historyPath, visualization], { maxBuffer: 1 << 20, timeout: 360_000 });
  const verdict = JSON.parse(stdout) as LinearizabilityVerdict;
  return verdict.result === 'Ok' ? verdict : { ...verdict, visualization };
}
