import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { target } from '../harness/target.js';

const extension = fileURLToPath(new URL('../../mediawiki-extension/', import.meta.url));

/** Runs a PHPUnit suite of the KaskStore extension against the server under test. */
function phpunit(suite: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // The tests of group tls need a server over https with client certificates (mediawiki-extension/bin/test.sh).
    const tls = target.baseUrl.protocol === 'https:' ? [] : ['--exclude-group', 'tls'];
    const child = spawn('phpunit', ['-c', 'phpunit.xml', '--testsuite', suite, ...tls], {
      cwd: extension,
      env: { ...process.env, KASK_BASE_URL: target.baseUrl.href },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', (error) =>
      reject(new Error(`phpunit could not run (bash mediawiki-extension/bin/install-deps.sh installs it): ${error.message}`)),
    );
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('through the PHP client', () => {
  it(`the KaskStore extension's integration suite (and the stock RESTBagOStuff interoperability) passes against this server`, async () => {
    const { code, output } = await phpunit('integration');
    expect(code, output).toBe(0);
    expect(output).toMatch(/OK \(\d+ tests?, \d+ assertions?\)/);
  }, 120000);
});
