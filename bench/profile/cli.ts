// `npm run profile`: see options.ts for the options, docs/benchmarks.md for what the figures mean.
import { runCommand } from '../src/command.js';
import { parseProfileOptions, usage } from './options.js';
import { profileRequestPath } from './run.js';

runCommand('profile', usage, parseProfileOptions, async (options) => {
  process.stdout.write(await profileRequestPath(options));
  return 0;
});
