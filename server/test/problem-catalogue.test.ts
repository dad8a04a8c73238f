import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { problems } from '../src/generated/contract.js';

const source = fileURLToPath(new URL('../src/', import.meta.url));

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const code = sourceFiles(source)
  .map((path) => readFileSync(path, 'utf8'))
  .join('\n');

// The other direction (every problem the code sends is in the document) is the type checker's: a name
// outside the generated catalogue does not compile.
describe('the problem catalogue', () => {
  it.each(Object.keys(problems))('the document’s problem %s is one the server can send', (name) => {
    expect(code).toContain(`'${name}'`);
  });

  it('every problem type lives under Kask’s error URI base', () => {
    for (const [name, problem] of Object.entries(problems)) {
      expect(problem.type).toBe(`https://www.mediawiki.org/wiki/Kask/errors/${name}`);
    }
  });
});
