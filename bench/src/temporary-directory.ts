import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { undoneOnInterruption } from './interruptions.js';

/** A new directory in the system's temporary directory, removed by `remove()` or when the process is interrupted. */
export function temporaryDirectory(prefix: string): { readonly path: string; readonly remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: undoneOnInterruption(() => rmSync(path, { recursive: true, force: true })) };
}
