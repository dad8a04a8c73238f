import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { logConsoleWarnings } from '../../src/logging/console.js';
import { loggerOptions } from '../../src/logging/logging.js';
import { openEmbeddedDatabases, openEmbeddedStorage } from '../../src/storage/lmdb/lmdb.js';

// lmdb-js prints each failed commit's error with console.error, stack and all; the service sends it to its JSON log.

const { error, warn } = console;
const directories: string[] = [];
afterEach(() => {
  console.error = error;
  console.warn = warn;
  for (const path of directories.splice(0)) rmSync(path, { recursive: true, force: true });
});

/** A logger as the service's, and the lines it wrote, parsed. */
function collectingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino(loggerOptions({ log_level: 'info', service_name: 'kask' }), stream), lines };
}

describe("what libraries print to the console goes to the service's log", () => {
  it('a commit lmdb-js fails is one JSON warning, its first line, without its stack', async () => {
    const { logger, lines } = collectingLogger();
    logConsoleWarnings(logger);
    // A store whose main database records a named database, under its name and a NUL, which LMDB refuses to delete
    // as a key (MDB_INCOMPATIBLE): the commit fails, and lmdb-js prints it.
    const path = mkdtempSync(join(tmpdir(), 'kask-console-'));
    directories.push(path);
    const [named] = openEmbeddedDatabases({ path, purgeIntervalMs: undefined }, ['sessions']);
    await named?.set('k', Buffer.from('v'), 60);
    await named?.close();
    const main = openEmbeddedStorage({ path, purgeIntervalMs: undefined });
    await expect(main.delete('sessions\0')).rejects.toMatchObject({ kind: 'fault' });
    await main.close();
    expect(lines).toEqual([
      expect.objectContaining({ level: 'WARNING', msg: 'a library printed to the console', error_class: 'Error' }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('    at ');
  }, 10_000);

  it('never logs what follows the first argument (a buffer, a value), and a repeated message once a minute', () => {
    const { logger, lines } = collectingLogger();
    logConsoleWarnings(logger);
    console.error('Error with prefetch', Buffer.from('s3cr3t-value'));
    console.warn('Error with prefetch', Buffer.from('s3cr3t-value'));
    console.error(new Error('Commit failed\n    at write.js:516:7'));
    expect(lines.map(({ error_class, error_message }) => ({ error_class, error_message }))).toEqual([
      { error_class: 'console', error_message: 'Error with prefetch' },
      { error_class: 'Error', error_message: 'Commit failed' },
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/s3cr3t|73336372/);
  });
});
