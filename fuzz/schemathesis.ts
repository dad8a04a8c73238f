import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runDeadlineMs = 15 * 60_000;

/** What a Schemathesis run did, from its own reports. */
export interface FuzzResult {
  readonly seed: number;
  readonly exitCode: number | null;
  /** Requests sent and answered, stateful steps included. */
  readonly requests: number;
  readonly serverErrors: number;
  /** Schemathesis's failures (checks that broke) and errors (requests it could not make), by title. */
  readonly failures: readonly string[];
  readonly errors: readonly string[];
  /** Its console output: the failures with their reproductions. */
  readonly output: string;
}

/** The seed of a run: KASK_FUZZ_SEED, `random` for a new one, else the fixed seed CI uses. */
export function fuzzSeed(): number {
  const given = process.env.KASK_FUZZ_SEED;
  if (given === 'random') return Math.floor(Math.random() * 2 ** 31);
  return given === undefined || given === '' ? 20261201 : Number(given);
}

/** The schemathesis command, installed pinned in its venv by fuzz/install.sh when it is not yet. */
function schemathesisCommand(): string {
  return execFileSync('bash', [join(root, 'fuzz/install.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

interface Interaction {
  readonly response?: { readonly status_code: number };
}

/** Every answered request of an NDJSON report, stateful steps included. */
function responses(ndjson: string): Interaction[] {
  const found: Interaction[] = [];
  for (const line of ndjson.split('\n')) {
    if (line === '') continue;
    const event = JSON.parse(line) as { ScenarioFinished?: { recorder: { interactions: Record<string, Interaction> } } };
    for (const interaction of Object.values(event.ScenarioFinished?.recorder.interactions ?? {})) found.push(interaction);
  }
  return found;
}

/**
 * Runs Schemathesis (fuzz/schemathesis.toml: every check) against `origin` with the document's session
 * route, `examplesPerOperation` test cases per operation in each phase (examples, coverage, fuzzing, stateful).
 */
export async function runSchemathesis(origin: string, seed: number, examplesPerOperation: number): Promise<FuzzResult> {
  const command = schemathesisCommand();
  const reports = mkdtempSync(join(tmpdir(), 'kask-fuzz-'));
  try {
    // One worker: with a fixed seed, the same requests in the same order.
    const args = [
      ...['--config-file', join(root, 'fuzz/schemathesis.toml'), 'run', join(root, 'openapi/openapi.yaml')],
      ...['--url', origin, '--seed', String(seed), '--max-examples', String(examplesPerOperation), '--workers', '1'],
      ...['--request-timeout', '10', '--no-color', '--report', 'json,ndjson', '--report-dir', reports],
    ];
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: reports });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), runDeadlineMs);
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(killer);
    const file = (extension: string) => {
      const name = readdirSync(reports).find((entry) => entry.endsWith(extension));
      if (name === undefined) throw new Error(`schemathesis wrote no ${extension} report (exit ${exitCode}):\n${output}`);
      return readFileSync(join(reports, name), 'utf8');
    };
    const report = JSON.parse(file('.json')) as {
      failures: { title: string; operations: string[] }[];
      errors: { title?: string; message?: string }[];
    };
    const answered = responses(file('.ndjson'));
    return {
      seed,
      exitCode,
      requests: answered.length,
      serverErrors: answered.filter((interaction) => (interaction.response?.status_code ?? 0) >= 500).length,
      failures: report.failures.map((failure) => `${failure.title}: ${failure.operations.join(', ')}`),
      errors: report.errors.map((error) => error.title ?? error.message ?? JSON.stringify(error)),
      output,
    };
  } finally {
    rmSync(reports, { recursive: true, force: true });
  }
}
