// `npm run bench`: see options.ts for the options, docs/benchmarks.md for what the figures mean.
import { writeFileSync } from 'node:fs';
import { runCommand } from './command.js';
import { parseOptions, usage } from './options.js';
import { runProduction } from './production.js';
import { renderProduction } from './production-report.js';
import { renderMarkdown, smokeProblems } from './report.js';
import { runBenchmark } from './run.js';
import { runSoak } from './soak.js';

runCommand('bench', usage, parseOptions, async (options) => {
  if (options.soakMinutes !== undefined) {
    process.stdout.write(await runSoak(options, options.soakMinutes));
    return 0;
  }
  if (options.production !== undefined) {
    const report = await runProduction(options, options.production);
    process.stdout.write(renderProduction(report));
    if (options.jsonPath !== undefined) writeFileSync(options.jsonPath, `${JSON.stringify(report, null, 2)}\n`);
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
});
