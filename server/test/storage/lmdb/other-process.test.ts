import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { openEmbeddedStorage } from '../../../src/storage/lmdb/lmdb.js';

// Several workers share one LMDB file: a read in one must see every write another has acknowledged. lmdb-js keeps a
// read snapshot until a 0 ms timer renews it, so a worker busy with other reads missed writes acknowledged by
// another (found by the histories: a GET after a 201 answered the value it had replaced).
const compiledStore = fileURLToPath(new URL('../../../dist/storage/lmdb/lmdb.js', import.meta.url));
const writes = 300;

const path = mkdtempSync(join(tmpdir(), 'kask-lmdb-'));
afterAll(() => rmSync(path, { recursive: true, force: true }));

/** Another process that writes `v<i>` under `k` for each `i` it is sent, and sends `i` back once acknowledged. */
function otherProcessWriter() {
  const code = `
    const { openEmbeddedStorage } = await import(${JSON.stringify(compiledStore)});
    const store = openEmbeddedStorage({ path: ${JSON.stringify(path)}, purgeIntervalMs: undefined });
    process.on('message', async (i) => {
      await store.set('k', Buffer.from('v' + i), 0);
      process.send(i);
    });
    process.on('disconnect', () => store.close());
  `;
  return spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

it('a read sees a write that another process acknowledged, however busy the reader is with other reads', async () => {
  const store = openEmbeddedStorage({ path, purgeIntervalMs: undefined });
  const writer = otherProcessWriter();
  // The reader keeps reading another key, as a busy worker does: its snapshot is always a fresh one to reuse.
  const busy = setInterval(() => {
    for (let i = 0; i < 20; i++) void store.get('other');
  }, 0);
  const missed: string[] = [];
  try {
    for (let i = 0; i < writes; i++) {
      await new Promise((resolve) => {
        writer.once('message', resolve);
        writer.send(i);
      });
      const read = (await store.get('k'))?.value.toString();
      if (read !== `v${i}`) missed.push(`v${i} read as ${read}`);
    }
  } finally {
    clearInterval(busy);
    writer.disconnect();
    await store.close();
  }
  expect(missed).toEqual([]);
});
