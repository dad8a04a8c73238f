// `npm run bench`: see options.ts for the options, README.md ("Benchmark") for what the figures mean.
import { writeFileSync } from 'node:fs';
import { parseOptions, UsageError, usage } from './options.js';
import { profileRequestPath } from './profile.js';
import { renderMarkdown, smokeProblems } from './report.js';
import { runBenchmark } from './run.js';
import { runSoak } from './soak.js';

async function main(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  if (options.soakMinutes !== undefined) {
    process.stdout.write(await runSoak(options, options.soakMinutes));
    return 0;
  }
  if (options.profile) {
    process.stdout.write(await profileRequestPath(options));
    return 0;
  }
  const report = await runBenchmark(options);
  process.stdout.write(renderMarkdown(report));
  if (options.jsonPath !== undefined) writeFileSync(options.jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  if (options.smoke) {
    const problems = smokeProblems(report);
    for (const problem of problems) process.stderr.write(`bench --smoke: ${problem}\n`);
    process.stderr.write(problems.length === 0 ? 'bench --smoke: the benchmark works\n' : 'bench --smoke: FAILED\n');
    return problems.length === 0 ? 0 : 1;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
