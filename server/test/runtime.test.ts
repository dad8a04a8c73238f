import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runtimeFault } from '../src/runtime.js';

describe('the runtime check', () => {
  it('this Node runs kask-ts: the one the tests run on is the one npm ci brings', () => {
    expect(runtimeFault(process.version)).toBeUndefined();
  });

  it.each(['v24.18.1', 'v24.22.3', 'v24.100.0', 'v26.5.1'])('%s meets >=24.18.1', (version) => {
    expect(runtimeFault(version, '>=24.18.1')).toBeUndefined();
  });

  it.each(['v20.20.2', 'v22.23.2', 'v24.18.0', 'v24.9.9', 'v8.99.99'])('%s does not, and the fault names both', (version) => {
    expect(runtimeFault(version, '>=24.18.1')).toMatch(
      new RegExp(`^Node.js ${version} cannot run kask-ts, which needs Node.js >=24.18.1`),
    );
  });
});

describe('the runtime pins', () => {
  const root = new URL('../../', import.meta.url);
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));

  it('.nvmrc, the bundled node-linux-* packages and the Node the tests run on are one version, within engines', () => {
    const pinned = readFileSync(new URL('.nvmrc', root), 'utf8').trim();
    expect(Object.values(pkg.optionalDependencies)).toEqual([pinned, pinned]);
    expect(process.version).toBe(`v${pinned}`);
    expect(runtimeFault(`v${pinned}`, pkg.engines.node)).toBeUndefined();
  });
});
