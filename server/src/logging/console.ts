import type { Logger } from 'pino';
import { LogThrottle, suppressedField } from './log-throttle.js';
import { describeError } from './logging.js';

// NOTE: lmdb-js prints each failed commit's error, stack and all, with console.error (lmdb 3.5, write.js, the
// callback of env.startWriting), and has no option to keep it quiet: on a full disk, one block of plain text on
// stderr per refused write, outside the JSON log. kask-ts itself never writes to the console, so the console's
// error and warn go to the log: one JSON line saying what was printed, at most once a minute per message.

/** What may be logged of what a library printed: its first argument's class and first line, never the others (buffers, values). */
function printed(first: unknown): { error_class: string; error_message: string } {
  return first instanceof Error ? describeError(first) : { ...describeError(String(first)), error_class: 'console' };
}

/** Sends console.error and console.warn, which libraries print their failures with, to `logger` as warnings. */
export function logConsoleWarnings(logger: Logger): void {
  const throttle = new LogThrottle();
  const log = (first: unknown) => {
    const fields = printed(first);
    const suppressed = throttle.admit(`${fields.error_class}: ${fields.error_message}`);
    if (suppressed === undefined) return;
    logger.warn({ ...fields, ...suppressedField(suppressed) }, 'a library printed to the console');
  };
  console.error = log;
  console.warn = log;
}
