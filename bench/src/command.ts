import { UsageError } from './options.js';

/**
 * Runs a command line program: `parse` reads process.argv (a UsageError prints it and the usage, exit 2; `help` prints
 * the usage), `main` answers the exit code; any other error prints its stack and exits 1.
 */
export function runCommand<Options>(
  name: string,
  usage: string,
  parse: (argv: readonly string[]) => Options | 'help',
  main: (options: Options) => Promise<number>,
): void {
  const run = async (): Promise<number> => {
    let options: Options | 'help';
    try {
      options = parse(process.argv.slice(2));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      process.stderr.write(`${name}: ${error.message}\n\n${usage}`);
      return 2;
    }
    if (options === 'help') {
      process.stdout.write(usage);
      return 0;
    }
    return main(options);
  };
  run().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
