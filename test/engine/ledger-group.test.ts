/**
 * Ledger group commit (engine/ledger.ts): updates that arrive while one is being written go out
 * together in the next write, each resolved once its change is on disk. Sixteen tools taken over at
 * once made about a hundred ledger writes, each with two fsyncs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { tempHome, type TempHome } from '../helpers/home.ts';

const writes = vi.hoisted(() => ({ paths: [] as string[] }));
vi.mock('../../src/configio/io.ts', async (importOriginal) => {
  const io = await importOriginal<typeof import('../../src/configio/io.ts')>();
  return {
    ...io,
    writeConfig: (...args: Parameters<typeof io.writeConfig>) => {
      writes.paths.push(args[0].path);
      return io.writeConfig(...args);
    },
  };
});
const { LedgerStore } = await import('../../src/engine/ledger.ts');

let h: TempHome;
beforeEach(() => {
  h = tempHome();
  writes.paths.length = 0;
});
afterEach(() => h.cleanup());

it('30 updates at once: a few writes, not 30; each resolved with its change already in the file', async () => {
  const store = new LedgerStore(join(h.home, 'state'));
  const onDisk = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      store
        .update((l) => {
          l.backups[`/f${i}`] = `sha256:${i}`;
        })
        .then(() => readFileSync(store.path, 'utf8').includes(`"/f${i}"`)),
    ),
  );
  expect(onDisk.every(Boolean)).toBe(true);
  const ledgerWrites = writes.paths.filter((p) => p === store.path).length;
  expect(ledgerWrites).toBeGreaterThan(0);
  expect(ledgerWrites).toBeLessThanOrEqual(2);
  expect(Object.keys((await store.load()).backups)).toHaveLength(30);
});
