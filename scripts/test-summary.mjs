#!/usr/bin/env node
// Prints one line that totals every test `npm test` ran (vitest's JSON report and PHPUnit's JUnit
// reports in .test-results/), so that a run that executed no test cannot look like a green one.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const dir = new URL('../.test-results/', import.meta.url);
let passed = 0;
let failed = 0;
let skipped = 0;

const vitest = JSON.parse(readFileSync(new URL('vitest.json', dir), 'utf8'));
passed += vitest.numPassedTests;
failed += vitest.numFailedTests;
skipped += vitest.numPendingTests + vitest.numTodoTests;

for (const name of existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.xml')) : []) {
  const suite = readFileSync(new URL(name, dir), 'utf8').match(/<testsuite [^>]*>/)?.[0] ?? '';
  const count = (attribute) => Number(suite.match(new RegExp(`\\b${attribute}="(\\d+)"`))?.[1] ?? 0);
  const broken = count('failures') + count('errors');
  passed += count('tests') - broken - count('skipped');
  failed += broken;
  skipped += count('skipped');
}

console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
